// Posting many entries at once, as sets: the accounts they touch locked and
// read once (in id order on PostgreSQL), each entry's outcome decided in order
// on those figures by the caller, then one insert of the entries, one of their
// lines and one update per account touched — not a round trip per line. The
// rules are postEntry's (balanced entries, an open account, a debit within the
// free balance, a balance within MAX_BALANCE), checked here on the locked
// figures; the table's CHECK constraints refuse a wrong figure again.
import { PostgresAdapter, sql, type Transaction } from 'kysely';
import type { ErrorCode } from '../../src-shared/errors';
import { balanceFromDb, MAX_BALANCE } from '../../src-shared/money';
import type { Database } from '../store/schema';

/** Rows per multi-row insert: under SQLite's 32,766 bound variables at 7 columns a row. */
const ROWS_PER_INSERT = 2_000;

export interface LockedAccount {
  balance: number;
  held: number;
  open: boolean;
}

/** The accounts' figures, locked until the commit (PostgreSQL; SQLite has one writer). */
export async function lockAccountFigures(
  trx: Transaction<Database>,
  accountIds: readonly number[],
): Promise<Map<number, LockedAccount>> {
  const ids = [...new Set(accountIds)].sort((a, b) => a - b);
  const figures = new Map<number, LockedAccount>();
  for (let i = 0; i < ids.length; i += ROWS_PER_INSERT) {
    let query = trx
      .selectFrom('accounts')
      .select(['id', 'balance', 'held', 'status', 'allow_negative'])
      .where('id', 'in', ids.slice(i, i + ROWS_PER_INSERT))
      .orderBy('id');
    if (trx.getExecutor().adapter instanceof PostgresAdapter) query = query.forUpdate();
    for (const row of await query.execute()) {
      // A contra account keeps no balance on its row: it is not for a batch.
      if (row.allow_negative === 1) throw new Error(`account ${row.id} keeps no balance; a batch cannot post to it`);
      figures.set(row.id, {
        balance: balanceFromDb(row.balance),
        held: balanceFromDb(row.held),
        open: row.status === 'open',
      });
    }
  }
  for (const id of ids) if (!figures.has(id)) throw new Error(`account ${id} does not exist`);
  return figures;
}

export interface BatchLine {
  accountId: number;
  debit: number;
  credit: number;
}

/**
 * Moves the lines of one entry on the working figures, all or none: the
 * refusal's code if a line cannot be moved, else null and the figures moved.
 * The balance after each line is written onto it.
 */
export function moveOnFigures(
  figures: Map<number, LockedAccount>,
  lines: readonly BatchLine[],
): { refusal: ErrorCode; at: number } | { refusal: null; after: number[] } {
  const touched = new Map<number, LockedAccount>();
  const after: number[] = [];
  for (const [at, line] of lines.entries()) {
    const account = touched.get(line.accountId) ?? { ...figures.get(line.accountId)! };
    if (!account.open) return { refusal: 'INSUFFICIENT_FUNDS', at };
    if (line.debit > 0) {
      if (account.balance - account.held < line.debit) return { refusal: 'INSUFFICIENT_FUNDS', at };
      account.balance -= line.debit;
    }
    if (line.credit > 0) {
      if (account.balance > MAX_BALANCE - line.credit) return { refusal: 'BALANCE_OUT_OF_RANGE', at };
      account.balance += line.credit;
    }
    touched.set(line.accountId, account);
    after.push(account.balance);
  }
  for (const [id, account] of touched) figures.set(id, account);
  return { refusal: null, after };
}

/** What a journal entry's row holds (its lines apart). */
export type EntryHead = {
  serial: string;
  kind: string;
  businessDate: string;
  createdAt: string;
  memo: string;
  reference: string | null;
};

export interface BatchEntry extends EntryHead {
  lines: readonly (BatchLine & { balanceAfter: number })[];
}

/** Writes the entries and their lines, and each touched account's final balance. */
export async function writeBatch(
  trx: Transaction<Database>,
  entries: readonly BatchEntry[],
  finalBalances: ReadonlyMap<number, number>,
): Promise<void> {
  if (entries.length === 0) return;
  for (const entry of entries) {
    const debits = entry.lines.reduce((sum, l) => sum + BigInt(l.debit), 0n);
    const credits = entry.lines.reduce((sum, l) => sum + BigInt(l.credit), 0n);
    if (debits !== credits || entry.lines.length < 2) throw new Error(`entry ${entry.serial} is not balanced`);
  }
  const ids = new Map<string, number>();
  for (let i = 0; i < entries.length; i += ROWS_PER_INSERT) {
    const rows = await trx
      .insertInto('journal_entries')
      .values(
        entries.slice(i, i + ROWS_PER_INSERT).map((e) => ({
          serial: e.serial,
          kind: e.kind,
          business_date: e.businessDate,
          created_at: e.createdAt,
          memo: e.memo,
          reference: e.reference,
        })),
      )
      .returning(['id', 'serial'])
      .execute();
    // Matched by serial: neither database promises RETURNING's order.
    for (const row of rows) ids.set(row.serial, row.id);
  }
  const lines = entries.flatMap((e) =>
    e.lines.map((l) => ({
      entry_id: ids.get(e.serial)!,
      account_id: l.accountId,
      debit: l.debit,
      credit: l.credit,
      balance_after: l.balanceAfter,
      business_date: e.businessDate,
      kind: e.kind,
    })),
  );
  for (let i = 0; i < lines.length; i += ROWS_PER_INSERT)
    await trx
      .insertInto('journal_lines')
      .values(lines.slice(i, i + ROWS_PER_INSERT))
      .execute();
  const accounts = [...finalBalances.keys()];
  if (trx.getExecutor().adapter instanceof PostgresAdapter) {
    await sql`update accounts set balance = moved.balance
      from unnest(${accounts}::bigint[], ${accounts.map((id) => finalBalances.get(id)!)}::bigint[]) as moved(id, balance)
      where accounts.id = moved.id`.execute(trx);
  } else {
    // SQLite runs in this process: one prepared statement per account is no round trip.
    for (const id of accounts)
      await trx
        .updateTable('accounts')
        .set({ balance: finalBalances.get(id)! })
        .where('id', '=', id)
        .execute();
  }
}
