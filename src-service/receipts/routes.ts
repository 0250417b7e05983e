import type { FastifyInstance } from 'fastify';
import { receiptRoutes as table } from '../../src-shared/routes/receipts';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { registerRoutes } from '../http/routes';
import { issueReceipt, lookUpReceipt, receiptCertificates } from './issue';

export function receiptRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'receipts.issue': (request) => issueReceipt(ctx, requireSession(request), request.body),
      'receipts.lookup': (request) => lookUpReceipt(ctx, request.params.code, request.ip),
      'receipts.certificates': () => receiptCertificates(ctx),
    });
}
