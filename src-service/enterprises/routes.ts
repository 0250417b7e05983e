// What a corporate user reads and administers in e-banking: the enterprise's
// settlement accounts and their transactions, and its users. The member accounts
// an enterprise shares with a member are in src-service/accounts/routes.ts.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../src-shared/errors';
import { ebankRoutes as table } from '../../src-shared/routes/ebank';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { registerRoutes } from '../http/routes';
import { balancesOf } from '../ledger/accounts';
import { settlementAccountIds } from './accounts';
import { resolveRange, statement, transactionDetail } from '../ledger/queries';
import { enterpriseUsers, performAdminOperation, previewAdminOperation } from './users';

export function enterpriseRoutes(ctx: ServiceContext) {
  const enterpriseId = (request: Parameters<typeof requireSession>[0]) => {
    const id = requireSession(request).user.enterprise_id;
    if (!id) throw new AppError('FORBIDDEN');
    return id;
  };

  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'ebank.accounts': async (request) => {
        const rows = await ctx.db
          .selectFrom('accounts')
          .selectAll()
          .where('enterprise_id', '=', enterpriseId(request))
          .where('kind', '=', 'settlement')
          .orderBy('id')
          .execute();
        const out = [];
        for (const a of rows) {
          const b = await balancesOf(ctx.db, a.id);
          out.push({ id: a.id, number: a.number, name: a.name, balance: b.balance, available: b.available });
        }
        return out;
      },
      'ebank.transactions': async (request) => {
        // One account at a time, as the manual's query: two accounts' rows in one list
        // made 交易后余额 jump between them.
        const own = await settlementAccountIds(ctx.db, enterpriseId(request));
        const chosen = request.query.accountId ?? own[0];
        if (chosen !== undefined && !own.includes(chosen)) throw new AppError('ACCOUNT_NOT_YOURS');
        const range = resolveRange(ctx, request.query);
        return statement(ctx.db, chosen === undefined ? [] : [chosen], {
          ...range,
          page: request.query.page,
          pageSize: request.query.pageSize,
        });
      },
      'ebank.transaction': async (request) =>
        transactionDetail(ctx.db, await settlementAccountIds(ctx.db, enterpriseId(request)), request.params.entryId),
      'ebank.users': (request) => enterpriseUsers(ctx, requireSession(request)),
      'ebank.userOperationPreview': (request) =>
        previewAdminOperation(ctx, requireSession(request), request.params.userId, request.body.operation),
      'ebank.userOperation': (request) =>
        performAdminOperation(
          ctx,
          requireSession(request),
          request.params.userId,
          request.body.operation,
          request.body.signature,
        ),
    });
}
