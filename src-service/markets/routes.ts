// Markets as customers see them; the bank back office's routes (reconciliation
// files, the custody account, the member register), which need the bank key
// (x-bank-key); and the market API, where a market's own system sends its
// events, each request signed with the market's registered key.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { bankRoutes as bankTable } from '../../src-shared/routes/bank';
import { marketApiRoutes as marketApiTable } from '../../src-shared/routes/market-api';
import { marketRoutes as marketTable } from '../../src-shared/routes/markets';
import { AppError } from '../../src-shared/errors';
import type { Fen } from '../../src-shared/money';
import type { ServiceContext } from '../context';
import { registerRoutes } from '../http/routes';
import { clearingBatch } from './clearing-batch';
import * as events from './events';
import { listMarkets, registerMemberCode, setSignedIn } from './markets';
import { custodyAccount, reconciliation } from './reconciliation';
import { compareReconciliation, reconciliationFile } from './reconciliation-file';
import { authenticateMarket, bodyMatchesDigest } from './request-auth';

const fen = (n: number) => n as Fen;

export function marketRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) =>
    registerRoutes(app, marketTable, {
      'markets.list': () => listMarkets(ctx),
    });
}

/** The bank's back office, for the bank's own staff tools. Closed unless a bank key is configured. */
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
    registerRoutes(app, bankTable, {
      'bank.reconciliation': (request) =>
        reconciliation(ctx, request.params.code, request.query.date ?? ctx.clock.today()),
      'bank.custody': (request) => custodyAccount(ctx, request.params.code),
      'bank.members': (request) => registerMemberCode(ctx, { marketCode: request.params.code, ...request.body }),
    });
  };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The market API: the body's bytes as received, which the signed Content-Digest names. */
    rawBody?: Buffer;
  }
}

/** The market API: each request signed by the market's own key, which may act only on its own code. */
export function marketApiRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) => {
    // The body's exact bytes are kept for its digest, then parsed as every JSON body is.
    const parseJson = app.getDefaultJsonParser('error', 'error');
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      request.rawBody = body as Buffer;
      parseJson(request, request.rawBody.toString('utf8'), done);
    });
    // Before the body is read: who signed, with which key, for which market, and not before.
    app.addHook('onRequest', async (request) => {
      if (request.is404) return;
      await authenticateMarket(ctx, {
        method: request.method,
        url: request.url,
        headers: request.headers,
        marketCode: (request.params as { code?: string }).code ?? '',
      });
    });
    // Once the body is in, before it is validated: it is the body that was signed.
    app.addHook('preValidation', async (request) => bodyMatchesDigest(request.headers, request.rawBody ?? ''));
    const signIn = (signedIn: boolean) => async (request: { params: { code: string } }) => {
      await setSignedIn(ctx, request.params.code, signedIn);
      return { ok: true as const };
    };
    registerRoutes(app, marketApiTable, {
      'market.clearingBatch': (request) =>
        clearingBatch(ctx, {
          marketCode: request.params.code,
          key: request.body.key,
          lines: request.body.lines.map((l) => ({ ...l, amount: fen(l.amount), fee: fen(l.fee) })),
        }),
      'market.registerMember': (request) =>
        events.registerMember(ctx, { marketCode: request.params.code, ...request.body }),
      'market.memberAccount': (request) => events.memberAccount(ctx, request.params.code, request.params.memberCode),
      'market.custody': (request) => custodyAccount(ctx, request.params.code),
      'market.reconciliationFile': (request) => reconciliationFile(ctx, request.params.code, request.params.date),
      'market.compareReconciliation': (request) =>
        compareReconciliation(ctx, request.params.code, request.params.date, request.body.file),
      'market.request': (request) => events.requestOutcome(ctx, request.params.code, request.params.key),
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
    });
  };
}
