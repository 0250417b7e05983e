// What each kind of corporate instruction is: the fields its maker signs (read
// from the service's own records, never from the client), the permission it
// needs, the refusals known before signing, and what happens when it is
// approved — re-validated against the state at that moment.
import type { Kysely, Transaction } from 'kysely';
import type { InstructionDraft } from '../../src-shared/api/settlement';
import { AppError, type ErrorCode } from '../../src-shared/errors';
import { ASSIGNABLE_PERMISSIONS, type Permission } from '../../src-shared/menu';
import { balanceFromDb, MAX_BALANCE, type Fen } from '../../src-shared/money';
import { appendAudit } from '../audit/log';
import type { ServiceContext } from '../context';
import { balancesOf } from '../ledger/accounts';
import { requireSingleAmounts } from '../ledger/amounts';
import { placeHold } from '../ledger/holds';
import {
  cancelRefusals,
  checkBoundAccount,
  checkSignable,
  closeContract,
  openContract,
  ownContract,
  type ContractRow,
} from '../markets/contracts';
import { isSignedIn, marketAcceptsDeposit, marketById } from '../markets/markets';
import { postDeposit, postWithdrawal } from '../markets/money';
import type { Database, InstructionKind } from '../store/schema';

export const MAKER_PERMISSION: Record<InstructionKind, Permission> = {
  sign: 'ebank.settle.contract',
  cancel: 'ebank.settle.contract',
  deposit: 'ebank.settle.deposit',
  withdraw: 'ebank.settle.withdraw',
  menu: 'ebank.admin.operators',
};

export const CHECKER_PERMISSION: Record<InstructionKind, Permission> = {
  sign: 'ebank.authorize.review',
  cancel: 'ebank.authorize.review',
  deposit: 'ebank.authorize.review',
  withdraw: 'ebank.authorize.review',
  menu: 'ebank.admin.review',
};

export type Refusals = { code: ErrorCode; params?: Record<string, string | number> }[];

export interface Derived {
  /** Signed fields after "serial", in SIGNED_FIELDS order. */
  fields: Record<string, string | number>;
  marketId: number | null;
  contractId: number | null;
  amount: Fen | null;
  memberCode: string | null;
  /** Known now; submission is refused while any remains. */
  refusals: Refusals;
  /** A menu change: the target's assignable permissions before it, for the reviewer's added/removed. */
  before?: string[];
}

export interface Enterprise {
  id: number;
  name: string;
  credit_code: string;
  admin_mode: 'single' | 'dual';
}

async function accountNumber(db: Kysely<Database>, id: number): Promise<string> {
  return (await db.selectFrom('accounts').select('number').where('id', '=', id).executeTakeFirstOrThrow()).number;
}

export async function derive(
  db: Kysely<Database>,
  ctx: ServiceContext,
  enterprise: Enterprise,
  draft: InstructionDraft,
): Promise<Derived> {
  const owner = { enterpriseId: enterprise.id };
  switch (draft.kind) {
    case 'sign': {
      const market = await marketById(db, draft.marketId);
      await checkSignable(db, { marketId: market.id, memberCode: draft.memberCode, owner });
      const bound = await checkBoundAccount(db, enterprise.id, draft.boundAccountId);
      const pending = await db
        .selectFrom('instructions')
        .select('id')
        .where('enterprise_id', '=', enterprise.id)
        .where('market_id', '=', market.id)
        .where('kind', '=', 'sign')
        .where('state', '=', 'pending')
        .executeTakeFirst();
      return {
        fields: {
          enterprise: enterprise.credit_code,
          market: market.code,
          memberCode: draft.memberCode,
          boundAccount: bound.number,
        },
        marketId: market.id,
        contractId: null,
        amount: null,
        memberCode: draft.memberCode,
        refusals: pending ? [{ code: 'CONTRACT_SIGN_PENDING' }] : [],
      };
    }
    case 'cancel': {
      const contract = await ownContract(db, draft.contractId, owner);
      const market = await marketById(db, contract.market_id);
      return {
        fields: {
          enterprise: enterprise.credit_code,
          market: market.code,
          memberCode: contract.member_code,
          detailAccount: await accountNumber(db, contract.detail_account_id),
        },
        marketId: market.id,
        contractId: contract.id,
        amount: null,
        memberCode: contract.member_code,
        refusals: await cancelRefusals(db, ctx, contract),
      };
    }
    case 'deposit':
    case 'withdraw': {
      requireSingleAmounts({ amount: draft.amount });
      const contract = await ownContract(db, draft.contractId, owner);
      const market = await marketById(db, contract.market_id);
      if (!contract.bound_account_id) throw new AppError('BOUND_ACCOUNT_INVALID');
      const detail = await accountNumber(db, contract.detail_account_id);
      const bound = await accountNumber(db, contract.bound_account_id);
      const deposit = draft.kind === 'deposit';
      const refusals: Refusals = [];
      if (deposit && !isSignedIn(ctx, market))
        refusals.push({ code: 'MARKET_NOT_SIGNED_IN', params: { market: market.name, marketEn: market.name_en } });
      const source = await balancesOf(db, deposit ? contract.bound_account_id : contract.detail_account_id);
      if (source.available < draft.amount) refusals.push({ code: 'INSUFFICIENT_FUNDS' });
      const target = await balancesOf(db, deposit ? contract.detail_account_id : contract.bound_account_id);
      if (target.balance > MAX_BALANCE - draft.amount) refusals.push({ code: 'BALANCE_OUT_OF_RANGE' });
      return {
        fields: {
          enterprise: enterprise.credit_code,
          market: market.code,
          memberCode: contract.member_code,
          fromAccount: deposit ? bound : detail,
          toAccount: deposit ? detail : bound,
          amount: draft.amount,
        },
        marketId: market.id,
        contractId: contract.id,
        amount: draft.amount as Fen,
        memberCode: contract.member_code,
        refusals,
      };
    }
    case 'menu': {
      const target = await db.selectFrom('users').selectAll().where('id', '=', draft.targetUserId).executeTakeFirst();
      if (!target || target.enterprise_id !== enterprise.id) throw new AppError('USER_NOT_IN_ENTERPRISE');
      if (target.role === 'admin') throw new AppError('PERMISSION_NOT_ASSIGNABLE', { code: 'admin' });
      for (const code of draft.permissions) {
        if (!ASSIGNABLE_PERMISSIONS.includes(code as Permission))
          throw new AppError('PERMISSION_NOT_ASSIGNABLE', { code });
      }
      const current = (
        await db.selectFrom('user_permissions').select('code').where('user_id', '=', target.id).execute()
      ).map((r) => r.code);
      const wanted = [...new Set(draft.permissions)].sort();
      const unchanged =
        wanted.join(',') ===
        current
          .filter((c) => ASSIGNABLE_PERMISSIONS.includes(c as Permission))
          .sort()
          .join(',');
      return {
        fields: { enterprise: enterprise.credit_code, targetUser: target.login_name, permissions: wanted.join(',') },
        marketId: null,
        contractId: null,
        amount: null,
        memberCode: null,
        refusals: unchanged ? [{ code: 'MENU_UNCHANGED' }] : [],
        before: current.filter((c) => ASSIGNABLE_PERMISSIONS.includes(c as Permission)).sort(),
      };
    }
  }
}

/** Work done at submission: a withdrawal holds its amount while it waits. */
export async function onSubmit(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  draft: InstructionDraft,
  serial: string,
): Promise<number | null> {
  if (draft.kind !== 'withdraw') return null;
  const contract = await ownContractAnyOwner(trx, draft.contractId);
  return placeHold(trx, {
    accountId: contract.detail_account_id,
    amount: draft.amount as Fen,
    kind: 'withdraw',
    reference: `instruction:${serial}`,
    at: ctx.clock.nowIso(),
  });
}

async function ownContractAnyOwner(db: Kysely<Database>, id: number): Promise<ContractRow> {
  return db.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

export interface StoredInstruction {
  id: number;
  serial: string;
  kind: InstructionKind;
  enterprise_id: number;
  market_id: number | null;
  contract_id: number | null;
  amount: string | number | null;
  hold_id: number | null;
  payload: string;
}

/** Executes an approved instruction, re-validating it now; returns the journal entry, if money moved. */
export async function execute(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  instruction: StoredInstruction,
): Promise<number | null> {
  const draft = (JSON.parse(instruction.payload) as { draft: InstructionDraft }).draft;
  const reference = `instruction:${instruction.serial}`;
  const owner = { enterpriseId: instruction.enterprise_id };
  switch (draft.kind) {
    case 'sign': {
      await checkBoundAccount(trx, instruction.enterprise_id, draft.boundAccountId);
      await openContract(trx, ctx, {
        marketId: draft.marketId,
        memberCode: draft.memberCode,
        owner,
        boundAccountId: draft.boundAccountId,
      });
      return null;
    }
    case 'cancel': {
      await closeContract(trx, ctx, await ownContract(trx, draft.contractId, owner));
      return null;
    }
    case 'deposit': {
      const contract = await ownContract(trx, draft.contractId, owner);
      const market = await marketById(trx, contract.market_id);
      if (!isSignedIn(ctx, market))
        throw new AppError('MARKET_NOT_SIGNED_IN', { market: market.name, marketEn: market.name_en });
      if (!(await marketAcceptsDeposit(trx, market.id))) throw new AppError('MARKET_REFUSED');
      return postDeposit(trx, ctx, {
        contract,
        amount: balanceFromDb(instruction.amount),
        serial: instruction.serial,
        kind: 'deposit',
        reference,
      });
    }
    case 'withdraw': {
      const contract = await ownContract(trx, draft.contractId, owner);
      const market = await marketById(trx, contract.market_id);
      // The market is told, and reduces the member's available balance on its side.
      await appendAudit(trx, {
        at: ctx.clock.nowIso(),
        actor: `market:${market.code}`,
        action: 'market.withdrawalNotified',
        entity: 'instruction',
        entityId: instruction.serial,
        details: { memberCode: contract.member_code },
      });
      return postWithdrawal(trx, ctx, {
        contract,
        amount: balanceFromDb(instruction.amount),
        serial: instruction.serial,
        kind: 'withdraw',
        reference,
        holdId: instruction.hold_id ?? undefined,
      });
    }
    case 'menu': {
      await trx
        .deleteFrom('user_permissions')
        .where('user_id', '=', draft.targetUserId)
        .where('code', 'in', [...ASSIGNABLE_PERMISSIONS])
        .execute();
      const wanted = [...new Set(draft.permissions)];
      if (wanted.length > 0) {
        await trx
          .insertInto('user_permissions')
          .values(wanted.map((code) => ({ user_id: draft.targetUserId, code })))
          .execute();
      }
      return null;
    }
  }
}
