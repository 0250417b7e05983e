// Issuing a receipt: signed once, the first time it is issued or viewed (never
// on the posting's path), then the same receipt for every later view. Parallel
// first views may each sign; the unique subject keeps one, and all return it.
//
// The public lookup by verification code needs no login, so it is rate-limited
// per address and answers with account numbers masked.
import { createHash, randomBytes } from 'node:crypto';
import { AppError } from '../../src-shared/errors';
import {
  formatCode,
  lineDigest,
  lineSalt,
  maskedCopy,
  normalizeCode,
  qrText,
  RECEIPT_VERSION,
  ReceiptDocument,
  statementText,
  type IssuedReceipt,
  type ReceiptStatement,
  type ReceiptSubject,
} from '../../src-shared/receipts';
import { takeSlot } from '../auth/limits';
import type { ServiceContext } from '../context';
import type { SessionContext } from '../http/context';
import { receiptContent, type ReceiptContent } from './content';

/** Lookups a minute from one address: enough for a clerk checking a stack of receipts, too few to guess a code. */
export const LOOKUPS_PER_MINUTE = 10;

const codeHash = (code: string) => createHash('sha256').update(code).digest('hex');

async function sign(
  ctx: ServiceContext,
  content: ReceiptContent,
): Promise<{ document: ReceiptDocument; code: string }> {
  const seed = randomBytes(16).toString('base64url');
  const code = formatCode(randomBytes(13));
  const fields: ReceiptStatement['fields'] = [];
  for (const line of content.lines)
    fields.push([line.key, await lineDigest(await lineSalt(seed, line.key), line.key, line.value)]);
  let statement = '';
  const signed = await ctx.bankKeys.signNaming((signer) => {
    statement = statementText({
      v: RECEIPT_VERSION,
      kind: content.kind,
      code,
      issuedAt: ctx.clock.nowIso(),
      signer,
      fields,
    });
    return Buffer.from(statement, 'utf8');
  });
  return {
    code,
    document: {
      v: RECEIPT_VERSION,
      statement,
      lines: content.lines,
      seed,
      signature: signed.signature.toString('base64'),
      certificate: signed.certificate.toString('base64'),
    },
  };
}

export async function issueReceipt(
  ctx: ServiceContext,
  session: SessionContext,
  subject: ReceiptSubject,
): Promise<IssuedReceipt> {
  const content = await receiptContent(ctx, session, subject);
  const stored = () =>
    ctx.db.selectFrom('receipts').select('document').where('subject', '=', content.subject).executeTakeFirst();
  let row = await stored();
  if (!row) {
    const { document, code } = await sign(ctx, content);
    await ctx.db
      .insertInto('receipts')
      .values({
        subject: content.subject,
        code_hash: codeHash(code),
        document: JSON.stringify(document),
        issued_at: ctx.clock.nowIso(),
      })
      .onConflict((oc) => oc.column('subject').doNothing())
      .execute();
    row = await stored();
    if (!row) throw new AppError('INTERNAL');
  }
  const document = ReceiptDocument.parse(JSON.parse(row.document));
  return { document, qr: qrText(document) };
}

export async function lookUpReceipt(ctx: ServiceContext, typed: string, address: string): Promise<ReceiptDocument> {
  const code = normalizeCode(typed);
  if (!code)
    throw new AppError('RECEIPT_CODE_INVALID', undefined, [
      { field: 'code', rule: 'RECEIPT_CODE_INVALID', message: '' },
    ]);
  const now = ctx.clock.now();
  const minute = now.toISOString().slice(0, 16);
  const slot = await takeSlot(
    ctx.db,
    { scope: 'receiptLookup', subject: address, period: minute },
    LOOKUPS_PER_MINUTE,
    now.toISOString(),
  );
  if (slot === null)
    throw new AppError('RECEIPT_LOOKUP_LIMITED', { limit: LOOKUPS_PER_MINUTE, seconds: 60 - now.getUTCSeconds() });
  const row = await ctx.db
    .selectFrom('receipts')
    .select('document')
    .where('code_hash', '=', codeHash(code))
    .executeTakeFirst();
  if (!row) throw new AppError('RECEIPT_NOT_FOUND');
  return maskedCopy(ReceiptDocument.parse(JSON.parse(row.document)));
}

/** The bank CA's certificate and the current document certificate, for verifying a QR code's receipt. */
export async function receiptCertificates(ctx: ServiceContext): Promise<{ ca: string; documents: string[] }> {
  const rows = await ctx.db.selectFrom('bank_keys').select(['purpose', 'certificate_pem']).execute();
  const ca = rows.find((r) => r.purpose === 'ca');
  if (!ca) throw new AppError('BANK_KEY_MISSING', { key: 'CA', where: 'database' });
  return {
    ca: ca.certificate_pem,
    documents: rows.filter((r) => r.purpose === 'document').map((r) => r.certificate_pem),
  };
}
