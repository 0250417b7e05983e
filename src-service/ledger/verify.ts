// The ledger's own check, part of `npm run service -- verify-audit`: every entry
// balanced, every account's balance equal to the sum of its lines, every
// account's holds equal to its pending holds, no customer account below zero,
// every stored balance inside ±MAX_BALANCE, the contra accounts keeping no row
// balance, and all accounts' figures together summing to zero. Sums of lines are
// exact BigInt (sums.ts): they are not balances and may be any size.
import { sql, type Kysely } from 'kysely';
import { MAX_BALANCE, sumFromDb } from '../../src-shared/money';
import type { Database } from '../store/schema';
import { lineSumsByAccount } from './sums';

export interface LedgerReport {
  entries: number;
  accounts: number;
  breaks: string[];
}

export async function verifyLedger(db: Kysely<Database>): Promise<LedgerReport> {
  const breaks: string[] = [];
  const unbalanced = await db
    .selectFrom('journal_lines')
    .select(['entry_id', sql<string>`cast(sum(debit) as text)`.as('d'), sql<string>`cast(sum(credit) as text)`.as('c')])
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

  // As text: a value put past 2^53 by hand is reported, not misread.
  const accounts = await db
    .selectFrom('accounts')
    .select([
      'id',
      'number',
      'allow_negative',
      sql<string>`cast(balance as text)`.as('balance'),
      sql<string>`cast(held as text)`.as('held'),
    ])
    .execute();
  const sums = await lineSumsByAccount(db);
  const holds = await db
    .selectFrom('holds')
    .select(['account_id', sql<string>`cast(sum(amount) as text)`.as('h')])
    .where('status', '=', 'pending')
    .groupBy('account_id')
    .execute();
  const limit = BigInt(MAX_BALANCE);
  let trial = 0n;
  for (const account of accounts) {
    const s = sums.get(account.id) ?? { credit: 0n, debit: 0n };
    const fromLines = s.credit - s.debit;
    trial += fromLines;
    const balance = sumFromDb(account.balance);
    const held = sumFromDb(account.held);
    const pending = sumFromDb(holds.find((x) => x.account_id === account.id)?.h);
    if (pending !== held)
      breaks.push(`account ${account.number}: held ${held} but its pending holds sum to ${pending}`);
    if (balance > limit || balance < -limit || held > limit)
      breaks.push(`account ${account.number}: balance ${balance} or held ${held} is past ±${limit}`);
    if (account.allow_negative === 1) {
      // A contra account's figure is its lines (any size); its row keeps nothing.
      if (balance !== 0n || held !== 0n)
        breaks.push(
          `contra account ${account.number} keeps a row balance ${balance} (held ${held}); it must keep none`,
        );
      continue;
    }
    if (fromLines !== balance)
      breaks.push(`account ${account.number}: balance ${balance} but its lines sum to ${fromLines}`);
    if (balance < 0n || held < 0n || balance < held) {
      breaks.push(`account ${account.number} is below zero or below its holds (${balance}, held ${held})`);
    }
  }
  // Every entry balances, so the whole ledger does: a trial balance of zero.
  if (trial !== 0n) breaks.push(`the accounts' figures sum to ${trial}, not zero`);
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
