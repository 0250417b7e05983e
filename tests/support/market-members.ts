// Contracts on a simulated market for the demo's two members with a bound card
// (the corporate one and the individual), as a market's register names them;
// and transfers from other banks' cards into a market's summary account.
import { openContract } from '../../src-service/markets/contracts';
import { incomingTransfer } from '../../src-service/markets/events';
import type { Fen } from '../../src-shared/money';
import type { ServiceContext } from '../../src-service/context';
import { atomically } from '../../src-service/store/tx';

export async function contractDemoMembers(
  ctx: ServiceContext,
  marketCode: string,
  codes: { corporate: string; individual: string },
): Promise<void> {
  await atomically(ctx.db, async (trx) => {
    const tctx = { ...ctx, db: trx };
    const members = await trx
      .selectFrom('members')
      .innerJoin('cards', 'cards.member_id', 'members.id')
      .select(['members.id', 'members.member_type', 'cards.id as cardId'])
      .execute();
    const market = await trx
      .selectFrom('markets')
      .select('id')
      .where('code', '=', marketCode)
      .executeTakeFirstOrThrow();
    for (const member of members)
      await openContract(trx, tctx, {
        marketId: market.id,
        memberCode: member.member_type === 'corporate' ? codes.corporate : codes.individual,
        owner: { memberId: member.id },
        boundCardId: member.cardId,
      });
  });
}

const transfers = new Map<string, number>();

/** A transfer from another bank's card, under the next key of `keyPrefix`. */
export function transferFromCard(
  ctx: ServiceContext,
  input: { marketCode: string; cardNo: string; amount: number; keyPrefix: string },
) {
  const n = (transfers.get(input.keyPrefix) ?? 0) + 1;
  transfers.set(input.keyPrefix, n);
  return incomingTransfer(ctx, {
    marketCode: input.marketCode,
    cardNo: input.cardNo,
    payerName: 'payer',
    amount: input.amount as Fen,
    key: `${input.keyPrefix}-${n}`,
  });
}
