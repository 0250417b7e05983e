// 签约: an enterprise signs a contract with a market for one of its member
// codes, binding one of its own settlement accounts. One sign instruction per
// market may wait at a time.
import { checkBoundAccount, checkSignable, openContract } from '../../markets/contracts';
import { marketById } from '../../markets/markets';
import type { InstructionKindSpec } from './spec';

export const sign: InstructionKindSpec<'sign'> = {
  maker: 'ebank.settle.contract',
  checker: 'ebank.authorize.review',
  async derive(db, _ctx, enterprise, draft) {
    const market = await marketById(db, draft.marketId);
    await checkSignable(db, {
      marketId: market.id,
      memberCode: draft.memberCode,
      owner: { enterpriseId: enterprise.id },
    });
    const bound = await checkBoundAccount(db, enterprise.id, draft.boundAccountId);
    const pending = await db
      .selectFrom('instructions')
      .select('id')
      .where('enterprise_id', '=', enterprise.id)
      .where('market_id', '=', market.id)
      .where('kind', '=', 'sign')
      .where('state', '=', 'pending')
      .executeTakeFirst();
    return {
      fields: {
        enterprise: enterprise.credit_code,
        market: market.code,
        memberCode: draft.memberCode,
        boundAccount: bound.number,
      },
      marketId: market.id,
      contractId: null,
      amount: null,
      memberCode: draft.memberCode,
      refusals: pending ? [{ code: 'CONTRACT_SIGN_PENDING' }] : [],
    };
  },
  async execute(trx, ctx, instruction, draft) {
    await checkBoundAccount(trx, instruction.enterprise_id, draft.boundAccountId);
    await openContract(trx, ctx, {
      marketId: draft.marketId,
      memberCode: draft.memberCode,
      owner: { enterpriseId: instruction.enterprise_id },
      boundAccountId: draft.boundAccountId,
    });
    return null;
  },
};
