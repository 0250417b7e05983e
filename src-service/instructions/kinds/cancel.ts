// 解约: an enterprise cancels a contract. Refused while the detail
// sub-account holds money, trades are unfinished or disputed, or money moved
// that day — known at entry, and checked again at approval.
import { accountNumber } from '../../ledger/accounts';
import { cancelRefusals, closeContract, ownContract } from '../../markets/contracts';
import { marketById } from '../../markets/markets';
import type { InstructionKindSpec } from './spec';

export const cancel: InstructionKindSpec<'cancel'> = {
  maker: 'ebank.settle.contract',
  checker: 'ebank.authorize.review',
  async derive(db, ctx, enterprise, draft) {
    const contract = await ownContract(db, draft.contractId, { enterpriseId: enterprise.id });
    const market = await marketById(db, contract.market_id);
    return {
      fields: {
        enterprise: enterprise.credit_code,
        market: market.code,
        memberCode: contract.member_code,
        detailAccount: await accountNumber(db, contract.detail_account_id),
      },
      marketId: market.id,
      contractId: contract.id,
      amount: null,
      memberCode: contract.member_code,
      refusals: await cancelRefusals(db, ctx, contract),
    };
  },
  async execute(trx, ctx, instruction, draft) {
    await closeContract(
      trx,
      ctx,
      await ownContract(trx, draft.contractId, { enterpriseId: instruction.enterprise_id }),
    );
    return null;
  },
};
