// The ledger's own check, part of `npm run service -- verify-audit`: every entry
// balanced, every account's balance equal to the sum of its lines, every
// account's holds equal to its pending holds, no customer account below zero.
import { sql, type Kysely } from 'kysely';
import { fenFromDb } from '../../src-shared/money';
import type { Database } from '../store/schema';

export interface LedgerReport {
  entries: number;
  accounts: number;
  breaks: string[];
}

export async function verifyLedger(db: Kysely<Database>): Promise<LedgerReport> {
  const breaks: string[] = [];
  const unbalanced = await db
    .selectFrom('journal_lines')
    .select([
      'entry_id',
      (eb) => eb.fn.sum<string | number>('debit').as('d'),
      (eb) => eb.fn.sum<string | number>('credit').as('c'),
    ])
    .groupBy('entry_id')
    .having(sql`sum(debit)`, '!=', sql`sum(credit)`)
    .execute();
  for (const u of unbalanced) breaks.push(`journal entry ${u.entry_id} is not balanced: debits ${u.d}, credits ${u.c}`);
  const lonely = await db
    .selectFrom('journal_entries')
    .leftJoin('journal_lines', 'journal_lines.entry_id', 'journal_entries.id')
    .select('journal_entries.id')
    .where('journal_lines.id', 'is', null)
    .execute();
  for (const e of lonely) breaks.push(`journal entry ${e.id} has no lines`);

  const accounts = await db.selectFrom('accounts').selectAll().execute();
  const sums = await db
    .selectFrom('journal_lines')
    .select([
      'account_id',
      (eb) => eb.fn.sum<string | number>('credit').as('c'),
      (eb) => eb.fn.sum<string | number>('debit').as('d'),
    ])
    .groupBy('account_id')
    .execute();
  const holds = await db
    .selectFrom('holds')
    .select(['account_id', (eb) => eb.fn.sum<string | number>('amount').as('h')])
    .where('status', '=', 'pending')
    .groupBy('account_id')
    .execute();
  for (const account of accounts) {
    const s = sums.find((x) => x.account_id === account.id);
    const fromLines = fenFromDb(s?.c ?? 0) - fenFromDb(s?.d ?? 0);
    const balance = fenFromDb(account.balance);
    const held = fenFromDb(account.held);
    if (fromLines !== balance)
      breaks.push(`account ${account.number}: balance ${balance} but its lines sum to ${fromLines}`);
    const pending = fenFromDb(holds.find((x) => x.account_id === account.id)?.h ?? 0);
    if (pending !== held)
      breaks.push(`account ${account.number}: held ${held} but its pending holds sum to ${pending}`);
    if (account.allow_negative !== 1 && (balance < 0 || held < 0 || balance < held)) {
      breaks.push(`account ${account.number} is below zero or below its holds (${balance}, held ${held})`);
    }
  }
  const entries = Number(
    (
      await db
        .selectFrom('journal_entries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
  return { entries, accounts: accounts.length, breaks };
}
