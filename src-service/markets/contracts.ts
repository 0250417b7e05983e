// Contracts (签约 / 解约) between a member and a market, for enterprises
// (through a maker-checker instruction) and platform members (single party)
// alike. Signing needs the member code in the market's register, belonging to
// this customer, and the right kind of bound account; it opens the detail
// sub-account and takes the virtual account and seat number from the market.
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { MemberAccount, Refusal } from '../../src-shared/api/settlement';
import { AppError, errorMessage, type ErrorCode, type ErrorParams, type Lang } from '../../src-shared/errors';
import { formatFen } from '../../src-shared/money';
import type { ServiceContext } from '../context';
import { balancesOf, openAccount } from '../ledger/accounts';
import { prepared, type Slots } from '../store/prepared';
import type { ContractsTable, Database } from '../store/schema';
import { marketById, marketSummary, type MarketRow } from './markets';
import { enqueueNotice } from './notices';

export type ContractRow = Selectable<ContractsTable>;

export type ContractOwner =
  { enterpriseId: number; memberId?: undefined } | { memberId: number; enterpriseId?: undefined };

export async function contractById(db: Kysely<Database>, id: number): Promise<ContractRow> {
  const contract = await db.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!contract) throw new AppError('CONTRACT_NOT_FOUND');
  return contract;
}

/** A contract of this owner, active unless said otherwise; another owner's contract does not exist for them. */
export async function ownContract(
  db: Kysely<Database>,
  id: number,
  owner: ContractOwner,
  activeOnly = true,
): Promise<ContractRow> {
  return owned(await contractById(db, id), owner, activeOnly);
}

function owned(contract: ContractRow, owner: ContractOwner, activeOnly: boolean): ContractRow {
  const mine =
    owner.enterpriseId !== undefined
      ? contract.enterprise_id === owner.enterpriseId
      : contract.member_id === owner.memberId;
  if (!mine) throw new AppError('CONTRACT_NOT_FOUND');
  if (activeOnly && contract.status !== 'active') throw new AppError('CONTRACT_NOT_ACTIVE');
  return contract;
}

const MARKET_COLUMNS = [
  'id',
  'code',
  'name',
  'name_en',
  'requires_trade_review',
  'signed_in_date',
  'summary_account_no',
  'summary_account_name',
  'summary_account_branch',
  'created_at',
  'auto_sign_in',
] as const satisfies readonly (keyof MarketRow)[];

const contractAndMarket = prepared((db, slot: Slots<{ id: number }>) =>
  db
    .selectFrom('contracts')
    .innerJoin('markets', 'markets.id', 'contracts.market_id')
    .selectAll('contracts')
    .select((eb) => MARKET_COLUMNS.map((c) => eb.ref(`markets.${c}`).as(`market__${c}`)))
    .where('contracts.id', '=', slot.id),
);

/**
 * An active contract of this owner and its market, in one read: what every
 * deposit and withdrawal reads, at its check and again in its transaction.
 */
export async function ownContractAndMarket(
  db: Kysely<Database>,
  id: number,
  owner: ContractOwner,
): Promise<{ contract: ContractRow; market: MarketRow }> {
  const row = await contractAndMarket.first(db, { id });
  if (!row) throw new AppError('CONTRACT_NOT_FOUND');
  const joined = row as unknown as Record<string, unknown>;
  const market = Object.fromEntries(MARKET_COLUMNS.map((c) => [c, joined[`market__${c}`]])) as MarketRow;
  const contract = Object.fromEntries(
    Object.entries(joined).filter(([name]) => !name.startsWith('market__')),
  ) as ContractRow;
  return { contract: owned(contract, owner, true), market };
}

async function ownerCertificateNo(db: Kysely<Database>, owner: ContractOwner): Promise<string> {
  if (owner.enterpriseId !== undefined) {
    return (
      await db
        .selectFrom('enterprises')
        .select('credit_code')
        .where('id', '=', owner.enterpriseId)
        .executeTakeFirstOrThrow()
    ).credit_code;
  }
  return (await db.selectFrom('members').select('cert_no').where('id', '=', owner.memberId).executeTakeFirstOrThrow())
    .cert_no;
}

/** The checks a sign request must pass, now and again when it is executed. */
export async function checkSignable(
  db: Kysely<Database>,
  input: { marketId: number; memberCode: string; owner: ContractOwner },
): Promise<Selectable<Database['market_members']>> {
  await marketById(db, input.marketId);
  const registered = await db
    .selectFrom('market_members')
    .selectAll()
    .where('market_id', '=', input.marketId)
    .where('member_code', '=', input.memberCode)
    .executeTakeFirst();
  if (!registered) throw new AppError('MEMBER_CODE_UNKNOWN', { memberCode: input.memberCode });
  if (registered.cert_no !== (await ownerCertificateNo(db, input.owner))) {
    throw new AppError('MEMBER_CODE_NOT_YOURS', { memberCode: input.memberCode });
  }
  let existing = db
    .selectFrom('contracts')
    .select('id')
    .where('market_id', '=', input.marketId)
    .where('status', '=', 'active');
  existing =
    input.owner.enterpriseId !== undefined
      ? existing.where('enterprise_id', '=', input.owner.enterpriseId)
      : existing.where('member_id', '=', input.owner.memberId!);
  if (await existing.executeTakeFirst()) throw new AppError('CONTRACT_EXISTS');
  const taken = await db
    .selectFrom('contracts')
    .select('id')
    .where('market_id', '=', input.marketId)
    .where('member_code', '=', input.memberCode)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (taken) throw new AppError('MEMBER_CODE_TAKEN', { memberCode: input.memberCode });
  return registered;
}

/** An enterprise's bound account must be its own same-name settlement account at this bank. */
export async function checkBoundAccount(db: Kysely<Database>, enterpriseId: number, accountId: number) {
  const account = await db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
  const enterprise = await db
    .selectFrom('enterprises')
    .select('name')
    .where('id', '=', enterpriseId)
    .executeTakeFirstOrThrow();
  if (
    !account ||
    account.kind !== 'settlement' ||
    account.enterprise_id !== enterpriseId ||
    account.name !== enterprise.name ||
    account.status !== 'open'
  ) {
    throw new AppError('BOUND_ACCOUNT_INVALID');
  }
  return account;
}

/** A platform member's bound card must be their own authenticated card at another bank. */
export async function openContract(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: { marketId: number; memberCode: string; owner: ContractOwner; boundAccountId?: number; boundCardId?: number },
): Promise<ContractRow> {
  const registered = await checkSignable(trx, input);
  const market = await marketById(trx, input.marketId);
  const now = ctx.clock.nowIso();
  const detail = await openAccount(trx, {
    kind: 'member_detail',
    name: registered.name,
    at: now,
    marketId: market.id,
    enterpriseId: input.owner.enterpriseId ?? null,
    memberId: input.owner.memberId ?? null,
    prefix: market.summary_account_no.slice(0, 6),
  });
  const row = await trx
    .insertInto('contracts')
    .values({
      market_id: market.id,
      member_code: input.memberCode,
      enterprise_id: input.owner.enterpriseId ?? null,
      member_id: input.owner.memberId ?? null,
      detail_account_id: detail.id,
      bound_account_id: input.boundAccountId ?? null,
      bound_card_id: input.boundCardId ?? null,
      virtual_account_no: registered.virtual_account_no,
      seat_no: registered.seat_no,
      status: 'active',
      signed_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await enqueueNotice(trx, now, {
    marketId: market.id,
    memberCode: input.memberCode,
    kind: 'contract.signed',
    payload: { memberCode: input.memberCode, virtualAccountNo: row.virtual_account_no, signedAt: now },
  });
  return row;
}

/**
 * Why a contract cannot be cancelled now, each refusal with its own code: a
 * balance (available or frozen) not zero, unfinished trades or open positions,
 * a dispute without the market's evidence, money moved in or out today.
 */
export async function cancelRefusals(
  db: Kysely<Database>,
  ctx: ServiceContext,
  contract: ContractRow,
): Promise<{ code: ErrorCode; params?: ErrorParams }[]> {
  const refusals: { code: ErrorCode; params?: ErrorParams }[] = [];
  const balances = await balancesOf(db, contract.detail_account_id);
  if (balances.balance !== 0) {
    refusals.push({
      code: 'CANCEL_BALANCE_NOT_ZERO',
      params: { balance: formatFen(balances.balance), frozen: formatFen(balances.frozen) },
    });
  }
  const register = await db
    .selectFrom('market_members')
    .selectAll()
    .where('market_id', '=', contract.market_id)
    .where('member_code', '=', contract.member_code)
    .executeTakeFirst();
  const pendingTrades = await db
    .selectFrom('b2b_trades')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'pending')
    .where((eb) => eb.or([eb('payer_contract_id', '=', contract.id), eb('payee_contract_id', '=', contract.id)]))
    .executeTakeFirstOrThrow();
  const trades = (register?.unfinished_trades ?? 0) + Number(pendingTrades.n);
  const positions = register?.open_positions ?? 0;
  if (trades > 0 || positions > 0) refusals.push({ code: 'CANCEL_UNFINISHED_TRADES', params: { trades, positions } });
  if (register?.dispute_open === 1 && register.dispute_evidence !== 1) refusals.push({ code: 'CANCEL_DISPUTE' });
  if (contract.last_money_date === ctx.clock.today()) refusals.push({ code: 'CANCEL_MONEY_MOVED_TODAY' });
  return refusals;
}

export function describeRefusals(refusals: { code: ErrorCode; params?: ErrorParams }[], lang: Lang): Refusal[] {
  return refusals.map((r) => ({ code: r.code, message: errorMessage(r.code, lang, r.params), params: r.params }));
}

/** Throws the first refusal (the others are shown by the pre-check). */
export async function assertCancellable(
  db: Kysely<Database>,
  ctx: ServiceContext,
  contract: ContractRow,
): Promise<void> {
  const [first] = await cancelRefusals(db, ctx, contract);
  if (first) throw new AppError(first.code, first.params);
}

export async function closeContract(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  contract: ContractRow,
): Promise<void> {
  await assertCancellable(trx, ctx, contract);
  const closed = await trx
    .updateTable('contracts')
    .set({ status: 'cancelled', cancelled_at: ctx.clock.nowIso() })
    .where('id', '=', contract.id)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (Number(closed.numUpdatedRows) !== 1) throw new AppError('CONTRACT_NOT_ACTIVE');
  await trx.updateTable('accounts').set({ status: 'closed' }).where('id', '=', contract.detail_account_id).execute();
  await enqueueNotice(trx, ctx.clock.nowIso(), {
    marketId: contract.market_id,
    memberCode: contract.member_code,
    kind: 'contract.cancelled',
    payload: { memberCode: contract.member_code, cancelledAt: ctx.clock.nowIso() },
  });
}

export async function memberAccountView(
  db: Kysely<Database>,
  ctx: ServiceContext,
  contract: ContractRow,
): Promise<MemberAccount> {
  const market = await marketById(db, contract.market_id);
  const detail = await db
    .selectFrom('accounts')
    .select('number')
    .where('id', '=', contract.detail_account_id)
    .executeTakeFirstOrThrow();
  const balances = await balancesOf(db, contract.detail_account_id);
  const bound = contract.bound_account_id
    ? await db
        .selectFrom('accounts')
        .select(['id', 'number', 'name'])
        .where('id', '=', contract.bound_account_id)
        .executeTakeFirst()
    : undefined;
  const card = contract.bound_card_id
    ? await db.selectFrom('cards').selectAll().where('id', '=', contract.bound_card_id).executeTakeFirst()
    : undefined;
  return {
    contractId: contract.id,
    market: marketSummary(ctx, market),
    memberCode: contract.member_code,
    detailAccountNo: detail.number,
    virtualAccountNo: contract.virtual_account_no,
    seatNo: contract.seat_no,
    balance: balances.balance,
    available: balances.available,
    frozen: balances.frozen,
    pendingWithdrawals: balances.pendingWithdrawals,
    status: contract.status,
    signedAt: contract.signed_at,
    cancelledAt: contract.cancelled_at,
    boundAccount: bound ? { id: bound.id, number: bound.number, name: bound.name } : null,
    boundCard: card ? { id: card.id, cardNo: maskCard(card.card_no), ...cardNames(card) } : null,
  };
}

/** A card's bank and branch in both languages; cards recorded before the English names fall back to the Chinese. */
export function cardNames(card: {
  bank_name: string;
  branch_name: string;
  bank_name_en: string | null;
  branch_name_en: string | null;
}) {
  return {
    bankName: card.bank_name,
    branchName: card.branch_name,
    bankNameEn: card.bank_name_en ?? card.bank_name,
    branchNameEn: card.branch_name_en ?? card.branch_name,
  };
}

export function maskCard(cardNo: string): string {
  return `${cardNo.slice(0, 4)} **** **** ${cardNo.slice(-4)}`;
}
