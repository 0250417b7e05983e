// Demo mode only: the simulated SMS inbox, the markets as the bank sees them,
// and a transfer from a member's card at another bank (a simulator of the card
// network). A market's own acts come through the market API, from the demo's
// market simulator. A service started without --demo has none of these.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Fen } from '../../src-shared/money';
import { demoRoutes as table } from '../../src-shared/routes/demo';
import type { ServiceContext } from '../context';
import { registerRoutes } from '../http/routes';
import * as events from '../markets/events';
import { listMarkets } from '../markets/markets';

const key = () => `demo-${randomBytes(8).toString('hex')}`;

export function demoToolRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'demo.sms': async (request) => {
        const { phone } = request.query;
        const rows = await ctx.db
          .selectFrom('sms_outbox')
          .selectAll()
          .$if(phone !== undefined, (q) => q.where('phone', '=', phone!))
          .orderBy('id', 'desc')
          .limit(30)
          .execute();
        return rows.map((r) => ({ id: r.id, phone: r.phone, text: r.text, createdAt: r.created_at }));
      },

      'demo.markets': () => listMarkets(ctx),

      'demo.incomingTransfer': async (request) => {
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
    });
}
