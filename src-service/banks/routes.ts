// The bank and branch lookup, open before login (registration and recovery use it).
import type { FastifyInstance } from 'fastify';
import { lookupRoutes as table } from '../../src-shared/routes/lookup';
import type { ServiceContext } from '../context';
import { registerRoutes } from '../http/routes';
import { cities, provinces } from './divisions';

export function lookupRoutes(ctx: ServiceContext) {
  const bankView = (b: { code: string; name: string; nameEn: string }) => ({
    code: b.code,
    name: b.name,
    nameEn: b.nameEn,
  });
  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'lookup.banks': () => ctx.branches.banks().map(bankView),
      'lookup.cardIssuer': (request) => {
        const bank = ctx.branches.issuerOfCard(request.query.cardNo);
        return { bank: bank ? bankView(bank) : null };
      },
      'lookup.branches': (request) =>
        ctx.branches.branches({ ...request.query, limit: 100 }).map((b) => ({
          cnaps: b.cnaps,
          bankCode: b.bankCode,
          name: b.name,
          nameEn: b.nameEn,
          province: b.province,
          city: b.city,
        })),
      'lookup.provinces': () => provinces(),
      'lookup.cities': (request) => cities(request.query.province),
    });
}
