// Batch clearing: one request of a market carries up to 8,190 clearing lines
// (transfers between members' detail sub-accounts, the fee to the market's fee
// sub-account), each with its own request key and its own result, applied in
// order. Lines may be linked (TigerBeetle's linked flag): a chain of linked
// lines ends at the first unlinked line and posts all or nothing; a chain still
// open at the end of the batch fails whole. The batch is one transaction and is
// written as sets (ledger/batch.ts); each posted line's key is recorded like a
// single clearing's, so a line's outcome can be asked for by its key, and a
// refused line's key stays free for a corrected retry.
import type { Transaction } from 'kysely';
import type { ErrorCode } from '../../src-shared/errors';
import type { Fen } from '../../src-shared/money';
import { appendAudit } from '../audit/log';
import type { ServiceContext } from '../context';
import { accountByKind } from '../ledger/accounts';
import { requireSingleAmounts } from '../ledger/amounts';
import {
  lockAccountFigures,
  moveOnFigures,
  writeBatch,
  type BatchEntry,
  type BatchLine,
  type LockedAccount,
} from '../ledger/batch';
import type { Database } from '../store/schema';
import { eventHash, marketEvent } from './events';
import type { MarketRow } from './markets';

/** Rows per IN list: well under SQLite's 32,766 bound variables. */
const PER_QUERY = 4_000;

export interface ClearingLine {
  key: string;
  payerCode: string;
  payeeCode: string;
  amount: Fen;
  fee: Fen;
  /** Linked to the next line: the two (and the rest of the chain) post together or not at all. */
  linked: boolean;
}

export type LineOutcome =
  { key: string; outcome: 'posted'; serial: string } | { key: string; outcome: 'refused'; code: ErrorCode };

export interface BatchResult {
  key: string;
  posted: number;
  refused: number;
  lines: LineOutcome[];
}

async function chunked<T, R>(items: readonly T[], run: (part: T[]) => Promise<R[]>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PER_QUERY) out.push(...(await run(items.slice(i, i + PER_QUERY))));
  return out;
}

export async function clearingBatch(
  ctx: ServiceContext,
  input: { marketCode: string; key: string; lines: readonly ClearingLine[] },
): Promise<BatchResult> {
  for (const line of input.lines) requireSingleAmounts({ amount: line.amount }, { fee: line.fee });
  return marketEvent(
    ctx,
    { kind: 'clearingBatch', marketCode: input.marketCode, key: input.key, body: { lines: input.lines } },
    (trx, market, tctx) => applyBatch(trx, market, tctx, input),
  );
}

async function applyBatch(
  trx: Transaction<Database>,
  market: MarketRow,
  ctx: ServiceContext,
  input: { marketCode: string; key: string; lines: readonly ClearingLine[] },
): Promise<BatchResult> {
  const { lines } = input;
  const codes = [...new Set(lines.flatMap((l) => [l.payerCode, l.payeeCode]))];
  const detail = new Map(
    (
      await chunked(codes, (part) =>
        trx
          .selectFrom('contracts')
          .select(['member_code', 'detail_account_id'])
          .where('market_id', '=', market.id)
          .where('member_code', 'in', part)
          .where('status', '=', 'active')
          .execute(),
      )
    ).map((c) => [c.member_code, c.detail_account_id]),
  );
  // Keys this market used before (a batch's own key included): a line may not take one.
  const used = new Set(
    (
      await chunked([...new Set(lines.map((l) => l.key))], (part) =>
        trx
          .selectFrom('market_events')
          .select('idempotency_key')
          .where('market_id', '=', market.id)
          .where('idempotency_key', 'in', part)
          .execute(),
      )
    ).map((r) => r.idempotency_key),
  );
  used.add(input.key);
  const feeAccount = await accountByKind(trx, 'fee', market.id);
  const figures = await lockAccountFigures(trx, [...detail.values(), feeAccount]);

  const entriesOf = (line: ClearingLine): BatchLine[] | ErrorCode => {
    if (used.has(line.key)) return 'CLEARING_KEY_USED';
    const payer = detail.get(line.payerCode);
    const payee = detail.get(line.payeeCode);
    if (payer === undefined || payee === undefined) return 'CONTRACT_NOT_FOUND';
    if (payer === payee) return 'CLEARING_SAME_MEMBER';
    return [
      // the payer's one debit is the amount and its fee together, as a single clearing's
      { accountId: payer, debit: line.amount + line.fee, credit: 0 },
      { accountId: payee, debit: 0, credit: line.amount },
      ...(line.fee > 0 ? [{ accountId: feeAccount, debit: 0, credit: line.fee }] : []),
    ];
  };

  const outcomes: (LineOutcome | null)[] = lines.map(() => null);
  const moved: { index: number; lines: (BatchLine & { balanceAfter: number })[] }[] = [];
  let chain: number[] = [];
  for (let i = 0; i < lines.length; i++) {
    chain.push(i);
    const open = lines[i].linked;
    if (open && i < lines.length - 1) continue;
    // What the chain changed, to put back should a later line of it be refused.
    const undo: [number, LockedAccount][] = [];
    const added: string[] = [];
    const posted: typeof moved = [];
    let failed: { index: number; code: ErrorCode } | null = open ? { index: i, code: 'LINKED_CHAIN_OPEN' } : null;
    for (const index of chain) {
      if (failed) break;
      const planned = entriesOf(lines[index]);
      if (typeof planned === 'string') {
        failed = { index, code: planned };
        break;
      }
      const was = planned.map((l): [number, LockedAccount] => [l.accountId, figures.get(l.accountId)!]);
      const move = moveOnFigures(figures, planned);
      if (move.refusal !== null) {
        failed = { index, code: move.refusal };
        break;
      }
      undo.push(...was);
      used.add(lines[index].key);
      added.push(lines[index].key);
      posted.push({ index, lines: planned.map((l, n) => ({ ...l, balanceAfter: move.after[n] })) });
    }
    if (failed) {
      // The chain posts nothing: its figures and keys are as they were before it.
      for (const [id, figure] of undo.reverse()) figures.set(id, figure);
      for (const key of added) used.delete(key);
      // A line's own key, used twice within the chain, is still the line's own refusal.
      for (const index of chain)
        outcomes[index] = {
          key: lines[index].key,
          outcome: 'refused',
          code: index === failed.index || failed.code === 'LINKED_CHAIN_OPEN' ? failed.code : 'LINKED_LINE_FAILED',
        };
    } else {
      moved.push(...posted);
    }
    chain = [];
  }

  const today = ctx.clock.today();
  const now = ctx.clock.nowIso();
  const serials = await ctx.serials.nextMany(trx, today, moved.length);
  const entries: BatchEntry[] = moved.map(({ index, lines: entryLines }, n) => {
    const line = lines[index];
    outcomes[index] = { key: line.key, outcome: 'posted', serial: serials[n] };
    return {
      serial: serials[n],
      kind: 'clearing',
      businessDate: today,
      createdAt: now,
      memo: `${line.payerCode} → ${line.payeeCode}`,
      reference: `event:${line.key}`,
      lines: entryLines,
    };
  });
  const finalBalances = new Map<number, number>();
  for (const entry of entries)
    for (const l of entry.lines) finalBalances.set(l.accountId, figures.get(l.accountId)!.balance);
  await writeBatch(trx, entries, finalBalances);
  // Each posted line's key is recorded as a single clearing's would be: asking by it, or
  // sending it again as a single clearing with the same content, gives the line's result.
  const records = moved.map(({ index }, n) => {
    const line = lines[index];
    const body = { marketCode: input.marketCode, ...line };
    return {
      market_id: market.id,
      kind: 'clearing',
      idempotency_key: line.key,
      body_hash: eventHash(input.marketCode, withoutLinked(body)),
      result: JSON.stringify({ serial: serials[n] }),
      created_at: now,
    };
  });
  for (let i = 0; i < records.length; i += PER_QUERY / 2)
    await trx
      .insertInto('market_events')
      .values(records.slice(i, i + PER_QUERY / 2))
      .execute();
  const result: BatchResult = {
    key: input.key,
    posted: moved.length,
    refused: lines.length - moved.length,
    lines: outcomes as LineOutcome[],
  };
  await appendAudit(trx, {
    at: now,
    actor: `market:${market.code}`,
    action: 'market.clearingBatchApplied',
    entity: 'market',
    entityId: market.id,
    details: { key: input.key, lines: lines.length, posted: result.posted, refused: result.refused },
  });
  return result;
}

/** A single clearing's body has no linked flag: a line's record hashes as one. */
function withoutLinked<T extends { linked: boolean }>(body: T): Omit<T, 'linked'> {
  const { linked: _linked, ...rest } = body;
  return rest;
}
