// The postings of money moving between a member's detail sub-account and the
// outside: the enterprise's settlement account, or (platform members) the
// contra account of other banks. Every one is a balanced journal entry with
// its serial, and marks the contract's "money moved today".
import type { Transaction } from 'kysely';
import type { Balance } from '../../src-shared/money';
import type { ServiceContext } from '../context';
import { accountByKind } from '../ledger/accounts';
import { postEntry } from '../ledger/post';
import type { Database } from '../store/schema';
import type { ContractRow } from './contracts';

/** The account on the other side of a member's deposits and withdrawals. */
export async function outsideAccountOf(trx: Transaction<Database>, contract: ContractRow): Promise<number> {
  return contract.bound_account_id ?? (await accountByKind(trx, 'other_banks'));
}

async function markMoneyMoved(trx: Transaction<Database>, contractId: number, today: string) {
  await trx.updateTable('contracts').set({ last_money_date: today }).where('id', '=', contractId).execute();
}

export async function postDeposit(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: {
    contract: ContractRow;
    amount: Balance;
    serial: string;
    kind: string;
    reference: string;
    memo?: string;
    from?: number;
  },
): Promise<number> {
  const today = ctx.clock.today();
  const from = input.from ?? (await outsideAccountOf(trx, input.contract));
  const entryId = await postEntry(trx, {
    serial: input.serial,
    kind: input.kind,
    businessDate: today,
    createdAt: ctx.clock.nowIso(),
    memo: input.memo,
    reference: input.reference,
    lines: [
      { accountId: from, debit: input.amount },
      { accountId: input.contract.detail_account_id, credit: input.amount },
    ],
  });
  await markMoneyMoved(trx, input.contract.id, today);
  return entryId;
}

export async function postWithdrawal(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: {
    contract: ContractRow;
    amount: Balance;
    serial: string;
    kind: string;
    reference: string;
    holdId?: number;
    memo?: string;
    to?: number;
  },
): Promise<number> {
  const today = ctx.clock.today();
  const to = input.to ?? (await outsideAccountOf(trx, input.contract));
  const entryId = await postEntry(trx, {
    serial: input.serial,
    kind: input.kind,
    businessDate: today,
    createdAt: ctx.clock.nowIso(),
    memo: input.memo,
    reference: input.reference,
    lines: [
      { accountId: input.contract.detail_account_id, debit: input.amount, holdId: input.holdId },
      { accountId: to, credit: input.amount },
    ],
  });
  await markMoneyMoved(trx, input.contract.id, today);
  return entryId;
}
