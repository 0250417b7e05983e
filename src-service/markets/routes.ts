// Markets as customers see them, and the bank back office's market API: the
// market simulator's events, reconciliation files and the custody-account
// query. The back-office routes need the bank key (x-bank-key).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { bankRoutes as bankTable } from '../../src-shared/routes/bank';
import { marketRoutes as marketTable } from '../../src-shared/routes/markets';
import { AppError } from '../../src-shared/errors';
import type { Fen } from '../../src-shared/money';
import type { ServiceContext } from '../context';
import { registerRoutes } from '../http/routes';
import * as events from './events';
import { listMarkets, registerMemberCode, setSignedIn } from './markets';
import { custodyAccount, reconciliation } from './reconciliation';

const fen = (n: number) => n as Fen;

export function marketRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) =>
    registerRoutes(app, marketTable, {
      'markets.list': () => listMarkets(ctx),
    });
}

/** The bank's back office (and the market simulator it drives). Closed unless a bank key is configured. */
export function bankRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) => {
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
    const signIn = (signedIn: boolean) => async (request: { params: { code: string } }) => {
      await setSignedIn(ctx, request.params.code, signedIn);
      return { ok: true as const };
    };
    registerRoutes(app, bankTable, {
      'bank.reconciliation': (request) =>
        reconciliation(ctx, request.params.code, request.query.date ?? ctx.clock.today()),
      'bank.custody': (request) => custodyAccount(ctx, request.params.code),
      'bank.members': (request) => registerMemberCode(ctx, { marketCode: request.params.code, ...request.body }),
      'market.signIn': signIn(true),
      'market.signOut': signIn(false),
      'market.incomingTransfer': (request) =>
        events.incomingTransfer(ctx, {
          marketCode: request.params.code,
          ...request.body,
          amount: fen(request.body.amount),
        }),
      'market.money': (request) =>
        events.marketMoney(ctx, { marketCode: request.params.code, ...request.body, amount: fen(request.body.amount) }),
      'market.clearing': (request) =>
        events.clearing(ctx, {
          marketCode: request.params.code,
          ...request.body,
          amount: fen(request.body.amount),
          fee: fen(request.body.fee),
        }),
      'market.b2bTrade': (request) =>
        events.b2bTrade(ctx, {
          marketCode: request.params.code,
          ...request.body,
          amount: fen(request.body.amount),
          fee: fen(request.body.fee),
        }),
      'market.freeze': (request) =>
        events.freeze(ctx, { marketCode: request.params.code, ...request.body, amount: fen(request.body.amount) }),
      'market.unfreeze': (request) => events.unfreeze(ctx, { marketCode: request.params.code, ...request.body }),
      'market.memberState': (request) => events.memberState(ctx, { marketCode: request.params.code, ...request.body }),
      'market.allocateSuspense': (request) =>
        events.allocateSuspense(ctx, { marketCode: request.params.code, ...request.body }),
      'market.refuseNext': (request) =>
        events.refuseNextDeposits(ctx, { marketCode: request.params.code, ...request.body }),
    });
  };
}
