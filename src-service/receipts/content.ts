// What a receipt says, read from the service's own records for the user who
// asks — never from what a client sends — with the same ownership and
// permission rules as the detail the receipt is of.
import { AppError } from '../../src-shared/errors';
import type { ReceiptKey, ReceiptKind, ReceiptSubject } from '../../src-shared/receipts';
import type { ServiceContext } from '../context';
import type { SessionContext } from '../http/context';
import { mayUse } from '../http/guard';
import { instructionDetail } from '../instructions/service';
import { transactionDetail } from '../ledger/queries';
import { ownContract } from '../markets/contracts';
import { memberActor } from '../members/verification';
import { settlementAccountIds } from '../enterprises/accounts';

export interface ReceiptContent {
  kind: ReceiptKind;
  /** One receipt per subject: the key of its row. */
  subject: string;
  lines: { key: ReceiptKey; value: string }[];
}

type Lines = ReceiptContent['lines'];

function push(lines: Lines, key: ReceiptKey, value: string | number | null | undefined) {
  if (value !== null && value !== undefined && value !== '') lines.push({ key, value: String(value) });
}

export async function receiptContent(
  ctx: ServiceContext,
  session: SessionContext,
  subject: ReceiptSubject,
): Promise<ReceiptContent> {
  const { user } = session;
  if (subject.kind === 'instruction') {
    const i = await instructionDetail(ctx, session, subject.id, 'zh-CN');
    const lines: Lines = [];
    push(lines, 'serial', i.serial);
    push(lines, 'time', i.decidedAt ?? i.createdAt);
    push(lines, 'businessDate', i.businessDate);
    push(lines, 'kind', i.kind);
    push(lines, 'state', i.state);
    if (i.market) push(lines, 'market', `${i.market.code} ${i.market.name}`);
    push(lines, 'memberCode', i.memberCode);
    for (const key of [
      'fromAccount',
      'toAccount',
      'boundAccount',
      'detailAccount',
      'targetUser',
      'permissions',
    ] as const)
      push(lines, key, i.fields[key] as string | number | undefined);
    push(lines, 'amount', i.amount);
    push(lines, 'maker', i.maker.displayName);
    push(lines, 'checker', i.checker?.displayName);
    push(lines, 'rejectReason', i.rejectReason);
    // one receipt per state: the receipt of a submitted instruction stays what it said then
    return { kind: 'instruction', subject: `instruction:${i.id}:${i.state}`, lines };
  }
  if (subject.kind === 'transaction') {
    let accountIds: number[];
    if (subject.contractId === undefined) {
      if (!user.enterprise_id || !mayUse(session.permissions, 'ebank.query.txnDetail')) throw new AppError('FORBIDDEN');
      accountIds = await settlementAccountIds(ctx.db, user.enterprise_id);
    } else {
      if (!mayUse(session.permissions, ['ebank.settle.memberQuery', 'member.ledger'])) throw new AppError('FORBIDDEN');
      const owner = user.enterprise_id
        ? { enterpriseId: user.enterprise_id }
        : { memberId: (await memberActor(ctx, user)).member.id };
      accountIds = [(await ownContract(ctx.db, subject.contractId, owner, false)).detail_account_id];
    }
    const t = await transactionDetail(ctx.db, accountIds, subject.entryId);
    const lines: Lines = [];
    push(lines, 'serial', t.serial);
    push(lines, 'time', t.createdAt);
    push(lines, 'businessDate', t.businessDate);
    push(lines, 'kind', t.kind);
    push(lines, 'direction', t.direction);
    push(lines, 'account', t.account.number);
    push(lines, 'accountName', t.account.name);
    push(lines, 'counterpartyAccount', t.counterparty?.number);
    push(lines, 'counterpartyName', t.counterparty?.name);
    push(lines, 'amount', t.amount);
    push(lines, 'balanceAfter', t.balanceAfter);
    return { kind: 'transaction', subject: `transaction:${t.entryId}:${t.account.number}`, lines };
  }
  const actor = await memberActor(ctx, user);
  const row = await ctx.db
    .selectFrom('member_operations')
    .select(['serial', 'kind', 'payload', 'created_at'])
    .where('serial', '=', subject.serial)
    .where('member_id', '=', actor.member.id)
    .executeTakeFirst();
  if (!row) throw new AppError('NOT_FOUND');
  const fields = (JSON.parse(row.payload) as { fields?: Record<string, unknown> }).fields ?? {};
  const lines: Lines = [];
  push(lines, 'serial', row.serial);
  push(lines, 'time', row.created_at);
  push(lines, 'operation', row.kind);
  push(lines, 'market', fields.market as string | undefined);
  push(lines, 'memberCode', fields.memberCode as string | undefined);
  push(lines, 'account', fields.account as string | undefined);
  push(lines, 'details', fields.details as string | undefined);
  if (Number(fields.amount) > 0) push(lines, 'amount', Number(fields.amount));
  return { kind: 'memberOperation', subject: `memberOperation:${row.serial}`, lines };
}
