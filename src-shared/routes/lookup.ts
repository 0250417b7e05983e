// The bank and branch lookup, open before login (registration and recovery use it).
import { z } from 'zod';
import { Bank, Branch, BranchQuery, Division } from '../api/registration';
import { defineRoutes } from './define';

export const CardIssuerQuery = z.strictObject({ cardNo: z.string().regex(/^\d{6,19}$/) });
export const CardIssuer = z.object({ bank: Bank.nullable() });
export const CitiesQuery = z.strictObject({ province: z.string().regex(/^\d{6}$/) });

export const lookupRoutes = defineRoutes('lookup', {
  'lookup.banks': {
    method: 'GET',
    path: '/lookup/banks',
    reply: z.array(Bank),
    audience: 'desktop',
    auth: 'none',
    summary: 'Banks',
  },
  'lookup.cardIssuer': {
    method: 'GET',
    path: '/lookup/card-issuer',
    input: CardIssuerQuery,
    reply: CardIssuer,
    audience: 'desktop',
    auth: 'none',
    summary: 'The issuing bank of a card number, by its BIN',
  },
  'lookup.branches': {
    method: 'GET',
    path: '/lookup/branches',
    input: BranchQuery,
    reply: z.array(Branch),
    audience: 'desktop',
    auth: 'none',
    summary: 'Branches of a bank, by province, city and keyword',
  },
  'lookup.provinces': {
    method: 'GET',
    path: '/lookup/provinces',
    reply: z.array(Division),
    audience: 'desktop',
    auth: 'none',
    summary: 'Provinces',
  },
  'lookup.cities': {
    method: 'GET',
    path: '/lookup/cities',
    input: CitiesQuery,
    reply: z.array(Division),
    audience: 'desktop',
    auth: 'none',
    summary: 'Cities of a province',
  },
});
