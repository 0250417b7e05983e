// Markets as customers see them, and the bank back office's market API: the
// market simulator's events, reconciliation files and the custody-account
// query. The back-office routes need the bank key (x-bank-key).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CustodyReply, ReconciliationReply } from '../../src-shared/api/bank';
import { ErrorReply, IsoDate } from '../../src-shared/api/common';
import { AmountFen, FeeFen, MarketSummary } from '../../src-shared/api/settlement';
import { AppError } from '../../src-shared/errors';
import type { Fen } from '../../src-shared/money';
import type { ServiceContext } from '../context';
import * as events from './events';
import { listMarkets, registerMemberCode, setSignedIn } from './markets';
import { custodyAccount, reconciliation } from './reconciliation';

const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply, 422: ErrorReply };
const Key = z.string().min(1).max(64);
const Code = z.string().trim().min(1).max(32);
const fen = (n: number) => n as Fen;

export function marketRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/markets',
      {
        config: { auth: 'password-change' },
        schema: {
          tags: ['markets'],
          summary: 'Trading markets, their sign-in today and receiving accounts',
          response: { 200: z.array(MarketSummary), ...errors },
        },
      },
      async () => listMarkets(ctx),
    );
  };
}

/** The bank's back office (and the market simulator it drives). Closed unless a bank key is configured. */
export function bankRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', async (request) => {
      const given = request.headers['x-bank-key'];
      const key = ctx.options.bankKey;
      if (
        !key ||
        typeof given !== 'string' ||
        given.length !== key.length ||
        !timingSafeEqual(Buffer.from(given), Buffer.from(key))
      ) {
        throw new AppError('FORBIDDEN');
      }
    });
    const route = { config: { auth: 'none' as const } };
    const Params = z.object({ code: Code });

    app.get(
      '/bank/markets/:code/reconciliation',
      {
        ...route,
        schema: {
          tags: ['bank'],
          summary: '对账: a market’s reconciliation file for a business day',
          params: Params,
          querystring: z.object({ date: IsoDate.optional() }),
          response: { 200: ReconciliationReply, ...errors },
        },
      },
      async (request) => reconciliation(ctx, request.params.code, request.query.date ?? ctx.clock.today()),
    );

    app.get(
      '/bank/markets/:code/custody',
      {
        ...route,
        schema: {
          tags: ['bank'],
          summary: 'The summary custody account and its sub-accounts',
          params: Params,
          response: { 200: CustodyReply, ...errors },
        },
      },
      async (request) => custodyAccount(ctx, request.params.code),
    );

    for (const [act, signedIn] of [
      ['sign-in', true],
      ['sign-out', false],
    ] as const) {
      app.post(
        `/bank/markets/:code/${act}`,
        {
          ...route,
          schema: { tags: ['bank'], params: Params, response: { 200: z.object({ ok: z.literal(true) }), ...errors } },
        },
        async (request) => {
          await setSignedIn(ctx, request.params.code, signedIn);
          return { ok: true as const };
        },
      );
    }
    app.post(
      '/bank/markets/:code/members',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({
            memberCode: Code,
            certNo: z.string().min(1).max(32),
            name: z.string().min(1).max(100),
          }),
          response: { 200: z.object({ virtualAccountNo: z.string(), seatNo: z.string() }), ...errors },
        },
      },
      async (request) => registerMemberCode(ctx, { marketCode: request.params.code, ...request.body }),
    );
    app.post(
      '/bank/markets/:code/incoming-transfer',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({
            cardNo: z.string().regex(/^\d{12,19}$/),
            payerName: z.string().min(1).max(100),
            amount: AmountFen,
            key: Key,
          }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) =>
        events.incomingTransfer(ctx, {
          marketCode: request.params.code,
          ...request.body,
          amount: fen(request.body.amount),
        }),
    );
    app.post(
      '/bank/markets/:code/money',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({
            direction: z.enum(['deposit', 'withdraw']),
            memberCode: Code,
            amount: AmountFen,
            key: Key,
          }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) =>
        events.marketMoney(ctx, { marketCode: request.params.code, ...request.body, amount: fen(request.body.amount) }),
    );
    app.post(
      '/bank/markets/:code/clearing',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({
            payerCode: Code,
            payeeCode: Code,
            amount: AmountFen,
            fee: FeeFen.default(0),
            key: Key,
          }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) =>
        events.clearing(ctx, {
          marketCode: request.params.code,
          ...request.body,
          amount: fen(request.body.amount),
          fee: fen(request.body.fee),
        }),
    );
    app.post(
      '/bank/markets/:code/b2b-trade',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({
            payerCode: Code,
            payeeCode: Code,
            amount: AmountFen,
            fee: FeeFen.default(0),
            description: z.string().min(1).max(200),
            key: Key,
          }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) =>
        events.b2bTrade(ctx, {
          marketCode: request.params.code,
          ...request.body,
          amount: fen(request.body.amount),
          fee: fen(request.body.fee),
        }),
    );
    app.post(
      '/bank/markets/:code/freeze',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({ memberCode: Code, amount: AmountFen, key: Key }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) =>
        events.freeze(ctx, { marketCode: request.params.code, ...request.body, amount: fen(request.body.amount) }),
    );
    app.post(
      '/bank/markets/:code/unfreeze',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({ freezeKey: Key, key: Key }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) => events.unfreeze(ctx, { marketCode: request.params.code, ...request.body }),
    );
    app.post(
      '/bank/markets/:code/member-state',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({
            memberCode: Code,
            unfinishedTrades: z.number().int().min(0).optional(),
            openPositions: z.number().int().min(0).optional(),
            disputeOpen: z.boolean().optional(),
            disputeEvidence: z.boolean().optional(),
            key: Key,
          }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) => events.memberState(ctx, { marketCode: request.params.code, ...request.body }),
    );
    app.post(
      '/bank/markets/:code/allocate-suspense',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({ suspenseId: z.number().int().positive(), memberCode: Code, key: Key }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) => events.allocateSuspense(ctx, { marketCode: request.params.code, ...request.body }),
    );
    app.post(
      '/bank/markets/:code/refuse-next',
      {
        ...route,
        schema: {
          tags: ['bank'],
          params: Params,
          body: z.strictObject({ count: z.number().int().min(0).max(1000), key: Key }),
          response: { 200: z.any(), ...errors },
        },
      },
      async (request) => events.refuseNextDeposits(ctx, { marketCode: request.params.code, ...request.body }),
    );
  };
}
