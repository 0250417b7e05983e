// 出金: from the detail sub-account back to the enterprise's settlement
// account. The amount is held from submission, so two withdrawals waiting for
// review can never spend the same money; rejection or expiry releases it.
import { balanceFromDb, type Fen } from '../../../src-shared/money';
import { appendAudit } from '../../audit/log';
import { placeHold } from '../../ledger/holds';
import { ownContractAndMarket } from '../../markets/contracts';
import { postWithdrawal } from '../../markets/money';
import { deriveMovement } from './movement';
import type { InstructionKindSpec } from './spec';

export const withdraw: InstructionKindSpec<'withdraw'> = {
  maker: 'ebank.settle.withdraw',
  checker: 'ebank.authorize.review',
  async derive(db, _ctx, enterprise, draft) {
    return (await deriveMovement(db, enterprise, draft)).derived;
  },
  async onSubmit(trx, ctx, draft, serial) {
    // derive has checked the contract is the enterprise's, in this same transaction
    const contract = await trx
      .selectFrom('contracts')
      .select('detail_account_id')
      .where('id', '=', draft.contractId)
      .executeTakeFirstOrThrow();
    return placeHold(trx, {
      accountId: contract.detail_account_id,
      amount: draft.amount as Fen,
      kind: 'withdraw',
      reference: `instruction:${serial}`,
      at: ctx.clock.nowIso(),
    });
  },
  async execute(trx, ctx, instruction, draft) {
    const { contract, market } = await ownContractAndMarket(trx, draft.contractId, {
      enterpriseId: instruction.enterprise_id,
    });
    // The market is told, and reduces the member's available balance on its side.
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: `market:${market.code}`,
      action: 'market.withdrawalNotified',
      entity: 'instruction',
      entityId: instruction.serial,
      details: { memberCode: contract.member_code },
    });
    return postWithdrawal(trx, ctx, {
      contract,
      amount: balanceFromDb(instruction.amount),
      serial: instruction.serial,
      kind: 'withdraw',
      reference: `instruction:${instruction.serial}`,
      holdId: instruction.hold_id ?? undefined,
    });
  },
};
