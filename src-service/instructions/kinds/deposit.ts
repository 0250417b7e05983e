// 入金: from the enterprise's settlement account into its detail sub-account.
// Refused before anything is signed while the market is not signed in for the
// day; at approval the market may still refuse it.
import { AppError } from '../../../src-shared/errors';
import { balanceFromDb } from '../../../src-shared/money';
import { ownContractAndMarket } from '../../markets/contracts';
import { isSignedIn, type MarketRow } from '../../markets/markets';
import { postDeposit } from '../../markets/money';
import { deriveMovement } from './movement';
import type { InstructionKindSpec, Refusals } from './spec';

function notSignedIn(market: MarketRow): Refusals[number] {
  return { code: 'MARKET_NOT_SIGNED_IN', params: { market: { 'zh-CN': market.name, en: market.name_en } } };
}

export const deposit: InstructionKindSpec<'deposit'> = {
  maker: 'ebank.settle.deposit',
  checker: 'ebank.authorize.review',
  async derive(db, ctx, enterprise, draft) {
    const { derived, market } = await deriveMovement(db, enterprise, draft);
    return { ...derived, refusals: [...(isSignedIn(ctx, market) ? [] : [notSignedIn(market)]), ...derived.refusals] };
  },
  async execute(trx, ctx, instruction, draft) {
    const { contract, market } = await ownContractAndMarket(trx, draft.contractId, {
      enterpriseId: instruction.enterprise_id,
    });
    if (!isSignedIn(ctx, market)) {
      const refusal = notSignedIn(market);
      throw new AppError(refusal.code, refusal.params);
    }
    return postDeposit(trx, ctx, {
      contract,
      amount: balanceFromDb(instruction.amount),
      serial: instruction.serial,
      kind: 'deposit',
      reference: `instruction:${instruction.serial}`,
    });
  },
};
