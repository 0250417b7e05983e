// The bank and branch lookup, open before login (registration and recovery use it).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorReply } from '../../src-shared/api/common';
import { Bank, Branch, BranchQuery, Division } from '../../src-shared/api/registration';
import type { ServiceContext } from '../context';
import { cities, provinces } from './divisions';

const errors = { 400: ErrorReply };
const open = { auth: 'none' as const };

export function lookupRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  const bankView = (b: { code: string; name: string; nameEn: string }) => ({
    code: b.code,
    name: b.name,
    nameEn: b.nameEn,
  });
  return async (app) => {
    app.get(
      '/lookup/banks',
      { config: open, schema: { tags: ['lookup'], summary: 'Banks', response: { 200: z.array(Bank) } } },
      async () => ctx.branches.banks().map(bankView),
    );
    app.get(
      '/lookup/card-issuer',
      {
        config: open,
        schema: {
          tags: ['lookup'],
          summary: 'The issuing bank of a card number, by its BIN',
          querystring: z.strictObject({ cardNo: z.string().regex(/^\d{6,19}$/) }),
          response: { 200: z.object({ bank: Bank.nullable() }), ...errors },
        },
      },
      async (request) => {
        const bank = ctx.branches.issuerOfCard(request.query.cardNo);
        return { bank: bank ? bankView(bank) : null };
      },
    );
    app.get(
      '/lookup/branches',
      {
        config: open,
        schema: {
          tags: ['lookup'],
          summary: 'Branches of a bank, by province, city and keyword',
          querystring: BranchQuery,
          response: { 200: z.array(Branch), ...errors },
        },
      },
      async (request) =>
        ctx.branches.branches({ ...request.query, limit: 100 }).map((b) => ({
          cnaps: b.cnaps,
          bankCode: b.bankCode,
          name: b.name,
          nameEn: b.nameEn,
          province: b.province,
          city: b.city,
        })),
    );
    app.get(
      '/lookup/provinces',
      { config: open, schema: { tags: ['lookup'], summary: 'Provinces', response: { 200: z.array(Division) } } },
      async () => provinces(),
    );
    app.get(
      '/lookup/cities',
      {
        config: open,
        schema: {
          tags: ['lookup'],
          summary: 'Cities of a province',
          querystring: z.strictObject({ province: z.string().regex(/^\d{6}$/) }),
          response: { 200: z.array(Division), ...errors },
        },
      },
      async (request) => cities(request.query.province),
    );
  };
}
