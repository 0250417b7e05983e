// Demo mode only: the simulated SMS inbox, and a market's own acts for trying
// the member system by hand (sign in or out, a transfer from a member's card
// at another bank, a B2B trade). A service started without --demo has none of these.
import { randomBytes } from 'node:crypto';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorReply } from '../../src-shared/api/common';
import { DemoEventResult, DemoIncomingTransfer, DemoTrade, SmsInboxQuery, SmsMessage } from '../../src-shared/api/demo';
import { MarketSummary } from '../../src-shared/api/settlement';
import type { Fen } from '../../src-shared/money';
import type { ServiceContext } from '../context';
import * as events from '../markets/events';
import { listMarkets, setSignedIn } from '../markets/markets';

const errors = { 400: ErrorReply, 404: ErrorReply, 422: ErrorReply };
const hidden = { config: { auth: 'none' as const } };
const key = () => `demo-${randomBytes(8).toString('hex')}`;

export function demoToolRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/__demo/sms',
      {
        ...hidden,
        schema: { hide: true, querystring: SmsInboxQuery, response: { 200: z.array(SmsMessage) } },
      },
      async (request) => {
        const rows = await ctx.db
          .selectFrom('sms_outbox')
          .selectAll()
          .$if(request.query.phone !== undefined, (q) => q.where('phone', '=', request.query.phone!))
          .orderBy('id', 'desc')
          .limit(30)
          .execute();
        return rows.map((r) => ({ id: r.id, phone: r.phone, text: r.text, createdAt: r.created_at }));
      },
    );

    app.get(
      '/__demo/markets',
      { ...hidden, schema: { hide: true, response: { 200: z.array(MarketSummary) } } },
      async () => listMarkets(ctx),
    );

    app.post(
      '/__demo/markets/:code/:act',
      {
        ...hidden,
        schema: {
          hide: true,
          params: z.strictObject({ code: z.string().max(16), act: z.enum(['sign-in', 'sign-out']) }),
          response: { 200: z.array(MarketSummary), ...errors },
        },
      },
      async (request) => {
        await setSignedIn(ctx, request.params.code, request.params.act === 'sign-in');
        return listMarkets(ctx);
      },
    );

    app.post(
      '/__demo/incoming-transfer',
      { ...hidden, schema: { hide: true, body: DemoIncomingTransfer, response: { 200: DemoEventResult, ...errors } } },
      async (request) => {
        const b = request.body;
        const result = await events.incomingTransfer(ctx, {
          marketCode: b.marketCode,
          cardNo: b.cardNo,
          payerName: b.payerName,
          amount: b.amount as Fen,
          key: key(),
        });
        const r = result as { outcome: string; reason?: string; serial?: string };
        return { serial: r.serial ?? null, outcome: r.reason ? `${r.outcome}:${r.reason}` : r.outcome };
      },
    );

    app.post(
      '/__demo/b2b-trade',
      { ...hidden, schema: { hide: true, body: DemoTrade, response: { 200: DemoEventResult, ...errors } } },
      async (request) => {
        const b = request.body;
        const trade = (await events.b2bTrade(ctx, {
          ...b,
          amount: b.amount as Fen,
          fee: b.fee as Fen,
          key: key(),
        })) as { serial?: string };
        return { serial: trade.serial ?? null, outcome: 'pending' };
      },
    );
  };
}
