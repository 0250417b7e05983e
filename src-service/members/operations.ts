// The member-management system's single-party operations: verified when
// submitted (USB-KEY signature for corporate members, SMS code for
// individuals) and effective at once — no reviewer. Each is described by the
// fields its verification covers, a check before verification, and its work.
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../src-shared/errors';
import type { ClosureItem } from '../../src-shared/api/members';
import { formatFen, type Balance } from '../../src-shared/money';
import { appendAudit } from '../audit/log';
import type { ServiceContext } from '../context';
import { accountByKind, accountNumber, balancesOf } from '../ledger/accounts';
import {
  cancelRefusals,
  checkSignable,
  closeContract,
  openContract,
  ownContract,
  type ContractRow,
} from '../markets/contracts';
import { marketById } from '../markets/markets';
import { postWithdrawal } from '../markets/money';
import { checkRecreditable, creditFromSuspense } from '../markets/suspense';
import { approveTrade, tradeById, TRADE_REVIEW_DAYS } from '../markets/trades';
import type { Database } from '../store/schema';
import { atomically } from '../store/tx';
import { addDays } from '../clock';
import { checkPassword } from '../auth/password-attempts';
import { hashPassword } from '../auth/passwords';
import { activateCard, checkCardFree, usableCard } from './cards';
import { verifyCode, verifySignature, type MemberActor, type MemberProof, type OperationFields } from './verification';

type Db = Kysely<Database>;

export interface MemberOperation<I, R> {
  name: string;
  /** The phone the SMS code goes to, when not the registered one (a phone change: the new phone). */
  codePhone?(input: I): string;
  /** The fields the verification covers; throws the refusals known before verification. */
  fields(db: Db, ctx: ServiceContext, actor: MemberActor, input: I): Promise<OperationFields>;
  run(trx: Transaction<Database>, ctx: ServiceContext, actor: MemberActor, input: I, serial: string): Promise<R>;
}

const blank = { market: '', memberCode: '', account: '', amount: 0, details: '' };

/** What every operation on a contract signs: its market and member code, and the account it names. */
async function contractFields(db: Db, operation: string, contract: ContractRow, account?: string) {
  const market = await marketById(db, contract.market_id);
  return {
    ...blank,
    operation,
    market: market.code,
    memberCode: contract.member_code,
    account: account ?? (await accountNumber(db, contract.detail_account_id)),
  };
}

async function cardNumber(db: Db, memberId: number, cardId: number) {
  const card = await usableCard(db, memberId, cardId);
  return card.card_no;
}

export const signContract: MemberOperation<
  { marketId: number; memberCode: string; cardId: number },
  { contractId: number; virtualAccountNo: string; seatNo: string }
> = {
  name: 'signContract',
  async fields(db, _ctx, actor, input) {
    const market = await marketById(db, input.marketId);
    await checkSignable(db, {
      marketId: market.id,
      memberCode: input.memberCode,
      owner: { memberId: actor.member.id },
    });
    return {
      ...blank,
      operation: this.name,
      market: market.code,
      memberCode: input.memberCode,
      account: await cardNumber(db, actor.member.id, input.cardId),
    };
  },
  async run(trx, ctx, actor, input) {
    const card = await usableCard(trx, actor.member.id, input.cardId);
    await checkCardFree(trx, card.card_no, actor.member.id);
    await activateCard(trx, input.cardId);
    const contract = await openContract(trx, ctx, {
      marketId: input.marketId,
      memberCode: input.memberCode,
      owner: { memberId: actor.member.id },
      boundCardId: input.cardId,
    });
    return { contractId: contract.id, virtualAccountNo: contract.virtual_account_no, seatNo: contract.seat_no };
  },
};

export const cancelContract: MemberOperation<{ contractId: number }, { contractId: number }> = {
  name: 'cancelContract',
  async fields(db, ctx, actor, input) {
    const contract = await ownContract(db, input.contractId, { memberId: actor.member.id });
    const [refusal] = await cancelRefusals(db, ctx, contract);
    if (refusal) throw new AppError(refusal.code, refusal.params);
    return contractFields(db, this.name, contract);
  },
  async run(trx, ctx, actor, input) {
    await closeContract(trx, ctx, await ownContract(trx, input.contractId, { memberId: actor.member.id }));
    return { contractId: input.contractId };
  },
};

export const changeBoundCard: MemberOperation<{ contractId: number; cardId: number }, { contractId: number }> = {
  name: 'changeBoundCard',
  async fields(db, _ctx, actor, input) {
    const contract = await ownContract(db, input.contractId, { memberId: actor.member.id });
    const old = contract.bound_card_id
      ? await db.selectFrom('cards').select('card_no').where('id', '=', contract.bound_card_id).executeTakeFirst()
      : undefined;
    return {
      ...(await contractFields(db, this.name, contract, await cardNumber(db, actor.member.id, input.cardId))),
      details: old?.card_no ?? '',
    };
  },
  async run(trx, _ctx, actor, input) {
    const card = await usableCard(trx, actor.member.id, input.cardId);
    await checkCardFree(trx, card.card_no, actor.member.id);
    await ownContract(trx, input.contractId, { memberId: actor.member.id });
    await activateCard(trx, input.cardId);
    await trx
      .updateTable('contracts')
      .set({ bound_card_id: input.cardId })
      .where('id', '=', input.contractId)
      .execute();
    return { contractId: input.contractId };
  },
};

export const reviewTrade: MemberOperation<{ tradeId: number }, { tradeId: number }> = {
  name: 'approveTrade',
  async fields(db, ctx, actor, input) {
    const trade = await tradeById(db, input.tradeId);
    const payer = await ownContract(db, trade.payer_contract_id, { memberId: actor.member.id }).catch(() => {
      throw new AppError('TRADE_NOT_FOUND');
    });
    if (trade.status !== 'pending') throw new AppError('TRADE_NOT_PENDING');
    if (trade.trade_date < addDays(ctx.clock.today(), -TRADE_REVIEW_DAYS)) throw new AppError('TRADE_EXPIRED');
    const market = await marketById(db, trade.market_id);
    return {
      ...blank,
      operation: this.name,
      market: market.code,
      memberCode: payer.member_code,
      account: await accountNumber(db, payer.detail_account_id),
      amount: Number(trade.amount) + Number(trade.fee),
      details: trade.serial,
    };
  },
  async run(trx, ctx, actor, input, serial) {
    const trade = await tradeById(trx, input.tradeId);
    await ownContract(trx, trade.payer_contract_id, { memberId: actor.member.id });
    await approveTrade(trx, ctx, input.tradeId, serial, `user:${actor.user.login_name}`);
    return { tradeId: input.tradeId };
  },
};

export const recreditSuspense: MemberOperation<{ recordId: number }, { recordId: number }> = {
  name: 'recreditSuspense',
  async fields(db, _ctx, actor, input) {
    const { record, contract } = await checkRecreditable(db, input.recordId, actor.member.id);
    // The suspense record's market is the contract's (checkRecreditable matched them).
    return {
      ...(await contractFields(db, this.name, contract)),
      amount: Number(record.amount),
      details: record.serial,
    };
  },
  async run(trx, ctx, actor, input, serial) {
    const { contract } = await checkRecreditable(trx, input.recordId, actor.member.id);
    await creditFromSuspense(trx, ctx, {
      recordId: input.recordId,
      contract,
      how: 'recredited',
      serial,
      actor: `user:${actor.user.login_name}`,
    });
    return { recordId: input.recordId };
  },
};

export const setTransferOutCard: MemberOperation<{ cardId: number }, { cardId: number }> = {
  name: 'setTransferOutCard',
  async fields(db, _ctx, actor, input) {
    return { ...blank, operation: this.name, account: await cardNumber(db, actor.member.id, input.cardId) };
  },
  async run(trx, _ctx, actor, input) {
    await usableCard(trx, actor.member.id, input.cardId);
    await activateCard(trx, input.cardId);
    await trx
      .updateTable('members')
      .set({ transfer_out_card_id: input.cardId })
      .where('id', '=', actor.member.id)
      .execute();
    return { cardId: input.cardId };
  },
};

/** Moves the whole available balance of a contract's detail sub-account to the transfer-out card. */
export const transferOut: MemberOperation<{ contractId: number }, { amount: number }> = {
  name: 'transferOut',
  async fields(db, _ctx, actor, input) {
    const member = await db
      .selectFrom('members')
      .select('transfer_out_card_id')
      .where('id', '=', actor.member.id)
      .executeTakeFirstOrThrow();
    if (!member.transfer_out_card_id) throw new AppError('TRANSFER_OUT_CARD_MISSING');
    const contract = await ownContract(db, input.contractId, { memberId: actor.member.id });
    const { available } = await balancesOf(db, contract.detail_account_id);
    if (available <= 0) throw new AppError('INSUFFICIENT_FUNDS');
    const card = await cardNumber(db, actor.member.id, member.transfer_out_card_id);
    return { ...(await contractFields(db, this.name, contract, card)), amount: available };
  },
  async run(trx, ctx, actor, input, serial) {
    const contract = await ownContract(trx, input.contractId, { memberId: actor.member.id });
    const { available } = await balancesOf(trx, contract.detail_account_id);
    if (available <= 0) throw new AppError('INSUFFICIENT_FUNDS');
    await postWithdrawal(trx, ctx, {
      contract,
      amount: available,
      serial,
      kind: 'transferOut',
      reference: `member:${serial}`,
      to: await accountByKind(trx, 'other_banks'),
    });
    return { amount: available };
  },
};

/** What stands between a member and closing their account: balances left and contracts standing. */
export async function closureRemaining(db: Db, memberId: number): Promise<ClosureItem[]> {
  const contracts = await db
    .selectFrom('contracts')
    .innerJoin('markets', 'markets.id', 'contracts.market_id')
    .select(['contracts.detail_account_id', 'contracts.status', 'markets.code', 'markets.name', 'markets.name_en'])
    .where('contracts.member_id', '=', memberId)
    .execute();
  const remaining: ClosureItem[] = [];
  for (const c of contracts) {
    const market = { code: c.code, name: c.name, nameEn: c.name_en };
    const { balance } = await balancesOf(db, c.detail_account_id);
    if (balance !== 0) remaining.push({ kind: 'balance', market, amount: balance });
    if (c.status === 'active') remaining.push({ kind: 'contract', market });
  }
  return remaining;
}

/** The refusal's words, for the error message (the client words the check's items itself). */
function closureRefusal(items: ClosureItem[], lang: 'zh-CN' | 'en'): AppError {
  const words = items.map((item) => {
    const name = lang === 'en' ? item.market.nameEn : item.market.name;
    if (item.kind === 'balance') {
      const amount = formatFen(item.amount as Balance);
      return lang === 'en' ? `balance ${amount} at ${name}` : `${name}余额 ${amount}`;
    }
    return lang === 'en' ? `contract with ${name} not cancelled` : `与${name}的签约未解约`;
  });
  return new AppError('CLOSE_REFUSED', { remaining: words.join(lang === 'en' ? '; ' : '；') });
}

export const closeAccount: MemberOperation<{ lang?: 'zh-CN' | 'en' }, { closed: true }> = {
  name: 'closeAccount',
  async fields(db, _ctx, actor, input) {
    const remaining = await closureRemaining(db, actor.member.id);
    if (remaining.length > 0) throw closureRefusal(remaining, input.lang ?? 'zh-CN');
    return { ...blank, operation: this.name, details: actor.member.name };
  },
  async run(trx, ctx, actor, input) {
    const remaining = await closureRemaining(trx, actor.member.id);
    if (remaining.length > 0) throw closureRefusal(remaining, input.lang ?? 'zh-CN');
    await trx.updateTable('members').set({ status: 'closed' }).where('id', '=', actor.member.id).execute();
    await trx.updateTable('users').set({ status: 'closed' }).where('member_id', '=', actor.member.id).execute();
    await trx
      .updateTable('sessions')
      .set({ ended_at: ctx.clock.nowIso(), end_reason: 'closed' })
      .where('user_id', '=', actor.user.id)
      .where('ended_at', 'is', null)
      .execute();
    return { closed: true as const };
  },
};

// ── self-service (自助服务) ────────────────────────────────────────────────

/** 客户信息维护: contact details; the identity fields are not the member's to change. */
export const updateInfo: MemberOperation<{ contactName: string; address: string; email?: string }, { updated: true }> =
  {
    name: 'updateInfo',
    async fields(_db, _ctx, _actor, input) {
      return {
        ...blank,
        operation: this.name,
        details: [input.contactName, input.address, input.email ?? ''].join(' | '),
      };
    },
    async run(trx, _ctx, actor, input) {
      await trx
        .updateTable('members')
        .set({ contact_name: input.contactName, address: input.address, email: input.email ?? null })
        .where('id', '=', actor.member.id)
        .execute();
      return { updated: true as const };
    },
  };

async function checkNewLoginName(db: Db, input: { newLoginName: string; confirmLoginName: string }, current: string) {
  if (input.newLoginName !== input.confirmLoginName) throw new AppError('LOGIN_NAME_MISMATCH');
  if (input.newLoginName === current) throw new AppError('LOGIN_NAME_SAME');
  const taken = await db
    .selectFrom('users')
    .select('id')
    .where('login_name', '=', input.newLoginName)
    .executeTakeFirst();
  if (taken) throw new AppError('LOGIN_NAME_TAKEN');
}

/** 用户名修改: the new name twice and the password, then verified. */
export const changeLoginName: MemberOperation<
  { newLoginName: string; confirmLoginName: string; password: string },
  { loginName: string }
> = {
  name: 'changeLoginName',
  async fields(db, ctx, actor, input) {
    await checkNewLoginName(db, input, actor.user.login_name);
    await checkPassword(ctx, actor.user, input.password, () => new AppError('AUTH_OLD_PASSWORD_WRONG'));
    return { ...blank, operation: this.name, details: input.newLoginName };
  },
  async run(trx, _ctx, actor, input) {
    await checkNewLoginName(trx, input, actor.user.login_name);
    await trx.updateTable('users').set({ login_name: input.newLoginName }).where('id', '=', actor.user.id).execute();
    return { loginName: input.newLoginName };
  },
};

/** 密码修改: typed twice, equal, not the old one, then verified. */
export const changePassword: MemberOperation<
  { oldPassword: string; newPassword: string; confirmPassword: string },
  { changed: true }
> = {
  name: 'changePassword',
  async fields(_db, ctx, actor, input) {
    if (input.newPassword !== input.confirmPassword) throw new AppError('AUTH_PASSWORD_MISMATCH');
    if (input.newPassword === input.oldPassword) throw new AppError('AUTH_PASSWORD_REUSED');
    await checkPassword(ctx, actor.user, input.oldPassword, () => new AppError('AUTH_OLD_PASSWORD_WRONG'));
    return { ...blank, operation: this.name };
  },
  async run(trx, _ctx, actor, input) {
    const hash = await hashPassword(input.newPassword);
    await trx
      .updateTable('users')
      .set({ password_hash: hash, must_change_password: 0 })
      .where('id', '=', actor.user.id)
      .execute();
    return { changed: true as const };
  },
};

/** 手机号码修改 (individuals): a new authenticated card reserved to the new phone; the code goes to the new phone. */
export const changePhone: MemberOperation<{ cardId: number; newPhone: string }, { phone: string }> = {
  name: 'changePhone',
  codePhone: (input) => input.newPhone,
  async fields(db, _ctx, actor, input) {
    if (actor.member.member_type !== 'individual') throw new AppError('FORBIDDEN');
    if (input.newPhone === actor.member.phone) throw new AppError('PHONE_SAME');
    const card = await usableCard(db, actor.member.id, input.cardId);
    if (card.phone !== input.newPhone) throw new AppError('BOUND_CARD_INVALID');
    return { ...blank, operation: this.name, account: card.card_no, details: input.newPhone };
  },
  async run(trx, _ctx, actor, input) {
    const card = await usableCard(trx, actor.member.id, input.cardId);
    if (card.phone !== input.newPhone) throw new AppError('BOUND_CARD_INVALID');
    await activateCard(trx, input.cardId);
    await trx.updateTable('members').set({ phone: input.newPhone }).where('id', '=', actor.member.id).execute();
    return { phone: input.newPhone };
  },
};

/** What an operation's record keeps of its input: never a password. */
function recorded(input: unknown): unknown {
  if (!input || typeof input !== 'object') return input;
  return Object.fromEntries(Object.entries(input).filter(([key]) => !/password/i.test(key)));
}

/** Verifies and performs an operation in one transaction, and records it with its proof. */
export async function performOperation<I, R>(
  ctx: ServiceContext,
  actor: MemberActor,
  op: MemberOperation<I, R>,
  input: I,
  proof: MemberProof | undefined,
): Promise<R & { serial: string }> {
  const fields = await op.fields(ctx.db, ctx, actor, input);
  await verifyCode(ctx, actor, op.name, proof, op.codePhone?.(input));
  return atomically(ctx.db, async (trx) => {
    const tctx = { ...ctx, db: trx };
    const verified = await verifySignature(tctx, actor, fields, proof);
    const serial = verified.serial ?? (await ctx.serials.next(trx, ctx.clock.today()));
    const result = await op.run(trx, tctx, actor, input, serial);
    await trx
      .insertInto('member_operations')
      .values({
        serial,
        member_id: actor.member.id,
        user_id: actor.user.id,
        kind: op.name,
        verified_by: verified.by,
        proof: verified.proof,
        payload: JSON.stringify({ input: recorded(input), fields }),
        created_at: ctx.clock.nowIso(),
      })
      .execute();
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: `user:${actor.user.login_name}`,
      action: `member.${op.name}`,
      entity: 'member',
      entityId: actor.member.id,
      details: { serial, verifiedBy: verified.by, ...fields },
    });
    return { ...result, serial };
  });
}
