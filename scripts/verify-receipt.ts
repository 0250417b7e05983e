// `npm run verify-receipt -- <receipt.json> --ca <bank-ca.pem> [--lang en]` —
// checks a SettleKey receipt file offline: the bank CA issued the signing
// certificate for document signing, the bank's signature covers the receipt's
// statement, and every line is the one the bank signed (a changed figure is
// named). Exit 0: genuine; 1: not genuine; 2: the file or the options are wrong.
// The CA certificate is the bank's published one, never the one a receipt file
// might carry: a forger could make a CA of their own.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { SHARED_MESSAGES, interpolate, type Lang } from '../src-shared/errors';
import { problemLines, ReceiptFormatError, verifyReceipt } from '../src-shared/receipts';
import { formatReceiptValue } from '../src-shared/receipt-words';

const USAGE =
  'usage: npm run verify-receipt -- <receipt.json> --ca <bank-ca.pem> [--lang zh-CN|en]\n' +
  '  (--ca defaults to SETTLEKEY_BANK_CA, a path to the bank CA certificate in PEM)';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { ca: { type: 'string' }, lang: { type: 'string', default: 'zh-CN' } },
  });
  const lang: Lang = values.lang === 'en' ? 'en' : 'zh-CN';
  const caPath = values.ca ?? process.env.SETTLEKEY_BANK_CA;
  if (positionals.length !== 1 || !caPath) {
    console.error(USAGE);
    return 2;
  }
  const words = SHARED_MESSAGES[lang];
  let verdict;
  try {
    verdict = await verifyReceipt(JSON.parse(readFileSync(positionals[0]!, 'utf8')), readFileSync(caPath, 'utf8'));
  } catch (error) {
    if (error instanceof ReceiptFormatError || error instanceof SyntaxError) {
      console.error(words.receiptCheck.notAReceipt);
      return 2;
    }
    throw error;
  }
  const label = (key: keyof typeof words.receiptFields) => words.receiptFields[key];
  for (const line of verdict.lines) {
    const mark =
      line.status === 'ok' ? '' : `  ← ${words.receiptCheck[line.status === 'extra' ? 'changed' : line.status]}`;
    console.log(`${label(line.key)}: ${formatReceiptValue(line.key, line.value)}${mark}`);
  }
  if (verdict.signer) console.log(interpolate(words.receiptCheck.signer, verdict.signer, lang));
  if (verdict.valid) {
    console.log(words.receiptCheck.valid);
    return 0;
  }
  console.log(words.receiptCheck.invalid);
  for (const problem of verdict.problems) {
    const lines = problemLines(verdict, problem)
      .map(label)
      .join(lang === 'en' ? ', ' : '、');
    console.log(`- ${interpolate(words.receiptCheck[problem], { lines }, lang)}`);
  }
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(2);
  },
);
