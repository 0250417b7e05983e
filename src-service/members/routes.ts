// The member-management system's API: a member's profile, cards, trades and
// suspense records, and the single-party operations — prepared (a challenge for
// the USB-KEY, or an SMS code) and then performed with the proof. A member's
// markets and accounts are the owner-resolved routes of src-service/accounts.
import type { FastifyInstance } from 'fastify';
import type { Selectable } from 'kysely';
import { MEMBER_OPERATIONS, type MemberOperationName } from '../../src-shared/api/members';
import { AppError, SHARED_MESSAGES } from '../../src-shared/errors';
import { balanceFromDb } from '../../src-shared/money';
import { memberOperationRoutes, memberRoutes as table } from '../../src-shared/routes/members';
import { addDays } from '../clock';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { registerRoutes, type RouteHandlers, type RouteRequest } from '../http/routes';
import { cardNames, maskCard } from '../markets/contracts';
import { marketById, marketSummary } from '../markets/markets';
import { expireTrades, TRADE_REVIEW_DAYS } from '../markets/trades';
import type { CardsTable } from '../store/schema';
import { authenticateCard, checkCardFree, recordCard } from './cards';
import * as ops from './operations';
import { maskPhone, memberActor, startVerification } from './verification';

const OPERATIONS = {
  signContract: ops.signContract,
  cancelContract: ops.cancelContract,
  changeBoundCard: ops.changeBoundCard,
  approveTrade: ops.reviewTrade,
  recreditSuspense: ops.recreditSuspense,
  setTransferOutCard: ops.setTransferOutCard,
  transferOut: ops.transferOut,
  closeAccount: ops.closeAccount,
  updateInfo: ops.updateInfo,
  changeLoginName: ops.changeLoginName,
  changePassword: ops.changePassword,
  changePhone: ops.changePhone,
} as const satisfies Record<MemberOperationName, unknown>;

type OperationRoutes = typeof memberOperationRoutes;
type OperationHandlers = Pick<RouteHandlers<typeof table>, keyof OperationRoutes>;

export function memberRoutes(ctx: ServiceContext) {
  const actorOf = (request: Parameters<typeof requireSession>[0]) => memberActor(ctx, requireSession(request).user);
  /** A member's records as the client shows them, each with its market's summary. */
  const withMarkets = async <R extends { market_id: number }, T>(
    rows: R[],
    shape: (row: R, market: ReturnType<typeof marketSummary>) => T,
  ): Promise<T[]> => {
    const out: T[] = [];
    for (const row of rows) out.push(shape(row, marketSummary(ctx, await marketById(ctx.db, row.market_id))));
    return out;
  };

  /** Prepare and perform, one pair of handlers per operation of the table. */
  const operationHandlers = Object.fromEntries(
    MEMBER_OPERATIONS.flatMap((name) => {
      const operation = OPERATIONS[name] as ops.MemberOperation<unknown, Record<string, string | number | boolean>>;
      const prepare = async (request: RouteRequest<OperationRoutes[`member.prepare.${MemberOperationName}`]>) => {
        const actor = await actorOf(request);
        // closing the account takes no input; its refusal is worded in the caller's language
        const body = name === 'closeAccount' ? { lang: request.lang } : request.body;
        const fields = await operation.fields(ctx.db, ctx, actor, body);
        return startVerification(
          ctx,
          ctx.sms,
          actor,
          fields,
          (code) => smsText(name, code),
          operation.codePhone?.(body),
        );
      };
      const perform = async (request: RouteRequest<OperationRoutes[`member.perform.${MemberOperationName}`]>) => {
        const actor = await actorOf(request);
        const opInput = name === 'closeAccount' ? { lang: request.lang } : request.body.input;
        return ops.performOperation(ctx, actor, operation, opInput, request.body.proof);
      };
      return [
        [`member.prepare.${name}`, prepare],
        [`member.perform.${name}`, perform],
      ];
    }),
  ) as OperationHandlers;

  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'member.profile': async (request) => {
        const actor = await actorOf(request);
        const m = await ctx.db
          .selectFrom('members')
          .selectAll()
          .where('id', '=', actor.member.id)
          .executeTakeFirstOrThrow();
        return {
          memberType: m.member_type,
          name: m.name,
          certType: m.cert_type,
          certNo: m.cert_no,
          phone: m.phone,
          contactName: m.contact_name,
          address: m.address,
          email: m.email,
          loginName: actor.user.login_name,
          status: m.status,
          transferOutCardId: m.transfer_out_card_id,
        };
      },
      'member.cards': async (request) => {
        const actor = await actorOf(request);
        const cards = await ctx.db
          .selectFrom('cards')
          .selectAll()
          .where('member_id', '=', actor.member.id)
          .orderBy('id')
          .execute();
        return cards.map(cardView);
      },
      'member.authenticateCard': async (request) => {
        const actor = await actorOf(request);
        const { card, purpose } = request.body;
        await checkCardFree(ctx.db, card.cardNo, actor.member.id);
        const { bank, branch } = await authenticateCard(ctx, {
          subject: `member:${actor.member.id}`,
          holder: actor.member.name,
          certNo: actor.member.cert_no,
          card,
        });
        const id = await recordCard(ctx.db, {
          memberId: actor.member.id,
          holder: actor.member.name,
          card,
          bank,
          branch,
          purpose,
          status: 'pending',
          at: ctx.clock.nowIso(),
        });
        return cardView(await ctx.db.selectFrom('cards').selectAll().where('id', '=', id).executeTakeFirstOrThrow());
      },
      'member.trades': async (request) => {
        const actor = await actorOf(request);
        await expireTrades(ctx);
        const today = ctx.clock.today();
        const date = request.query.date ?? today;
        if (date > today || date < addDays(today, -TRADE_REVIEW_DAYS)) throw new AppError('TRADE_DATE_RANGE');
        const rows = await ctx.db
          .selectFrom('b2b_trades')
          .innerJoin('contracts as payer', 'payer.id', 'b2b_trades.payer_contract_id')
          .innerJoin('contracts as payee', 'payee.id', 'b2b_trades.payee_contract_id')
          .selectAll('b2b_trades')
          .select(['payer.member_code as payer_code', 'payee.member_code as payee_code'])
          .where('payer.member_id', '=', actor.member.id)
          .where('b2b_trades.status', '=', request.query.status)
          .where(
            request.query.status === 'pending' ? 'b2b_trades.trade_date' : 'b2b_trades.trade_date',
            request.query.status === 'pending' ? '<=' : '=',
            date,
          )
          .orderBy('b2b_trades.id', 'desc')
          .execute();
        const shown = rows.filter(
          (t) => request.query.status !== 'approved' || (t.reviewed_at ?? '').slice(0, 10) <= date,
        );
        return withMarkets(shown, (t, market) => ({
          id: t.id,
          serial: t.serial,
          market,
          payerCode: t.payer_code,
          payeeCode: t.payee_code,
          amount: balanceFromDb(t.amount),
          fee: balanceFromDb(t.fee),
          status: t.status,
          tradeDate: t.trade_date,
          description: t.description,
          reviewedAt: t.reviewed_at,
        }));
      },
      'member.suspense': async (request) => {
        const actor = await actorOf(request);
        let q = ctx.db.selectFrom('suspense_records').selectAll().where('member_id', '=', actor.member.id);
        if (request.query.marketId) q = q.where('market_id', '=', request.query.marketId);
        if (request.query.date) q = q.where('business_date', '=', request.query.date);
        return withMarkets(await q.orderBy('id', 'desc').execute(), (r, market) => ({
          id: r.id,
          serial: r.serial,
          market,
          amount: balanceFromDb(r.amount),
          payerCardNo: maskCard(r.payer_card_no),
          payerName: r.payer_name,
          reason: r.reason,
          status: r.status,
          businessDate: r.business_date,
          createdAt: r.created_at,
        }));
      },
      'member.closureCheck': async (request) => {
        const actor = await actorOf(request);
        const remaining = await ops.closureRemaining(ctx.db, actor.member.id);
        return { ok: remaining.length === 0, remaining };
      },
      ...operationHandlers,
    });
}

function cardView(c: Selectable<CardsTable>) {
  return {
    id: c.id,
    cardNo: maskCard(c.card_no),
    ...cardNames(c),
    holderName: c.holder_name,
    purpose: c.purpose,
    status: c.status,
    phone: maskPhone(c.phone),
  };
}

function smsText(operation: MemberOperationName, code: string): string {
  return `【SettleKey 演示银行】动态码 ${code}，用于${SHARED_MESSAGES['zh-CN'].mop[operation]}，120 秒内有效，请勿告诉他人。`;
}
