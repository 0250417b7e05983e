// A market's reconciliation file (对账文件) for a business day that has ended,
// in a documented fixed format (README, "Reconciliation files"), generated once
// whatever the number of service instances — the first to store it wins, a
// unique row per market and day — with a manifest carrying the file's SHA-256,
// signed with the bank's document-signing key. The market may send its own
// file in the same format; it is matched by serial and each difference named.
//
// The format: UTF-8, one record a line, fields separated by '|', times in China
// Standard Time, amounts in fen as integers.
//   H|SETTLEKEY-RECON|1|<market>|<business date>|<generated at, CST>
//   M|<serial>|<kind>|<member code>|<amount>|<fee>|<state>        one per movement
//   B|<member code>|<detail account no>|<balance>|<held>|<contract status>   one per member
//   T|<movements>|<deposits>|<withdrawals>|<clearing>|<fees>|<members' balances>|<summary>
import { createHash } from 'node:crypto';
import { cstTimestamp } from '../../src-shared/business-day';
import { AppError } from '../../src-shared/errors';
import { addDays } from '../clock';
import type { ServiceContext } from '../context';
import { isUniqueViolation } from '../store/tx';
import { marketByCode } from './markets';
import { enqueueNotice } from './notices';
import { reconciliation } from './reconciliation';

export const RECON_FORMAT = 'SETTLEKEY-RECON';
export const RECON_VERSION = '1';

/** The file's text for a business day, from the ledger (reconciliation.ts, whose totals tie to it). */
async function fileText(ctx: ServiceContext, marketCode: string, businessDate: string): Promise<string> {
  const r = await reconciliation(ctx, marketCode, businessDate);
  const movements = [
    ...r.deposits.map((d) => ['M', d.serial, d.kind, d.memberCode, d.amount, 0, 'posted']),
    ...r.withdrawals.map((w) => ['M', w.serial, w.kind, w.memberCode, w.amount, 0, 'posted']),
    ...r.clearing.map((c) => ['M', c.serial, c.kind, '', c.amount, c.fee, 'posted']),
  ];
  const lines = [
    ['H', RECON_FORMAT, RECON_VERSION, r.market.code, businessDate, cstTimestamp(ctx.clock.now())],
    ...movements,
    ...r.balances.map((b) => ['B', b.memberCode, b.detailAccountNo, b.balance, b.held, b.status]),
    [
      'T',
      movements.length,
      r.totals.deposits,
      r.totals.withdrawals,
      r.totals.clearing,
      r.totals.fees,
      r.totals.members,
      r.totals.summary,
    ],
  ];
  return `${lines.map((fields) => fields.join('|')).join('\n')}\n`;
}

export interface ReconciliationFile {
  fileName: string;
  content: string;
  manifest: {
    market: string;
    businessDate: string;
    fileName: string;
    sha256: string;
    size: number;
    generatedAt: string;
  };
  /** The document key's signature (RSA PKCS#1 v1.5, SHA-256) over the manifest's JSON bytes as sent. */
  manifestJson: string;
  signature: string;
  certificate: string;
}

/**
 * The file of a business day that has ended, made and stored the first time it
 * is asked for (or by the day's-end sweep) and the same file ever after.
 */
export async function reconciliationFile(
  ctx: ServiceContext,
  marketCode: string,
  businessDate: string,
): Promise<ReconciliationFile> {
  if (!(businessDate < ctx.clock.today())) throw new AppError('RECONCILIATION_DAY_OPEN', { date: businessDate });
  const market = await marketByCode(ctx.db, marketCode);
  const stored = () =>
    ctx.db
      .selectFrom('reconciliation_files')
      .selectAll()
      .where('market_id', '=', market.id)
      .where('business_date', '=', businessDate)
      .executeTakeFirst();
  let row = await stored();
  if (!row) {
    const content = await fileText(ctx, market.code, businessDate);
    const fileName = `${market.code}_${businessDate.replace(/-/g, '')}.recon.txt`;
    const manifestJson = JSON.stringify({
      market: market.code,
      businessDate,
      fileName,
      sha256: createHash('sha256').update(content).digest('hex'),
      size: Buffer.byteLength(content),
      generatedAt: cstTimestamp(ctx.clock.now()),
    });
    const signed = await ctx.bankKeys.signDocument(Buffer.from(manifestJson));
    try {
      await ctx.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('reconciliation_files')
          .values({
            market_id: market.id,
            business_date: businessDate,
            file_name: fileName,
            content,
            manifest: manifestJson,
            signature: signed.signature.toString('base64'),
            certificate: signed.certificate.toString('base64'),
            created_at: ctx.clock.nowIso(),
          })
          .execute();
        await enqueueNotice(trx, ctx.clock.nowIso(), {
          marketId: market.id,
          memberCode: '',
          kind: 'reconciliation.ready',
          payload: { businessDate, fileName },
        });
      });
    } catch (error) {
      // Another instance stored the day's file first: that one is the file.
      if (!isUniqueViolation(error)) throw error;
    }
    row = (await stored())!;
  }
  return {
    fileName: row.file_name,
    content: row.content,
    manifest: JSON.parse(row.manifest) as ReconciliationFile['manifest'],
    manifestJson: row.manifest,
    signature: row.signature,
    certificate: row.certificate,
  };
}

/** One record of a reconciliation file, as the comparison reads it. */
interface Movement {
  serial: string;
  kind: string;
  memberCode: string;
  amount: string;
  fee: string;
  state: string;
}

export type Difference =
  | { serial: string; difference: 'missingAtBank'; market: Movement }
  | { serial: string; difference: 'missingAtMarket'; bank: Movement }
  | { serial: string; difference: 'amountDiffers' | 'stateDiffers'; bank: Movement; market: Movement };

function movementsOf(text: string, side: 'bank' | 'market'): Map<string, Movement> {
  const movements = new Map<string, Movement>();
  const lines = text.split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line === '' && i === lines.length - 1) return;
    const fields = line.split('|');
    const bad = () => new AppError('RECONCILIATION_FILE_INVALID', { line: i + 1 });
    if (i === 0 && (fields[0] !== 'H' || fields[1] !== RECON_FORMAT)) throw bad();
    if (fields[0] !== 'M') {
      if (!['H', 'B', 'T'].includes(fields[0])) throw bad();
      return;
    }
    if (fields.length !== 7 || !/^\d+$/.test(fields[4]) || !/^\d+$/.test(fields[5]) || fields[1] === '') throw bad();
    if (movements.has(fields[1]) && side === 'market') throw bad();
    movements.set(fields[1], {
      serial: fields[1],
      kind: fields[2],
      memberCode: fields[3],
      amount: fields[4],
      fee: fields[5],
      state: fields[6],
    });
  });
  return movements;
}

/** 对账: the market's file matched with the bank's by serial; every difference, in the bank's order then the market's. */
export async function compareReconciliation(
  ctx: ServiceContext,
  marketCode: string,
  businessDate: string,
  marketFile: string,
): Promise<{ businessDate: string; ties: boolean; differences: Difference[] }> {
  const theirs = movementsOf(marketFile, 'market');
  const ours = movementsOf((await reconciliationFile(ctx, marketCode, businessDate)).content, 'bank');
  const differences: Difference[] = [];
  for (const [serial, bank] of ours) {
    const market = theirs.get(serial);
    if (!market) differences.push({ serial, difference: 'missingAtMarket', bank });
    else if (market.amount !== bank.amount || market.fee !== bank.fee)
      differences.push({ serial, difference: 'amountDiffers', bank, market });
    else if (market.state !== bank.state) differences.push({ serial, difference: 'stateDiffers', bank, market });
  }
  for (const [serial, market] of theirs)
    if (!ours.has(serial)) differences.push({ serial, difference: 'missingAtBank', market });
  return { businessDate, ties: differences.length === 0, differences };
}

/** The day's-end run: yesterday's file of every market, made once (and its notice written with it). */
export async function fileEndedDay(ctx: ServiceContext): Promise<void> {
  const yesterday = addDays(ctx.clock.today(), -1);
  for (const market of await ctx.db.selectFrom('markets').select('code').orderBy('id').execute())
    await reconciliationFile(ctx, market.code, yesterday);
}
