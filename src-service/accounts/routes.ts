// What a corporate e-banking user and a member-system user share: the markets
// with their owner's contract, and the owner's member accounts with their
// transactions. The owner — the user's enterprise or the user's member — is
// resolved from the session in one place; the queries are the same for both.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { accountRoutes as table } from '../../src-shared/routes/accounts';
import { AppError } from '../../src-shared/errors';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { registerRoutes } from '../http/routes';
import { resolveRange, statement, transactionDetail } from '../ledger/queries';
import {
  cancelRefusals,
  type ContractOwner,
  describeRefusals,
  memberAccountView,
  ownContract,
} from '../markets/contracts';
import { marketSummary } from '../markets/markets';
import { CLEARING_KINDS, DEPOSIT_KINDS, WITHDRAW_KINDS } from '../markets/reconciliation';
import { memberActor } from '../members/verification';

/** The journal kinds of a member-account statement's category; every kind for 'all'. */
export function categoryKinds(category: 'depositWithdraw' | 'clearing' | 'all'): string[] | undefined {
  if (category === 'depositWithdraw') return [...DEPOSIT_KINDS, ...WITHDRAW_KINDS];
  if (category === 'clearing') return CLEARING_KINDS;
  return undefined;
}

/** Whose contracts the session's user reads: an e-banking user's enterprise, or a member user's member. */
export async function ownerOf(ctx: ServiceContext, request: FastifyRequest): Promise<ContractOwner> {
  const { user } = requireSession(request);
  if (user.enterprise_id) return { enterpriseId: user.enterprise_id };
  if (user.member_id) return { memberId: (await memberActor(ctx, user)).member.id };
  throw new AppError('FORBIDDEN');
}

export function accountRoutes(ctx: ServiceContext) {
  const owner = (request: FastifyRequest) => ownerOf(ctx, request);
  /** The owner's contracts, the active ones unless all are asked for. */
  const contractsOf = (who: ContractOwner, activeOnly: boolean) => {
    let q = ctx.db.selectFrom('contracts').selectAll();
    q =
      who.enterpriseId !== undefined
        ? q.where('enterprise_id', '=', who.enterpriseId)
        : q.where('member_id', '=', who.memberId);
    if (activeOnly) q = q.where('status', '=', 'active');
    return q.orderBy('id').execute();
  };
  /** The markets where an enterprise's sign instruction awaits review (a member signs at once). */
  const signPendingMarkets = async (who: ContractOwner): Promise<Set<number>> => {
    if (who.enterpriseId === undefined) return new Set();
    const rows = await ctx.db
      .selectFrom('instructions')
      .select('market_id')
      .where('enterprise_id', '=', who.enterpriseId)
      .where('kind', '=', 'sign')
      .where('state', '=', 'pending')
      .execute();
    return new Set(rows.map((r) => r.market_id).filter((id): id is number => id !== null));
  };

  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'accounts.markets': async (request) => {
        const who = await owner(request);
        const markets = await ctx.db.selectFrom('markets').selectAll().orderBy('id').execute();
        const contracts = await contractsOf(who, true);
        const pending = await signPendingMarkets(who);
        return markets.map((m) => {
          const c = contracts.find((x) => x.market_id === m.id);
          return {
            ...marketSummary(ctx, m),
            contract: c ? { id: c.id, memberCode: c.member_code } : null,
            signPending: pending.has(m.id),
          };
        });
      },
      'accounts.list': async (request) => {
        const contracts = await contractsOf(await owner(request), request.query.status === 'active');
        const out = [];
        for (const c of contracts) out.push(await memberAccountView(ctx.db, ctx, c));
        return out;
      },
      'accounts.get': async (request) =>
        memberAccountView(
          ctx.db,
          ctx,
          await ownContract(ctx.db, request.params.contractId, await owner(request), false),
        ),
      'accounts.cancelCheck': async (request) => {
        const contract = await ownContract(ctx.db, request.params.contractId, await owner(request));
        const refusals = describeRefusals(await cancelRefusals(ctx.db, ctx, contract), request.lang);
        return { ok: refusals.length === 0, refusals };
      },
      'accounts.transactions': async (request) => {
        const contract = await ownContract(ctx.db, request.params.contractId, await owner(request), false);
        const range = resolveRange(ctx, request.query);
        return statement(ctx.db, [contract.detail_account_id], {
          ...range,
          kinds: categoryKinds(request.query.category),
          page: request.query.page,
          pageSize: request.query.pageSize,
        });
      },
      'accounts.transaction': async (request) => {
        const contract = await ownContract(ctx.db, request.params.contractId, await owner(request), false);
        return transactionDetail(ctx.db, [contract.detail_account_id], request.params.entryId);
      },
    });
}
