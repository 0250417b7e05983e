// Posting a balanced journal entry. Balances change only here, inside the
// caller's transaction: each line is one conditional update that refuses to
// take an account below zero (or below what it holds for others) or past
// MAX_BALANCE, and the table's CHECK constraints refuse it again should this
// code ever be wrong. A refused line throws, and the caller's transaction (or
// savepoint) undoes the lines before it: nothing is half-written. A debit that
// settles a pending hold consumes the hold instead of the free balance.
//
// The contra accounts (allow_negative = 1: other banks, the bank's own funding)
// keep no balance on their row. Every member's incoming transfer passes through
// the one other-banks account; a row balance there would overflow after some
// ninety maximum transfers and then refuse everyone's, and would be one hot row
// that every transfer waits on. Their lines are written with no balance after,
// and their figure is the exact sum of their lines (sums.ts).
import {
  PostgresAdapter,
  sql,
  type Expression,
  type ExpressionBuilder,
  type Insertable,
  type Kysely,
  type SqlBool,
  type Transaction,
} from 'kysely';
import { AppError } from '../../src-shared/errors';
import { balanceFromDb, MAX_BALANCE, type Balance } from '../../src-shared/money';
import { prepared, preparedRows, type Slots } from '../store/prepared';
import type { EntryHead } from './batch';
import type { Database, JournalLinesTable } from '../store/schema';

export interface EntryLine {
  accountId: number;
  /** A single amount, or a balance moved whole (a transfer-out), or an amount and its fee together. */
  debit?: Balance;
  credit?: Balance;
  /** This debit settles that pending hold (same account, same amount). */
  holdId?: number;
}

export interface EntryInput {
  serial: string;
  kind: string;
  businessDate: string;
  createdAt: string;
  memo?: string;
  reference?: string;
  lines: EntryLine[];
}

export class UnbalancedEntryError extends Error {}

const insertEntry = prepared((db, slot: Slots<EntryHead>) =>
  db
    .insertInto('journal_entries')
    .values({
      serial: slot.serial,
      kind: slot.kind,
      business_date: slot.businessDate,
      created_at: slot.createdAt,
      memo: slot.memo,
      reference: slot.reference,
    })
    .returning('id'),
);

type LineRow = Required<Omit<Insertable<JournalLinesTable>, 'id'>>;

const insertLines = preparedRows((db, rows: Slots<LineRow>[]) =>
  db.insertInto('journal_lines').values(
    rows.map((r) => ({
      entry_id: r.entry_id,
      account_id: r.account_id,
      debit: r.debit,
      credit: r.credit,
      balance_after: r.balance_after,
      business_date: r.business_date,
      kind: r.kind,
    })),
  ),
);

export async function postEntry(trx: Transaction<Database>, input: EntryInput): Promise<number> {
  // BigInt: three lines near 2^53 would already add up past what a number carries exactly.
  let debits = 0n;
  let credits = 0n;
  for (const line of input.lines) {
    const d = line.debit ?? 0;
    const c = line.credit ?? 0;
    if (!Number.isSafeInteger(d) || !Number.isSafeInteger(c) || d < 0 || c < 0 || d > 0 === c > 0) {
      throw new UnbalancedEntryError(`line for account ${line.accountId} must have one positive side`);
    }
    if (line.holdId !== undefined && !(d > 0)) throw new UnbalancedEntryError('only a debit can settle a hold');
    debits += BigInt(d);
    credits += BigInt(c);
  }
  if (debits !== credits || input.lines.length < 2) {
    throw new UnbalancedEntryError(`entry ${input.serial} is not balanced: ${debits} ≠ ${credits}`);
  }
  const entry = await insertEntry.first(trx, {
    serial: input.serial,
    kind: input.kind,
    businessDate: input.businessDate,
    createdAt: input.createdAt,
    memo: input.memo ?? '',
    reference: input.reference ?? null,
  });
  if (!entry) throw new Error(`entry ${input.serial} was not inserted`);
  const posting = { entryId: entry.id, input };
  const later = heldBack.get(trx);
  if (later) later.push(posting);
  else await applyLines(trx, [posting]);
  return entry.id;
}

interface Posting {
  entryId: number;
  input: EntryInput;
}

/** The transactions whose postings hold their lines back (withLinesLast), and what they hold. */
const heldBack = new WeakMap<Transaction<Database>, Posting[]>();

/**
 * Runs `work` with the lines of the entries it posts held back: each entry is
 * inserted at once (its id is known), then `beforeLines` runs, and only then
 * are the entries' accounts locked, moved and lined. On PostgreSQL every
 * posting of one contract waits on the same two account rows; a transaction
 * that takes them last, just before its commit, holds them for a few
 * statements instead of for all its work. A line refused then throws from
 * here, in the caller's transaction or savepoint, as it would have from postEntry.
 */
export async function withLinesLast<T>(
  trx: Transaction<Database>,
  work: () => Promise<T>,
  beforeLines: () => Promise<void>,
): Promise<T> {
  // Inside another withLinesLast: the outer one applies them.
  if (heldBack.has(trx)) return work();
  const postings: Posting[] = [];
  heldBack.set(trx, postings);
  let result: T;
  try {
    result = await work();
  } finally {
    heldBack.delete(trx);
  }
  await beforeLines();
  await applyLines(trx, postings);
  return result;
}

/** Every account of the postings locked at once, in id order, then each line moved and all lines written in one insert. */
async function applyLines(trx: Transaction<Database>, postings: readonly Posting[]): Promise<void> {
  if (postings.length === 0) return;
  // Accounts are touched in id order so two entries never wait on each other in a cycle.
  const sorted = postings.map((p) => ({ ...p, lines: [...p.input.lines].sort((a, b) => a.accountId - b.accountId) }));
  const holdless = sorted.every((p) => p.lines.every((l) => l.holdId === undefined));
  if (holdless && trx.getExecutor().adapter instanceof PostgresAdapter) return applyLinesInOneCall(trx, sorted);
  await lockAccounts(
    trx,
    sorted.flatMap((p) => p.lines),
  );
  const rows = [];
  for (const { entryId, input, lines } of sorted) {
    for (const line of lines) {
      const balanceAfter =
        line.holdId !== undefined
          ? await settleHold(trx, line.accountId, line.debit as Balance, line.holdId, input.createdAt)
          : await moveBalance(trx, line.accountId, ((line.credit ?? 0) - (line.debit ?? 0)) as Balance);
      rows.push({
        entry_id: entryId,
        account_id: line.accountId,
        debit: line.debit ?? 0,
        credit: line.credit ?? 0,
        balance_after: balanceAfter,
        business_date: input.businessDate,
        kind: input.kind,
      });
    }
  }
  await insertLines.changed(trx, rows);
}

/**
 * PostgreSQL: the same lock, updates and lines in one round trip, by the
 * function of migration 011 (a line that settles a hold takes the statements
 * above). A refusal comes back as its code, the call's writes already undone.
 */
async function applyLinesInOneCall(
  trx: Transaction<Database>,
  postings: readonly (Posting & { lines: EntryLine[] })[],
): Promise<void> {
  const lines = postings.flatMap(({ entryId, input, lines }) =>
    lines.map((l) => ({ entryId, input, accountId: l.accountId, debit: l.debit ?? 0, credit: l.credit ?? 0 })),
  );
  const { rows } = await sql<{ refusal: string | null }>`select sk_apply_lines(
    ${lines.map((l) => l.entryId)}::bigint[], ${lines.map((l) => l.accountId)}::bigint[],
    ${lines.map((l) => l.debit)}::bigint[], ${lines.map((l) => l.credit)}::bigint[],
    ${lines.map((l) => l.input.businessDate)}::text[], ${lines.map((l) => l.input.kind)}::text[],
    ${MAX_BALANCE}::bigint) as refusal`.execute(trx);
  const refusal = rows[0]?.refusal ?? null;
  if (refusal === null) return;
  if (refusal === 'INSUFFICIENT_FUNDS' || refusal === 'BALANCE_OUT_OF_RANGE') throw new AppError(refusal);
  throw new Error(`sk_apply_lines: unexpected refusal ${refusal}`);
}

/**
 * PostgreSQL: the entry's accounts locked at once, in id order, by one
 * SELECT … FOR UPDATE (pgledger's pattern): whatever else the transaction
 * holds, two postings meet on their accounts in one order, so they queue
 * instead of deadlocking and being retried. Contra accounts are left out:
 * their row is never written, and locking it would make it the hot row every
 * incoming transfer waits on. SQLite has one writer and no row locks.
 */
async function lockAccounts(trx: Transaction<Database>, lines: readonly EntryLine[]): Promise<void> {
  if (!(trx.getExecutor().adapter instanceof PostgresAdapter)) return;
  await trx
    .selectFrom('accounts')
    .select('id')
    .where('id', 'in', [...new Set(lines.map((l) => l.accountId))])
    .where('allow_negative', '=', 0)
    .orderBy('id')
    .forUpdate()
    .execute();
}

/** A debit that settles a pending hold; a balance only goes down here, so no upper bound is involved. */
async function settleHold(
  trx: Transaction<Database>,
  accountId: number,
  debit: Balance,
  holdId: number,
  at: string,
): Promise<Balance> {
  const hold = await trx
    .updateTable('holds')
    .set({ status: 'posted', resolved_at: at })
    .where('id', '=', holdId)
    .where('status', '=', 'pending')
    .where('account_id', '=', accountId)
    .where('amount', '=', debit)
    .executeTakeFirst();
  if (Number(hold.numUpdatedRows) !== 1) throw new AppError('HOLD_NOT_PENDING');
  const settled = await trx
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '-', debit), held: eb('held', '-', debit) }))
    .where('id', '=', accountId)
    .where('held', '>=', debit)
    .returning('balance')
    .executeTakeFirst();
  if (!settled) throw new AppError('HOLD_NOT_PENDING');
  return balanceFromDb(settled.balance);
}

/** The conditional update of an open account that keeps a balance, by a signed amount. */
function balanceMove<P extends { accountId: number; amount: number }>(
  db: Kysely<Database>,
  slot: Slots<P>,
  bound: (eb: ExpressionBuilder<Database, 'accounts'>) => Expression<SqlBool>,
) {
  return db
    .updateTable('accounts')
    .set((eb) => ({ balance: eb('balance', '+', slot.amount) }))
    .where('id', '=', slot.accountId)
    .where('status', '=', 'open')
    .where('allow_negative', '=', 0)
    .where(bound)
    .returning('balance');
}

// Kysely does not parenthesise nested arithmetic: balance − held ≥ debit stays one flat subtraction.
const debitBalance = prepared((db, slot: Slots<{ accountId: number; amount: number; debit: number }>) =>
  balanceMove(db, slot, (eb) => eb(eb('balance', '-', eb.ref('held')), '>=', slot.debit)),
);
const creditBalance = prepared((db, slot: Slots<{ accountId: number; amount: number; ceiling: number }>) =>
  balanceMove(db, slot, (eb) => eb('balance', '<=', slot.ceiling)),
);

/**
 * Adds a signed amount to an account's balance in one conditional update, and
 * returns the balance after it — or null for a contra account, which keeps none.
 */
async function moveBalance(trx: Transaction<Database>, accountId: number, amount: Balance): Promise<Balance | null> {
  // The bounds are compared with values computed here, never with an SQL sum
  // that could itself overflow.
  const moved =
    amount < 0
      ? await debitBalance.first(trx, { accountId, amount, debit: -amount })
      : await creditBalance.first(trx, { accountId, amount, ceiling: MAX_BALANCE - amount });
  if (moved) return balanceFromDb(moved.balance);
  // Refused, or an account that keeps no balance. Which one is read afterwards:
  // the contra flag never changes, and a status closed in between only changes
  // which refusal is named. The contra row is neither locked nor written.
  const account = await trx
    .selectFrom('accounts')
    .select(['allow_negative', 'status'])
    .where('id', '=', accountId)
    .executeTakeFirst();
  if (!account) throw new Error(`account ${accountId} does not exist`);
  if (account.status !== 'open') throw new AppError('INSUFFICIENT_FUNDS');
  if (account.allow_negative === 1) return null;
  throw new AppError(amount > 0 ? 'BALANCE_OUT_OF_RANGE' : 'INSUFFICIENT_FUNDS');
}
