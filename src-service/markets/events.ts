// What a market's system asks of the bank (here driven by the market
// simulator): incoming transfers from other banks, market-initiated deposits
// and withdrawals, clearing between members with fees, freezes, B2B trades,
// trade and dispute state, suspense allocation. Every event carries the market's
// request key, unique per market: the same key and body return the first result,
// another body or operation 409, and the outcome can be asked for by key.
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../src-shared/errors';
import type { Balance, Fen } from '../../src-shared/money';
import { appendAudit, canonicalJson } from '../audit/log';
import type { ServiceContext } from '../context';
import { accountByKind, balancesOf } from '../ledger/accounts';
import { requireSingleAmounts } from '../ledger/amounts';
import { placeHold, voidHold } from '../ledger/holds';
import { postEntry, type EntryLine } from '../ledger/post';
import type { Database } from '../store/schema';
import { atomically, isUniqueViolation } from '../store/tx';
import type { ContractRow } from './contracts';
import { isSignedIn, marketByCode, registerMemberCode, type MarketRow } from './markets';
import { postDeposit, postWithdrawal } from './money';
import { creditFromSuspense, toSuspense } from './suspense';
import { pushTrade } from './trades';
import { askMarket, type MarketAnswer } from './acceptance';
import { enqueueNotice } from './notices';

async function contractByCode(trx: Transaction<Database>, market: MarketRow, memberCode: string): Promise<ContractRow> {
  const contract = await trx
    .selectFrom('contracts')
    .selectAll()
    .where('market_id', '=', market.id)
    .where('member_code', '=', memberCode)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!contract) throw new AppError('CONTRACT_NOT_FOUND');
  return contract;
}

/** What a request's body is compared by, when its key comes again. */
export function eventHash(marketCode: string, body: Record<string, unknown>): string {
  return createHash('sha256')
    .update(canonicalJson({ market: marketCode, ...body }))
    .digest('hex');
}

/** Runs a market event once per idempotency key, in one transaction with its record. */
export async function marketEvent<T, B = undefined>(
  ctx: ServiceContext,
  input: { kind: string; marketCode: string; key: string; body: Record<string, unknown> },
  work: (trx: Transaction<Database>, market: MarketRow, tctx: ServiceContext, before: B | undefined) => Promise<T>,
  /** Run once the key is known to be new and before the transaction: an HTTP question, never inside one. */
  before?: (market: MarketRow) => Promise<B>,
): Promise<T> {
  const hash = eventHash(input.marketCode, input.body);
  // A request key is the market's own: unique per market, across its operations.
  const outside = await marketByCode(ctx.db, input.marketCode);
  const marketId = outside.id;
  const replay = async () => {
    const row = await ctx.db
      .selectFrom('market_events')
      .selectAll()
      .where('market_id', '=', marketId)
      .where('idempotency_key', '=', input.key)
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.kind !== input.kind || row.body_hash !== hash) throw new AppError('IDEMPOTENCY_MISMATCH');
    return { value: JSON.parse(row.result) as T };
  };
  const first = await replay();
  if (first) return first.value;
  const prepared = before ? await before(outside) : undefined;
  try {
    return await atomically(ctx.db, async (trx) => {
      const market = await marketByCode(trx, input.marketCode);
      const tctx = { ...ctx, db: trx };
      const result = await work(trx, market, tctx, prepared);
      await trx
        .insertInto('market_events')
        .values({
          market_id: market.id,
          kind: input.kind,
          idempotency_key: input.key,
          body_hash: hash,
          result: JSON.stringify(result ?? null),
          created_at: ctx.clock.nowIso(),
        })
        .execute();
      await appendAudit(trx, {
        at: ctx.clock.nowIso(),
        actor: `market:${market.code}`,
        action: `market.${input.kind}`,
        entity: 'market',
        entityId: market.id,
        details: { key: input.key, ...input.body },
      });
      return result;
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      const twin = await replay();
      if (twin) return twin.value;
    }
    throw error;
  }
}

/** A member code registered in the market's register, once per request key. */
export function registerMember(
  ctx: ServiceContext,
  input: { marketCode: string; memberCode: string; certNo: string; name: string; key: string },
) {
  return marketEvent(
    ctx,
    { kind: 'registerMember', marketCode: input.marketCode, key: input.key, body: { ...input } },
    (_trx, _market, tctx) => registerMemberCode(tctx, input),
  );
}

/** A member's account as its market sees it: the contract's numbers and the detail sub-account's figures. */
export async function memberAccount(ctx: ServiceContext, marketCode: string, memberCode: string) {
  const market = await marketByCode(ctx.db, marketCode);
  const contract = await ctx.db
    .selectFrom('contracts')
    .select(['member_code', 'virtual_account_no', 'seat_no', 'signed_at', 'detail_account_id'])
    .where('market_id', '=', market.id)
    .where('member_code', '=', memberCode)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!contract) throw new AppError('CONTRACT_NOT_FOUND');
  const figures = await balancesOf(ctx.db, contract.detail_account_id);
  return {
    memberCode: contract.member_code,
    virtualAccountNo: contract.virtual_account_no,
    seatNo: contract.seat_no,
    signedAt: contract.signed_at,
    balance: figures.balance,
    available: figures.available,
    frozen: figures.frozen,
  };
}

/** What became of a market's request, by its request key: for an answer the market never received. */
export async function requestOutcome(ctx: ServiceContext, marketCode: string, key: string) {
  const market = await marketByCode(ctx.db, marketCode);
  const row = await ctx.db
    .selectFrom('market_events')
    .select(['kind', 'idempotency_key', 'created_at', 'result'])
    .where('market_id', '=', market.id)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
  if (!row) throw new AppError('REQUEST_KEY_UNKNOWN');
  return {
    key: row.idempotency_key,
    operation: row.kind,
    at: row.created_at,
    result: JSON.parse(row.result) as unknown,
  };
}

export interface IncomingTransfer {
  marketCode: string;
  cardNo: string;
  payerName: string;
  amount: Fen;
  key: string;
}

/**
 * A transfer from another bank's card into the market's summary account: to the
 * member's detail sub-account when the card is a member's bound card and the
 * market is signed in and accepts; otherwise to the suspense sub-account with the reason.
 */
export async function incomingTransfer(ctx: ServiceContext, input: IncomingTransfer) {
  requireSingleAmounts({ amount: input.amount });
  const boundContract = (db: Kysely<Database>, market: MarketRow) =>
    db
      .selectFrom('contracts')
      .innerJoin('cards', 'cards.id', 'contracts.bound_card_id')
      .selectAll('contracts')
      .where('contracts.market_id', '=', market.id)
      .where('contracts.status', '=', 'active')
      .where('cards.card_no', '=', input.cardNo)
      .where('cards.status', '=', 'active')
      .executeTakeFirst();
  return marketEvent(
    ctx,
    { kind: 'incomingTransfer', marketCode: input.marketCode, key: input.key, body: { ...input } },
    async (trx, market, tctx, answer: MarketAnswer | undefined) => {
      const contract = await boundContract(trx, market);
      if (!contract) {
        const id = await toSuspense(trx, tctx, {
          marketId: market.id,
          amount: input.amount,
          cardNo: input.cardNo,
          payerName: input.payerName,
          reason: 'unboundCard',
          memberId: null,
          contractId: null,
        });
        return { outcome: 'suspense' as const, reason: 'unboundCard', suspenseId: id };
      }
      const refusedBy = answer === 'refused' || answer === 'noAnswer' ? answer : null;
      const reason = !isSignedIn(tctx, market) ? 'notSignedIn' : refusedBy ? 'marketRefused' : null;
      if (reason) {
        const id = await toSuspense(trx, tctx, {
          marketId: market.id,
          amount: input.amount,
          cardNo: input.cardNo,
          payerName: input.payerName,
          reason,
          memberId: contract.member_id,
          contractId: contract.id,
        });
        // A market that refused, or did not answer in time, is told where the money went: an
        // acceptance arriving after the time is too late to count.
        if (refusedBy)
          await enqueueNotice(trx, tctx.clock.nowIso(), {
            marketId: market.id,
            memberCode: contract.member_code,
            kind: 'transfer.suspended',
            payload: { key: input.key, memberCode: contract.member_code, amount: input.amount, answer: refusedBy },
          });
        return { outcome: 'suspense' as const, reason, suspenseId: id, ...(refusedBy ? { answer: refusedBy } : {}) };
      }
      const serial = await tctx.serials.next(trx, tctx.clock.today());
      await postDeposit(trx, tctx, {
        contract,
        amount: input.amount,
        serial,
        kind: 'incomingTransfer',
        reference: `event:${input.key}`,
        memo: input.cardNo,
      });
      return { outcome: 'credited' as const, contractId: contract.id, serial };
    },
    async (market) => {
      // Asked only when the money would otherwise reach the member: a bound card, a signed-in market.
      if (!market.acceptance_url || !isSignedIn(ctx, market)) return 'accepted';
      const contract = await boundContract(ctx.db, market);
      if (!contract) return 'accepted';
      return askMarket(ctx, market, {
        key: input.key,
        memberCode: contract.member_code,
        amount: input.amount,
        payerName: input.payerName,
        cardTail: input.cardNo.slice(-4),
      });
    },
  );
}

/** Market-initiated deposit or withdrawal: the same rules as the client's, no reviewer. */
export async function marketMoney(
  ctx: ServiceContext,
  input: { direction: 'deposit' | 'withdraw'; marketCode: string; memberCode: string; amount: Fen; key: string },
) {
  requireSingleAmounts({ amount: input.amount });
  const kind = input.direction === 'deposit' ? 'marketDeposit' : 'marketWithdraw';
  return marketEvent(
    ctx,
    { kind, marketCode: input.marketCode, key: input.key, body: { ...input } },
    async (trx, market, tctx) => {
      if (!isSignedIn(tctx, market))
        throw new AppError('MARKET_NOT_SIGNED_IN', { market: { 'zh-CN': market.name, en: market.name_en } });
      const contract = await contractByCode(trx, market, input.memberCode);
      const serial = await tctx.serials.next(trx, tctx.clock.today());
      const args = { contract, amount: input.amount, serial, kind, reference: `event:${input.key}` };
      if (input.direction === 'deposit') await postDeposit(trx, tctx, args);
      else await postWithdrawal(trx, tctx, args);
      return { serial };
    },
  );
}

/** Clearing: a transfer between two members' detail sub-accounts, the fee (paid by the payer) to the fee sub-account. */
export async function clearing(
  ctx: ServiceContext,
  input: { marketCode: string; payerCode: string; payeeCode: string; amount: Fen; fee: Fen; key: string },
) {
  requireSingleAmounts({ amount: input.amount }, { fee: input.fee });
  return marketEvent(
    ctx,
    { kind: 'clearing', marketCode: input.marketCode, key: input.key, body: { ...input } },
    async (trx, market, tctx) => {
      if (input.payerCode === input.payeeCode)
        throw new AppError('VALIDATION', { detail: 'payer and payee are the same member' });
      const payer = await contractByCode(trx, market, input.payerCode);
      const payee = await contractByCode(trx, market, input.payeeCode);
      const serial = await tctx.serials.next(trx, tctx.clock.today());
      const lines: EntryLine[] = [
        // the payer's one debit is the amount and its fee together: at most twice MAX_FEN, a Balance
        { accountId: payer.detail_account_id, debit: (input.amount + input.fee) as Balance },
        { accountId: payee.detail_account_id, credit: input.amount },
      ];
      if (input.fee > 0) lines.push({ accountId: await accountByKind(trx, 'fee', market.id), credit: input.fee });
      await postEntry(trx, {
        serial,
        kind: 'clearing',
        businessDate: tctx.clock.today(),
        createdAt: tctx.clock.nowIso(),
        memo: `${input.payerCode} → ${input.payeeCode}`,
        reference: `event:${input.key}`,
        lines,
      });
      return { serial };
    },
  );
}

export async function freeze(
  ctx: ServiceContext,
  input: { marketCode: string; memberCode: string; amount: Fen; key: string },
) {
  requireSingleAmounts({ amount: input.amount });
  return marketEvent(
    ctx,
    { kind: 'freeze', marketCode: input.marketCode, key: input.key, body: { ...input } },
    async (trx, market, tctx) => {
      const contract = await contractByCode(trx, market, input.memberCode);
      const holdId = await placeHold(trx, {
        accountId: contract.detail_account_id,
        amount: input.amount,
        kind: 'freeze',
        reference: `freeze:${input.key}`,
        at: tctx.clock.nowIso(),
      });
      return { holdId };
    },
  );
}

/** Releases a freeze, named by the key of the freeze event. */
export async function unfreeze(ctx: ServiceContext, input: { marketCode: string; freezeKey: string; key: string }) {
  return marketEvent(
    ctx,
    { kind: 'unfreeze', marketCode: input.marketCode, key: input.key, body: { ...input } },
    async (trx, market, tctx) => {
      const hold = await trx
        .selectFrom('holds')
        .innerJoin('accounts', 'accounts.id', 'holds.account_id')
        .select(['holds.id'])
        .where('holds.reference', '=', `freeze:${input.freezeKey}`)
        .where('accounts.market_id', '=', market.id)
        .executeTakeFirst();
      if (!hold || !(await voidHold(trx, hold.id, tctx.clock.nowIso()))) throw new AppError('HOLD_NOT_PENDING');
      return { released: hold.id };
    },
  );
}

export async function b2bTrade(
  ctx: ServiceContext,
  input: {
    marketCode: string;
    payerCode: string;
    payeeCode: string;
    amount: Fen;
    fee: Fen;
    description: string;
    key: string;
  },
) {
  requireSingleAmounts({ amount: input.amount }, { fee: input.fee });
  return marketEvent(
    ctx,
    { kind: 'b2bTrade', marketCode: input.marketCode, key: input.key, body: { ...input } },
    async (trx, market, tctx) => {
      if (market.requires_trade_review !== 1)
        throw new AppError('VALIDATION', { detail: 'this market does not use trade review' });
      const payer = await contractByCode(trx, market, input.payerCode);
      const payee = await contractByCode(trx, market, input.payeeCode);
      return pushTrade(trx, tctx, {
        marketId: market.id,
        payer,
        payee,
        amount: input.amount,
        fee: input.fee,
        description: input.description,
      });
    },
  );
}

/** The market's word on a member: unfinished trades, open positions, a dispute and its evidence. */
export async function memberState(
  ctx: ServiceContext,
  input: {
    marketCode: string;
    memberCode: string;
    unfinishedTrades?: number;
    openPositions?: number;
    disputeOpen?: boolean;
    disputeEvidence?: boolean;
    key: string;
  },
) {
  return marketEvent(
    ctx,
    { kind: 'memberState', marketCode: input.marketCode, key: input.key, body: { ...input } },
    async (trx, market) => {
      const set: Record<string, number> = {};
      if (input.unfinishedTrades !== undefined) set.unfinished_trades = input.unfinishedTrades;
      if (input.openPositions !== undefined) set.open_positions = input.openPositions;
      if (input.disputeOpen !== undefined) set.dispute_open = input.disputeOpen ? 1 : 0;
      if (input.disputeEvidence !== undefined) set.dispute_evidence = input.disputeEvidence ? 1 : 0;
      const updated = await trx
        .updateTable('market_members')
        .set(set)
        .where('market_id', '=', market.id)
        .where('member_code', '=', input.memberCode)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1)
        throw new AppError('MEMBER_CODE_UNKNOWN', { memberCode: input.memberCode });
      return { ok: true };
    },
  );
}

/** The market allocates a suspense record (one from a card bound to nobody, or any other) to a member. */
export async function allocateSuspense(
  ctx: ServiceContext,
  input: { marketCode: string; suspenseId: number; memberCode: string; key: string },
) {
  return marketEvent(
    ctx,
    { kind: 'allocateSuspense', marketCode: input.marketCode, key: input.key, body: { ...input } },
    async (trx, market, tctx) => {
      const contract = await contractByCode(trx, market, input.memberCode);
      const serial = await tctx.serials.next(trx, tctx.clock.today());
      await creditFromSuspense(trx, tctx, {
        recordId: input.suspenseId,
        contract,
        how: 'allocated',
        serial,
        actor: `market:${market.code}`,
      });
      return { serial };
    },
  );
}
