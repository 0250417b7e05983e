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
import { enqueueNotice } from './notices';

/** The account on the other side of a member's deposits and withdrawals. */
export async function outsideAccountOf(trx: Transaction<Database>, contract: ContractRow): Promise<number> {
  return contract.bound_account_id ?? (await accountByKind(trx, 'other_banks'));
}

/** Movements the market itself asked for, and was answered: no notice tells it again. */
const MARKET_INITIATED = new Set(['marketDeposit', 'marketWithdraw']);

/** What a deposit or a withdrawal posts: the member's amount, its serial and journal kind. */
interface MoneyMovement {
  contract: ContractRow;
  amount: Balance;
  serial: string;
  kind: string;
  reference: string;
  memo?: string;
}

/**
 * One balanced entry between the member's detail sub-account and the outside account (the
 * bound settlement account, or other banks unless given), marking the contract's "money moved today".
 */
async function postMovement(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: MoneyMovement,
  direction: 'in' | 'out',
  outside: number | undefined,
  holdId?: number,
): Promise<number> {
  const today = ctx.clock.today();
  const other = outside ?? (await outsideAccountOf(trx, input.contract));
  const member = input.contract.detail_account_id;
  const entryId = await postEntry(trx, {
    serial: input.serial,
    kind: input.kind,
    businessDate: today,
    createdAt: ctx.clock.nowIso(),
    memo: input.memo,
    reference: input.reference,
    lines:
      direction === 'in'
        ? [
            { accountId: other, debit: input.amount },
            { accountId: member, credit: input.amount },
          ]
        : [
            { accountId: member, debit: input.amount, holdId },
            { accountId: other, credit: input.amount },
          ],
  });
  // The market hears of what it did not ask for itself (its own deposits and withdrawals it was answered).
  if (!MARKET_INITIATED.has(input.kind))
    await enqueueNotice(trx, ctx.clock.nowIso(), {
      marketId: input.contract.market_id,
      memberCode: input.contract.member_code,
      kind: direction === 'in' ? 'money.in' : 'money.out',
      payload: {
        serial: input.serial,
        memberCode: input.contract.member_code,
        amount: input.amount,
        movement: input.kind,
        businessDate: today,
      },
    });
  // Read in this transaction: the mark is written once a day, not with every movement.
  if (input.contract.last_money_date !== today)
    await trx.updateTable('contracts').set({ last_money_date: today }).where('id', '=', input.contract.id).execute();
  return entryId;
}

export function postDeposit(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: MoneyMovement & { from?: number },
): Promise<number> {
  return postMovement(trx, ctx, input, 'in', input.from);
}

export function postWithdrawal(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: MoneyMovement & { holdId?: number; to?: number },
): Promise<number> {
  return postMovement(trx, ctx, input, 'out', input.to, input.holdId);
}
