// The member-management system's API: a member's markets, accounts, cards,
// trades and suspense records, and the single-party operations — prepared
// (a challenge for the USB-KEY, or an SMS code) and then performed with the proof.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorReply } from '../../src-shared/api/common';
import { MemberProfile } from '../../src-shared/api/registration';
import {
  Card,
  CardAuthRequest,
  ClosureCheck,
  MemberOperationInputs,
  type MemberOperationName,
  MemberProof,
  OperationResult,
  PrepareReply,
  SuspenseQuery,
  SuspenseRecord,
  Trade,
  TradeQuery,
} from '../../src-shared/api/members';
import {
  MemberAccount,
  MemberTxnQuery,
  Transaction,
  TransactionPage,
  EnterpriseMarket,
  CancelCheck,
} from '../../src-shared/api/settlement';
import { AppError, errorMessage, SHARED_MESSAGES } from '../../src-shared/errors';
import { balanceFromDb } from '../../src-shared/money';
import { addDays } from '../clock';
import type { ServiceContext } from '../context';
import { categoryKinds } from '../enterprises/routes';
import { requireSession } from '../http/guard';
import { resolveRange, statement, transactionDetail } from '../ledger/queries';
import { cancelRefusals, cardNames, maskCard, memberAccountView, ownContract } from '../markets/contracts';
import { marketById, marketSummary } from '../markets/markets';
import { expireTrades, TRADE_REVIEW_DAYS } from '../markets/trades';
import * as ops from './operations';
import type { Selectable } from 'kysely';
import type { CardsTable } from '../store/schema';
import { authenticateCard, checkCardFree, recordCard } from './cards';
import { maskPhone, memberActor, startVerification } from './verification';

const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 422: ErrorReply };

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
} as const;

export function memberRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  const actorOf = (request: Parameters<typeof requireSession>[0]) => memberActor(ctx, requireSession(request).user);

  return async (app) => {
    app.get(
      '/member/markets',
      {
        schema: {
          tags: ['members'],
          summary: 'All markets with the member’s contract',
          response: { 200: z.array(EnterpriseMarket), ...errors },
        },
      },
      async (request) => {
        const actor = await actorOf(request);
        const markets = await ctx.db.selectFrom('markets').selectAll().orderBy('id').execute();
        const contracts = await ctx.db
          .selectFrom('contracts')
          .select(['id', 'market_id', 'member_code'])
          .where('member_id', '=', actor.member.id)
          .where('status', '=', 'active')
          .execute();
        return markets.map((m) => {
          const c = contracts.find((x) => x.market_id === m.id);
          return {
            ...marketSummary(ctx, m),
            contract: c ? { id: c.id, memberCode: c.member_code } : null,
            signPending: false,
          };
        });
      },
    );

    app.get(
      '/member/accounts',
      {
        schema: {
          tags: ['members'],
          summary: '会员附属台帐: the member’s sub-ledger per signed market',
          querystring: z.object({ status: z.enum(['active', 'all']).default('active') }),
          response: { 200: z.array(MemberAccount), ...errors },
        },
      },
      async (request) => {
        const actor = await actorOf(request);
        let q = ctx.db.selectFrom('contracts').selectAll().where('member_id', '=', actor.member.id);
        if (request.query.status === 'active') q = q.where('status', '=', 'active');
        const out = [];
        for (const c of await q.orderBy('id').execute()) out.push(await memberAccountView(ctx.db, ctx, c));
        return out;
      },
    );

    app.get(
      '/member/accounts/:contractId/transactions',
      {
        schema: {
          tags: ['members'],
          params: z.object({ contractId: z.coerce.number().int().positive() }),
          querystring: MemberTxnQuery,
          response: { 200: TransactionPage, ...errors },
        },
      },
      async (request) => {
        const actor = await actorOf(request);
        const contract = await ownContract(ctx.db, request.params.contractId, { memberId: actor.member.id }, false);
        const range = resolveRange(ctx, request.query);
        return statement(ctx.db, [contract.detail_account_id], {
          ...range,
          kinds: categoryKinds(request.query.category),
          page: request.query.page,
          pageSize: request.query.pageSize,
        });
      },
    );

    app.get(
      '/member/accounts/:contractId/transactions/:entryId',
      {
        schema: {
          tags: ['members'],
          params: z.object({
            contractId: z.coerce.number().int().positive(),
            entryId: z.coerce.number().int().positive(),
          }),
          response: { 200: Transaction, ...errors },
        },
      },
      async (request) => {
        const actor = await actorOf(request);
        const contract = await ownContract(ctx.db, request.params.contractId, { memberId: actor.member.id }, false);
        return transactionDetail(ctx.db, [contract.detail_account_id], request.params.entryId);
      },
    );

    app.get(
      '/member/cards',
      {
        schema: {
          tags: ['members'],
          summary: 'The member’s authenticated cards at other banks',
          response: { 200: z.array(Card), ...errors },
        },
      },
      async (request) => {
        const actor = await actorOf(request);
        const cards = await ctx.db
          .selectFrom('cards')
          .selectAll()
          .where('member_id', '=', actor.member.id)
          .orderBy('id')
          .execute();
        return cards.map(cardView);
      },
    );

    app.get(
      '/member/trades',
      {
        schema: {
          tags: ['members'],
          summary: '交易复核: trades waiting for (or approved by) the member as payer',
          querystring: TradeQuery,
          response: { 200: z.array(Trade), ...errors },
        },
      },
      async (request) => {
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
        const out = [];
        for (const t of rows) {
          if (request.query.status === 'approved' && (t.reviewed_at ?? '').slice(0, 10) > date) continue;
          out.push({
            id: t.id,
            serial: t.serial,
            market: marketSummary(ctx, await marketById(ctx.db, t.market_id)),
            payerCode: t.payer_code,
            payeeCode: t.payee_code,
            amount: balanceFromDb(t.amount),
            fee: balanceFromDb(t.fee),
            status: t.status,
            tradeDate: t.trade_date,
            description: t.description,
            reviewedAt: t.reviewed_at,
          });
        }
        return out;
      },
    );

    app.get(
      '/member/suspense',
      {
        schema: {
          tags: ['members'],
          summary: '挂账处理: the member’s own deposits that went to suspense',
          querystring: SuspenseQuery,
          response: { 200: z.array(SuspenseRecord), ...errors },
        },
      },
      async (request) => {
        const actor = await actorOf(request);
        let q = ctx.db.selectFrom('suspense_records').selectAll().where('member_id', '=', actor.member.id);
        if (request.query.marketId) q = q.where('market_id', '=', request.query.marketId);
        if (request.query.date) q = q.where('business_date', '=', request.query.date);
        const out = [];
        for (const r of await q.orderBy('id', 'desc').execute()) {
          out.push({
            id: r.id,
            serial: r.serial,
            market: marketSummary(ctx, await marketById(ctx.db, r.market_id)),
            amount: balanceFromDb(r.amount),
            payerCardNo: maskCard(r.payer_card_no),
            payerName: r.payer_name,
            reason: r.reason,
            status: r.status,
            businessDate: r.business_date,
            createdAt: r.created_at,
          });
        }
        return out;
      },
    );

    app.post(
      '/member/cards/authenticate',
      {
        schema: {
          tags: ['members'],
          summary: 'Authenticate a card of another bank (银联鉴权); the operation that uses it binds it',
          body: CardAuthRequest,
          response: { 200: Card, ...errors },
        },
      },
      async (request) => {
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
    );

    app.get(
      '/member/profile',
      {
        schema: {
          tags: ['members'],
          summary: 'The member’s registered identity and contact details',
          response: { 200: MemberProfile, ...errors },
        },
      },
      async (request) => {
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
    );

    app.get(
      '/member/accounts/:contractId/cancel-check',
      {
        schema: {
          tags: ['members'],
          summary: 'Whether a contract may be cancelled now, and every reason it may not',
          params: z.object({ contractId: z.coerce.number().int().positive() }),
          response: { 200: CancelCheck, ...errors },
        },
      },
      async (request) => {
        const actor = await actorOf(request);
        const contract = await ownContract(ctx.db, request.params.contractId, { memberId: actor.member.id });
        const refusals = await cancelRefusals(ctx.db, ctx, contract);
        return {
          ok: refusals.length === 0,
          refusals: refusals.map((r) => ({
            code: r.code,
            message: errorMessage(r.code, request.lang, r.params),
            params: r.params,
          })),
        };
      },
    );

    app.get(
      '/member/closure-check',
      {
        schema: {
          tags: ['members'],
          summary: 'What remains before the account can be closed',
          response: { 200: ClosureCheck, ...errors },
        },
      },
      async (request) => {
        const actor = await actorOf(request);
        const remaining = await ops.closureRemaining(ctx.db, actor.member.id);
        return { ok: remaining.length === 0, remaining };
      },
    );

    for (const [name, op] of Object.entries(OPERATIONS)) {
      const input = MemberOperationInputs[name as keyof typeof MemberOperationInputs];
      app.post(
        `/member/operations/${name}/prepare`,
        {
          schema: {
            tags: ['members'],
            summary: `Prepare ${name}: a challenge for the USB-KEY, or an SMS code`,
            body: input,
            response: { 200: PrepareReply, ...errors },
          },
        },
        async (request) => {
          const actor = await actorOf(request);
          const body = name === 'closeAccount' ? { lang: request.lang } : request.body;
          const operation = op as ops.MemberOperation<unknown, unknown>;
          const fields = await operation.fields(ctx.db, ctx, actor, body);
          return startVerification(
            ctx,
            ctx.sms,
            actor,
            fields,
            (code) => smsText(name as MemberOperationName, code),
            operation.codePhone?.(body),
          );
        },
      );
      app.post(
        `/member/operations/${name}`,
        {
          schema: {
            tags: ['members'],
            summary: `Perform ${name}, verified`,
            body: z.strictObject({ input, proof: MemberProof.optional() }),
            response: { 200: OperationResult, ...errors },
          },
        },
        async (request) => {
          const actor = await actorOf(request);
          const body = request.body as { input: object; proof?: z.infer<typeof MemberProof> };
          const opInput = name === 'closeAccount' ? { lang: request.lang } : body.input;
          return ops.performOperation(
            ctx,
            actor,
            op as ops.MemberOperation<unknown, Record<string, string | number | boolean>>,
            opInput,
            body.proof,
          );
        },
      );
    }
  };
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
