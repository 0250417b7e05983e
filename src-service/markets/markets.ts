// Trading markets: the business day's sign-in, their member registers, and the
// bank's view of each (summary custody account, suspense and fee sub-accounts).
import type { Kysely, Selectable } from 'kysely';
import type { MarketSummary } from '../../src-shared/api/settlement';
import { AppError } from '../../src-shared/errors';
import { appendAudit } from '../audit/log';
import type { ServiceContext } from '../context';
import type { Database, MarketsTable } from '../store/schema';
import { atomically } from '../store/tx';

export type MarketRow = Selectable<MarketsTable>;

export function isSignedIn(ctx: ServiceContext, market: MarketRow): boolean {
  return market.signed_in_date === ctx.clock.today();
}

export function marketSummary(ctx: ServiceContext, m: MarketRow): MarketSummary {
  return {
    id: m.id,
    code: m.code,
    name: m.name,
    nameEn: m.name_en,
    signedInToday: isSignedIn(ctx, m),
    requiresTradeReview: m.requires_trade_review === 1,
    summaryAccount: { number: m.summary_account_no, name: m.summary_account_name, branch: m.summary_account_branch },
  };
}

export async function marketById(db: Kysely<Database>, id: number): Promise<MarketRow> {
  const market = await db.selectFrom('markets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!market) throw new AppError('MARKET_NOT_FOUND');
  return market;
}

export async function marketByCode(db: Kysely<Database>, code: string): Promise<MarketRow> {
  const market = await db.selectFrom('markets').selectAll().where('code', '=', code).executeTakeFirst();
  if (!market) throw new AppError('MARKET_NOT_FOUND');
  return market;
}

export async function listMarkets(ctx: ServiceContext): Promise<MarketSummary[]> {
  const rows = await ctx.db.selectFrom('markets').selectAll().orderBy('id').execute();
  return rows.map((m) => marketSummary(ctx, m));
}

/** A market's sign-in (签到) or sign-out (签退) for today's business day. */
export async function setSignedIn(ctx: ServiceContext, code: string, signedIn: boolean): Promise<void> {
  await atomically(ctx.db, async (trx) => {
    const market = await marketByCode(trx, code);
    await trx
      .updateTable('markets')
      .set({ signed_in_date: signedIn ? ctx.clock.today() : null })
      .where('id', '=', market.id)
      .execute();
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: `market:${code}`,
      action: signedIn ? 'market.signIn' : 'market.signOut',
      entity: 'market',
      entityId: market.id,
      details: { businessDate: ctx.clock.today() },
    });
  });
}

const lastAutoSignIn = new WeakMap<object, string>();

/** Simulated markets that sign in by themselves do so once each business day. */
export async function autoSignIn(ctx: ServiceContext): Promise<void> {
  const today = ctx.clock.today();
  if (lastAutoSignIn.get(ctx.store) === today) return;
  const due = await ctx.db
    .selectFrom('markets')
    .select('code')
    .where('auto_sign_in', '=', 1)
    .where((eb) => eb.or([eb('signed_in_date', 'is', null), eb('signed_in_date', '!=', today)]))
    .execute();
  for (const m of due) await setSignedIn(ctx, m.code, true);
  lastAutoSignIn.set(ctx.store, today);
}

/** Registers a member code in a market's register (the market's own act, here simulated). */
export async function registerMemberCode(
  ctx: ServiceContext,
  input: { marketCode: string; memberCode: string; certNo: string; name: string },
): Promise<{ virtualAccountNo: string; seatNo: string }> {
  return atomically(ctx.db, async (trx) => {
    const market = await marketByCode(trx, input.marketCode);
    const n = (
      await trx
        .selectFrom('market_members')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('market_id', '=', market.id)
        .executeTakeFirstOrThrow()
    ).n;
    const virtualAccountNo = `${market.code}${String(Number(n) + 1).padStart(6, '0')}`;
    const seatNo = `${market.code.slice(0, 2)}${String(Number(n) + 1).padStart(4, '0')}`;
    await trx
      .insertInto('market_members')
      .values({
        market_id: market.id,
        member_code: input.memberCode,
        cert_no: input.certNo,
        name: input.name,
        virtual_account_no: virtualAccountNo,
        seat_no: seatNo,
        created_at: ctx.clock.nowIso(),
      })
      .execute();
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: `market:${market.code}`,
      action: 'market.registerMember',
      entity: 'market',
      entityId: market.id,
      details: { memberCode: input.memberCode },
    });
    return { virtualAccountNo, seatNo };
  });
}
