// 挂账: money that arrives from another bank into a market's summary account
// and cannot be credited to a member — the market has not signed in, it
// refuses, or the payer's card is bound to nobody — waits in the market's
// suspense sub-account with the reason. The member re-credits their own
// bound-card records (once each); the market allocates the others.
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { balanceFromDb, type Fen } from '../../src-shared/money';
import { appendAudit } from '../audit/log';
import type { ServiceContext } from '../context';
import { accountByKind } from '../ledger/accounts';
import { postEntry } from '../ledger/post';
import type { Database, SuspenseReason } from '../store/schema';
import type { ContractRow } from './contracts';

export async function toSuspense(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: {
    marketId: number;
    amount: Fen;
    cardNo: string;
    payerName: string;
    reason: SuspenseReason;
    memberId: number | null;
    contractId: number | null;
  },
): Promise<number> {
  const today = ctx.clock.today();
  const serial = await ctx.serials.next(trx, today);
  await postEntry(trx, {
    serial,
    kind: 'suspense',
    businessDate: today,
    createdAt: ctx.clock.nowIso(),
    memo: `${input.reason} ${input.cardNo}`,
    reference: `suspense:${serial}`,
    lines: [
      { accountId: await accountByKind(trx, 'other_banks'), debit: input.amount },
      { accountId: await accountByKind(trx, 'suspense', input.marketId), credit: input.amount },
    ],
  });
  const record = await trx
    .insertInto('suspense_records')
    .values({
      serial,
      market_id: input.marketId,
      amount: input.amount,
      payer_card_no: input.cardNo,
      payer_name: input.payerName,
      reason: input.reason,
      member_id: input.memberId,
      contract_id: input.contractId,
      status: 'open',
      business_date: today,
      created_at: ctx.clock.nowIso(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return record.id;
}

export async function suspenseRecord(db: Kysely<Database>, id: number) {
  const record = await db.selectFrom('suspense_records').selectAll().where('id', '=', id).executeTakeFirst();
  if (!record) throw new AppError('SUSPENSE_NOT_FOUND');
  return record;
}

/** Credits a suspense record to a member's detail sub-account; a record moves once only. */
export async function creditFromSuspense(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  input: { recordId: number; contract: ContractRow; how: 'recredited' | 'allocated'; serial: string; actor: string },
): Promise<number> {
  const record = await suspenseRecord(trx, input.recordId);
  if (record.market_id !== input.contract.market_id) throw new AppError('SUSPENSE_NOT_FOUND');
  const claimed = await trx
    .updateTable('suspense_records')
    .set({ status: input.how, resolved_at: ctx.clock.nowIso() })
    .where('id', '=', record.id)
    .where('status', '=', 'open')
    .executeTakeFirst();
  if (Number(claimed.numUpdatedRows) !== 1) throw new AppError('SUSPENSE_ALREADY_RESOLVED');
  const amount = balanceFromDb(record.amount);
  const today = ctx.clock.today();
  const entryId = await postEntry(trx, {
    serial: input.serial,
    kind: input.how === 'recredited' ? 'recredit' : 'allocate',
    businessDate: today,
    createdAt: ctx.clock.nowIso(),
    memo: `suspense ${record.serial}`,
    reference: `suspense:${record.serial}`,
    lines: [
      { accountId: await accountByKind(trx, 'suspense', record.market_id), debit: amount },
      { accountId: input.contract.detail_account_id, credit: amount },
    ],
  });
  await trx.updateTable('suspense_records').set({ resolved_entry_id: entryId }).where('id', '=', record.id).execute();
  // A re-credit is money moved in today: the contract cannot be cancelled today.
  await trx.updateTable('contracts').set({ last_money_date: today }).where('id', '=', input.contract.id).execute();
  await appendAudit(trx, {
    at: ctx.clock.nowIso(),
    actor: input.actor,
    action: `suspense.${input.how}`,
    entity: 'suspense',
    entityId: record.serial,
    details: { contract: input.contract.id, amount },
  });
  return entryId;
}

/**
 * The member may re-credit only their own records: money that came from the
 * card bound to them when it arrived (a record from a card bound to nobody
 * has no member, and only the market can allocate it).
 */
export async function checkRecreditable(db: Kysely<Database>, recordId: number, memberId: number) {
  const record = await suspenseRecord(db, recordId);
  if (record.member_id !== memberId || record.reason === 'unboundCard') throw new AppError('SUSPENSE_NOT_YOURS');
  if (record.status !== 'open') throw new AppError('SUSPENSE_ALREADY_RESOLVED');
  const contract = await db
    .selectFrom('contracts')
    .selectAll()
    .where('market_id', '=', record.market_id)
    .where('member_id', '=', memberId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!contract) throw new AppError('SUSPENSE_MEMBER_NOT_SIGNED');
  return { record, contract };
}
