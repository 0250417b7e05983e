// What a deposit and a withdrawal share: money between the enterprise's bound
// settlement account and its detail sub-account under a contract. Only the
// direction differs, and with it which balance must cover the amount and which
// must stay within range.
import type { Kysely } from 'kysely';
import { AppError } from '../../../src-shared/errors';
import { MAX_BALANCE, type Fen } from '../../../src-shared/money';
import { accountNumber, balancesOf } from '../../ledger/accounts';
import { requireSingleAmounts } from '../../ledger/amounts';
import { ownContractAndMarket } from '../../markets/contracts';
import type { MarketRow } from '../../markets/markets';
import type { Database } from '../../store/schema';
import type { Derived, DraftOf, Enterprise, Refusals } from './spec';

type Movement = 'deposit' | 'withdraw';

export async function deriveMovement(
  db: Kysely<Database>,
  enterprise: Enterprise,
  draft: DraftOf<Movement>,
): Promise<{ derived: Derived<Movement>; market: MarketRow }> {
  requireSingleAmounts({ amount: draft.amount });
  const { contract, market } = await ownContractAndMarket(db, draft.contractId, { enterpriseId: enterprise.id });
  if (!contract.bound_account_id) throw new AppError('BOUND_ACCOUNT_INVALID');
  const [from, to] =
    draft.kind === 'deposit'
      ? [contract.bound_account_id, contract.detail_account_id]
      : [contract.detail_account_id, contract.bound_account_id];
  const refusals: Refusals = [];
  if ((await balancesOf(db, from)).available < draft.amount) refusals.push({ code: 'INSUFFICIENT_FUNDS' });
  if ((await balancesOf(db, to)).balance > MAX_BALANCE - draft.amount) refusals.push({ code: 'BALANCE_OUT_OF_RANGE' });
  const derived: Derived<Movement> = {
    fields: {
      enterprise: enterprise.credit_code,
      market: market.code,
      memberCode: contract.member_code,
      fromAccount: await accountNumber(db, from),
      toAccount: await accountNumber(db, to),
      amount: draft.amount,
    },
    marketId: market.id,
    contractId: contract.id,
    amount: draft.amount as Fen,
    memberCode: contract.member_code,
    refusals,
  };
  return { derived, market };
}
