// What a corporate user reads: the enterprise's settlement accounts, its member
// accounts (contracts and their detail sub-accounts), and the transactions of both.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorReply } from '../../src-shared/api/common';
import {
  AdminOperation,
  AdminOperationPreview,
  AdminOperationResult,
  CancelCheck,
  EnterpriseUser,
  DateRangeQuery,
  EnterpriseMarket,
  MemberAccount,
  MemberTxnQuery,
  SettlementAccount,
  Transaction,
  TransactionPage,
} from '../../src-shared/api/settlement';
import { AppError } from '../../src-shared/errors';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { balancesOf } from '../ledger/accounts';
import { resolveRange, statement, transactionDetail } from '../ledger/queries';
import { cancelRefusals, describeRefusals, memberAccountView, ownContract } from '../markets/contracts';
import { marketSummary } from '../markets/markets';
import { CLEARING_KINDS, DEPOSIT_KINDS, WITHDRAW_KINDS } from '../markets/reconciliation';
import { SignatureEnvelope } from '../../src-shared/signing';
import { enterpriseUsers, performAdminOperation, previewAdminOperation } from './users';

const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 422: ErrorReply };

export function categoryKinds(category: 'depositWithdraw' | 'clearing' | 'all'): string[] | undefined {
  if (category === 'depositWithdraw') return [...DEPOSIT_KINDS, ...WITHDRAW_KINDS];
  if (category === 'clearing') return CLEARING_KINDS;
  return undefined;
}

export function enterpriseRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  const enterpriseId = (request: Parameters<typeof requireSession>[0]) => {
    const id = requireSession(request).user.enterprise_id;
    if (!id) throw new AppError('FORBIDDEN');
    return id;
  };
  const settlementAccountIds = async (id: number) =>
    (
      await ctx.db
        .selectFrom('accounts')
        .select('id')
        .where('enterprise_id', '=', id)
        .where('kind', '=', 'settlement')
        .execute()
    ).map((a) => a.id);

  return async (app) => {
    app.get(
      '/ebank/markets',
      {
        schema: {
          tags: ['e-banking'],
          summary: 'Markets, with this enterprise’s contract and pending sign',
          response: { 200: z.array(EnterpriseMarket), ...errors },
        },
      },
      async (request) => {
        const id = enterpriseId(request);
        const markets = await ctx.db.selectFrom('markets').selectAll().orderBy('id').execute();
        const contracts = await ctx.db
          .selectFrom('contracts')
          .select(['id', 'market_id', 'member_code'])
          .where('enterprise_id', '=', id)
          .where('status', '=', 'active')
          .execute();
        const pending = await ctx.db
          .selectFrom('instructions')
          .select('market_id')
          .where('enterprise_id', '=', id)
          .where('kind', '=', 'sign')
          .where('state', '=', 'pending')
          .execute();
        return markets.map((m) => {
          const c = contracts.find((x) => x.market_id === m.id);
          return {
            ...marketSummary(ctx, m),
            contract: c ? { id: c.id, memberCode: c.member_code } : null,
            signPending: pending.some((p) => p.market_id === m.id),
          };
        });
      },
    );

    app.get(
      '/ebank/users',
      {
        config: { perm: 'ebank.admin.operators' },
        schema: {
          tags: ['e-banking'],
          summary: '操作员维护: the enterprise’s users',
          response: { 200: z.array(EnterpriseUser), ...errors },
        },
      },
      async (request) => enterpriseUsers(ctx, requireSession(request)),
    );

    const UserParams = z.object({ userId: z.coerce.number().int().positive() });
    app.post(
      '/ebank/users/:userId/operations/preview',
      {
        config: { perm: 'ebank.admin.operators' },
        schema: {
          tags: ['e-banking'],
          summary: 'The challenge to sign for unlocking a user or resetting a password',
          params: UserParams,
          body: z.strictObject({ operation: AdminOperation }),
          response: { 200: AdminOperationPreview, ...errors },
        },
      },
      async (request) =>
        previewAdminOperation(ctx, requireSession(request), request.params.userId, request.body.operation),
    );
    app.post(
      '/ebank/users/:userId/operations',
      {
        config: { perm: 'ebank.admin.operators' },
        schema: {
          tags: ['e-banking'],
          summary: 'Unlock a user or reset a password, signed by the administrator',
          params: UserParams,
          body: z.strictObject({ operation: AdminOperation, signature: SignatureEnvelope.optional() }),
          response: { 200: AdminOperationResult, ...errors },
        },
      },
      async (request) =>
        performAdminOperation(
          ctx,
          requireSession(request),
          request.params.userId,
          request.body.operation,
          request.body.signature,
        ),
    );

    app.get(
      '/ebank/accounts',
      {
        schema: {
          tags: ['e-banking'],
          summary: 'The enterprise’s settlement accounts at this bank',
          response: { 200: z.array(SettlementAccount), ...errors },
        },
      },
      async (request) => {
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
    );

    app.get(
      '/ebank/member-accounts',
      {
        config: { perm: 'ebank.settle.memberQuery' },
        schema: {
          tags: ['e-banking'],
          summary: '会员账户: contracts and their detail sub-accounts',
          querystring: z.object({ status: z.enum(['active', 'all']).default('active') }),
          response: { 200: z.array(MemberAccount), ...errors },
        },
      },
      async (request) => {
        let q = ctx.db.selectFrom('contracts').selectAll().where('enterprise_id', '=', enterpriseId(request));
        if (request.query.status === 'active') q = q.where('status', '=', 'active');
        const out = [];
        for (const c of await q.orderBy('id').execute()) out.push(await memberAccountView(ctx.db, ctx, c));
        return out;
      },
    );

    // Pages that move money need the accounts too: readable with any of these permissions.
    const accountReaders = [
      'ebank.settle.memberQuery',
      'ebank.settle.deposit',
      'ebank.settle.withdraw',
      'ebank.settle.contract',
    ] as const;
    const canRead = (request: Parameters<typeof requireSession>[0]) => {
      const perms = requireSession(request).permissions;
      if (!accountReaders.some((p) => perms.has(p))) throw new AppError('FORBIDDEN');
    };

    app.get(
      '/ebank/member-accounts/:contractId',
      {
        schema: {
          tags: ['e-banking'],
          summary: 'One member account',
          params: z.object({ contractId: z.coerce.number().int().positive() }),
          response: { 200: MemberAccount, ...errors },
        },
      },
      async (request) => {
        canRead(request);
        return memberAccountView(
          ctx.db,
          ctx,
          await ownContract(ctx.db, request.params.contractId, { enterpriseId: enterpriseId(request) }, false),
        );
      },
    );

    app.get(
      '/ebank/member-accounts/:contractId/cancel-check',
      {
        config: { perm: 'ebank.settle.contract' },
        schema: {
          tags: ['e-banking'],
          summary: 'Why the contract cannot be cancelled now, before anything is signed',
          params: z.object({ contractId: z.coerce.number().int().positive() }),
          response: { 200: CancelCheck, ...errors },
        },
      },
      async (request) => {
        const contract = await ownContract(ctx.db, request.params.contractId, { enterpriseId: enterpriseId(request) });
        const refusals = describeRefusals(await cancelRefusals(ctx.db, ctx, contract), request.lang);
        return { ok: refusals.length === 0, refusals };
      },
    );

    app.get(
      '/ebank/member-accounts/:contractId/transactions',
      {
        config: { perm: 'ebank.settle.memberQuery' },
        schema: {
          tags: ['e-banking'],
          summary: 'A member account’s transactions: today or history, deposit/withdraw or clearing',
          params: z.object({ contractId: z.coerce.number().int().positive() }),
          querystring: MemberTxnQuery,
          response: { 200: TransactionPage, ...errors },
        },
      },
      async (request) => {
        const contract = await ownContract(
          ctx.db,
          request.params.contractId,
          { enterpriseId: enterpriseId(request) },
          false,
        );
        const range = resolveRange(ctx, request.query);
        return statement(ctx.db, [contract.detail_account_id], {
          ...range,
          kinds: categoryKinds(request.query.category),
          page: request.query.page,
          pageSize: request.query.pageSize,
        });
      },
    );

    app.get(
      '/ebank/member-accounts/:contractId/transactions/:entryId',
      {
        config: { perm: 'ebank.settle.memberQuery' },
        schema: {
          tags: ['e-banking'],
          summary: 'One transaction of a member account',
          params: z.object({
            contractId: z.coerce.number().int().positive(),
            entryId: z.coerce.number().int().positive(),
          }),
          response: { 200: Transaction, ...errors },
        },
      },
      async (request) => {
        const contract = await ownContract(
          ctx.db,
          request.params.contractId,
          { enterpriseId: enterpriseId(request) },
          false,
        );
        return transactionDetail(ctx.db, [contract.detail_account_id], request.params.entryId);
      },
    );

    app.get(
      '/ebank/transactions',
      {
        config: { perm: 'ebank.query.txnDetail' },
        schema: {
          tags: ['e-banking'],
          summary: '交易明细: the enterprise’s bank-account transactions',
          querystring: DateRangeQuery,
          response: { 200: TransactionPage, ...errors },
        },
      },
      async (request) => {
        const range = resolveRange(ctx, request.query);
        return statement(ctx.db, await settlementAccountIds(enterpriseId(request)), {
          ...range,
          page: request.query.page,
          pageSize: request.query.pageSize,
        });
      },
    );

    app.get(
      '/ebank/transactions/:entryId',
      {
        config: { perm: 'ebank.query.txnDetail' },
        schema: {
          tags: ['e-banking'],
          summary: 'One bank-account transaction',
          params: z.object({ entryId: z.coerce.number().int().positive() }),
          response: { 200: Transaction, ...errors },
        },
      },
      async (request) =>
        transactionDetail(ctx.db, await settlementAccountIds(enterpriseId(request)), request.params.entryId),
    );
  };
}
