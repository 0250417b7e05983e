// B2B trades that wait for the paying member's review (交易复核): the market
// pushes the trade and its amount (and fee) is held on the payer's detail
// sub-account; the payer's approval posts it to the payee (and the fee
// sub-account); a trade not reviewed within 30 days expires, its hold voided.
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { balanceFromDb, type Balance, type Fen } from '../../src-shared/money';
import { appendAudit } from '../audit/log';
import { addDays } from '../clock';
import type { ServiceContext } from '../context';
import { accountByKind } from '../ledger/accounts';
import { placeHold, voidHold } from '../ledger/holds';
import { postEntry, type EntryLine } from '../ledger/post';
import type { Database } from '../store/schema';
import { atomically } from '../store/tx';
import type { ContractRow } from './contracts';
import { enqueueNotice } from './notices';

export const TRADE_REVIEW_DAYS = 30;

export async function pushTrade(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: { marketId: number; payer: ContractRow; payee: ContractRow; amount: Fen; fee: Fen; description: string },
): Promise<{ tradeId: number; serial: string }> {
  const today = ctx.clock.today();
  const serial = await ctx.serials.next(trx, today);
  const holdId = await placeHold(trx, {
    accountId: input.payer.detail_account_id,
    amount: (input.amount + input.fee) as Balance,
    kind: 'trade',
    reference: `trade:${serial}`,
    at: ctx.clock.nowIso(),
  });
  const trade = await trx
    .insertInto('b2b_trades')
    .values({
      serial,
      market_id: input.marketId,
      payer_contract_id: input.payer.id,
      payee_contract_id: input.payee.id,
      amount: input.amount,
      fee: input.fee,
      hold_id: holdId,
      status: 'pending',
      trade_date: today,
      description: input.description,
      created_at: ctx.clock.nowIso(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { tradeId: trade.id, serial };
}

export async function tradeById(db: Kysely<Database>, id: number) {
  const trade = await db.selectFrom('b2b_trades').selectAll().where('id', '=', id).executeTakeFirst();
  if (!trade) throw new AppError('TRADE_NOT_FOUND');
  return trade;
}

function isStale(ctx: ServiceContext, tradeDate: string): boolean {
  return tradeDate < addDays(ctx.clock.today(), -TRADE_REVIEW_DAYS);
}

/** The payer approves: the held amount goes to the payee, the fee to the market's fee sub-account. */
export async function approveTrade(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  tradeId: number,
  serial: string,
  actor: string,
): Promise<number> {
  const trade = await tradeById(trx, tradeId);
  if (trade.status === 'pending' && isStale(ctx, trade.trade_date)) throw new AppError('TRADE_EXPIRED');
  const claimed = await trx
    .updateTable('b2b_trades')
    .set({ status: 'approved', reviewed_at: ctx.clock.nowIso() })
    .where('id', '=', trade.id)
    .where('status', '=', 'pending')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw new AppError('TRADE_NOT_PENDING');
  const payer = await trx
    .selectFrom('contracts')
    .selectAll()
    .where('id', '=', trade.payer_contract_id)
    .executeTakeFirstOrThrow();
  const payee = await trx
    .selectFrom('contracts')
    .selectAll()
    .where('id', '=', trade.payee_contract_id)
    .executeTakeFirstOrThrow();
  const amount = balanceFromDb(trade.amount);
  const fee = balanceFromDb(trade.fee);
  const lines: EntryLine[] = [
    { accountId: payer.detail_account_id, debit: (amount + fee) as Balance, holdId: trade.hold_id },
    { accountId: payee.detail_account_id, credit: amount },
  ];
  if (fee > 0) lines.push({ accountId: await accountByKind(trx, 'fee', trade.market_id), credit: fee });
  const entryId = await postEntry(trx, {
    serial,
    kind: 'trade',
    businessDate: ctx.clock.today(),
    createdAt: ctx.clock.nowIso(),
    memo: trade.description,
    reference: `trade:${trade.serial}`,
    lines,
  });
  await trx.updateTable('b2b_trades').set({ journal_entry_id: entryId }).where('id', '=', trade.id).execute();
  await appendAudit(trx, {
    at: ctx.clock.nowIso(),
    actor,
    action: 'trade.approved',
    entity: 'trade',
    entityId: trade.serial,
    details: { amount, fee },
  });
  return entryId;
}

/** Trades not reviewed within 30 days expire and release their hold; the market is told (audit). */
export async function expireTrades(ctx: ServiceContext): Promise<number> {
  const stale = await ctx.db
    .selectFrom('b2b_trades')
    .selectAll()
    .where('status', '=', 'pending')
    .where('trade_date', '<', addDays(ctx.clock.today(), -TRADE_REVIEW_DAYS))
    .execute();
  let expired = 0;
  for (const trade of stale) {
    await atomically(ctx.db, async (trx) => {
      const done = await trx
        .updateTable('b2b_trades')
        .set({ status: 'expired', reviewed_at: ctx.clock.nowIso() })
        .where('id', '=', trade.id)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) return;
      await voidHold(trx, trade.hold_id, ctx.clock.nowIso());
      // The market hears of it through the outbox, in the payer's line of notices.
      const payer = await trx
        .selectFrom('contracts')
        .select('member_code')
        .where('id', '=', trade.payer_contract_id)
        .executeTakeFirstOrThrow();
      await enqueueNotice(trx, ctx.clock.nowIso(), {
        marketId: trade.market_id,
        memberCode: payer.member_code,
        kind: 'trade.expired',
        payload: { serial: trade.serial, payerCode: payer.member_code, amount: balanceFromDb(trade.amount) },
      });
      await appendAudit(trx, {
        at: ctx.clock.nowIso(),
        actor: 'system',
        action: 'trade.expired',
        entity: 'trade',
        entityId: trade.serial,
        details: { marketNotified: true },
      });
      expired += 1;
    });
  }
  return expired;
}
