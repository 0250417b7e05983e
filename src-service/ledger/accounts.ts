// Accounts of the custody model and what each holds. Per market: the summary
// custody account (a control total: the sum of its sub-accounts, never posted
// to itself), a detail sub-account per member, a suspense and a fee
// sub-account. Customers' own accounts: an enterprise's settlement account at
// this bank, or — for platform members — the contra account of other banks.
import type { Kysely, Transaction } from 'kysely';
import { balanceFromDb, type Balance } from '../../src-shared/money';
import type { AccountKind, Database } from '../store/schema';
import { nextCounter } from './serials';

export interface Balances {
  balance: Balance;
  held: Balance;
  available: Balance;
  /** held by market freezes and B2B trades awaiting review */
  frozen: Balance;
  /** held by withdrawals awaiting review */
  pendingWithdrawals: Balance;
}

export async function accountNumber(db: Kysely<Database>, id: number): Promise<string> {
  return (await db.selectFrom('accounts').select('number').where('id', '=', id).executeTakeFirstOrThrow()).number;
}

export async function balancesOf(db: Kysely<Database>, accountId: number): Promise<Balances> {
  const account = await db
    .selectFrom('accounts')
    .select(['balance', 'held'])
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  const holds = await db
    .selectFrom('holds')
    .select(['kind', (eb) => eb.fn.sum<string | number>('amount').as('total')])
    .where('account_id', '=', accountId)
    .where('status', '=', 'pending')
    .groupBy('kind')
    .execute();
  const byKind = (kind: string) => balanceFromDb(holds.find((h) => h.kind === kind)?.total ?? 0);
  const balance = balanceFromDb(account.balance);
  const held = balanceFromDb(account.held);
  return {
    balance,
    held,
    available: (balance - held) as Balance,
    // both are parts of held, which is at most the balance: the sum stays exact
    frozen: (byKind('freeze') + byKind('trade')) as Balance,
    pendingWithdrawals: byKind('withdraw'),
  };
}

export async function openAccount(
  trx: Transaction<Database>,
  input: {
    kind: AccountKind;
    name: string;
    at: string;
    marketId?: number | null;
    enterpriseId?: number | null;
    memberId?: number | null;
    prefix: string;
  },
): Promise<{ id: number; number: string }> {
  const number = `${input.prefix}${String(await nextCounter(trx, 'account-number')).padStart(8, '0')}`;
  const row = await trx
    .insertInto('accounts')
    .values({
      number,
      name: input.name,
      kind: input.kind,
      market_id: input.marketId ?? null,
      enterprise_id: input.enterpriseId ?? null,
      member_id: input.memberId ?? null,
      balance: 0,
      held: 0,
      allow_negative: 0,
      opened_at: input.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { id: row.id, number };
}

export async function accountByKind(db: Kysely<Database>, kind: AccountKind, marketId?: number): Promise<number> {
  let q = db.selectFrom('accounts').select('id').where('kind', '=', kind);
  if (marketId !== undefined) q = q.where('market_id', '=', marketId);
  return (await q.orderBy('id').executeTakeFirstOrThrow()).id;
}
