// Sums of journal lines that are not balances: an account's credits and debits
// over all time, a market's control total, the figure of a contra account that
// keeps no balance of its own. They grow without bound — money cycles in and
// out for years — so they are exact BigInt here and never refused.
//
// PostgreSQL sums BIGINT as NUMERIC, exactly. SQLite's sum() is 64-bit and
// raises "integer overflow" past 9.2e18, so lines are summed in chunks of
// CHUNK ids: every line is at most 2^53−1 (a CHECK of 007_amount_bounds), so a
// chunk stays below 2^63, and the chunks are added as BigInt. Each sum leaves
// the database as text, since a JavaScript number past 2^53 has lost digits.
import { sql, type Kysely } from 'kysely';
import { sumFromDb } from '../../src-shared/money';
import type { Database } from '../store/schema';

const CHUNK = 1000;

export interface LineSums {
  credit: bigint;
  debit: bigint;
}

/** Credits and debits of each account's lines (of the given accounts, or of all). */
export async function lineSumsByAccount(
  db: Kysely<Database>,
  filter: { accountIds?: number[] } = {},
): Promise<Map<number, LineSums>> {
  const sums = new Map<number, LineSums>();
  if (filter.accountIds && filter.accountIds.length === 0) return sums;
  let query = db
    .selectFrom('journal_lines')
    .select([
      'account_id',
      sql<string>`cast(sum(credit) as text)`.as('c'),
      sql<string>`cast(sum(debit) as text)`.as('d'),
    ]);
  if (filter.accountIds) query = query.where('account_id', 'in', filter.accountIds);
  const rows = await query.groupBy(['account_id', sql`id / ${sql.lit(CHUNK)}`]).execute();
  for (const row of rows) {
    const s = sums.get(row.account_id) ?? { credit: 0n, debit: 0n };
    s.credit += sumFromDb(row.c);
    s.debit += sumFromDb(row.d);
    sums.set(row.account_id, s);
  }
  return sums;
}

/** An account's figure from its lines alone: credits minus debits, exact at any size. */
export async function figureFromLines(db: Kysely<Database>, accountId: number): Promise<bigint> {
  const s = (await lineSumsByAccount(db, { accountIds: [accountId] })).get(accountId);
  return s ? s.credit - s.debit : 0n;
}
