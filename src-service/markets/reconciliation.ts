// End of business day: a market's reconciliation file (对账) — deposits,
// withdrawals, clearing, each member's balance, and the summary custody
// account's total — whose totals tie to the ledger. Also the market's
// custody-account query (summary balance and its sub-accounts).
//
// Each line and each sub-account's balance is a safe integer; the totals are
// not balances (the summary account is a control total of all its
// sub-accounts, a day's deposits may be any number of maximum amounts), so they
// are added as BigInt and leave as decimal strings, never refused.
import type { Kysely } from 'kysely';
import type { CustodyReply, ReconciliationReply } from '../../src-shared/api/bank';
import { balanceFromDb, sumToWire, type Balance } from '../../src-shared/money';
import type { ServiceContext } from '../context';
import { lineSumsByAccount } from '../ledger/sums';
import type { Database } from '../store/schema';
import { marketByCode } from './markets';

export const DEPOSIT_KINDS = ['deposit', 'marketDeposit', 'incomingTransfer', 'recredit', 'allocate'];
export const WITHDRAW_KINDS = ['withdraw', 'marketWithdraw', 'transferOut'];
export const CLEARING_KINDS = ['clearing', 'trade'];

export type Reconciliation = ReconciliationReply;

export async function reconciliation(
  ctx: ServiceContext,
  marketCode: string,
  businessDate: string,
  db: Kysely<Database> = ctx.db,
): Promise<Reconciliation> {
  const market = await marketByCode(db, marketCode);
  const accounts = await db.selectFrom('accounts').selectAll().where('market_id', '=', market.id).execute();
  const contracts = await db
    .selectFrom('contracts')
    .select(['member_code', 'detail_account_id', 'status'])
    .where('market_id', '=', market.id)
    .execute();
  const codeOf = (accountId: number) => contracts.find((c) => c.detail_account_id === accountId)?.member_code ?? '';
  const ids = accounts.map((a) => a.id);
  const lines = ids.length
    ? await db
        .selectFrom('journal_lines')
        .innerJoin('journal_entries', 'journal_entries.id', 'journal_lines.entry_id')
        .select([
          'journal_entries.serial',
          'journal_entries.kind',
          'journal_lines.account_id',
          'journal_lines.debit',
          'journal_lines.credit',
        ])
        .where('journal_lines.account_id', 'in', ids)
        .where('journal_entries.business_date', '=', businessDate)
        .orderBy('journal_lines.id')
        .execute()
    : [];
  const detail = new Set(accounts.filter((a) => a.kind === 'member_detail').map((a) => a.id));
  const feeAccount = accounts.find((a) => a.kind === 'fee');
  type Line = Reconciliation['deposits'][number];
  const deposits: Line[] = [];
  const withdrawals: Line[] = [];
  const clearingBySerial = new Map<string, Reconciliation['clearing'][number]>();
  for (const l of lines) {
    const debit = balanceFromDb(l.debit);
    const credit = balanceFromDb(l.credit);
    if (DEPOSIT_KINDS.includes(l.kind) && detail.has(l.account_id) && credit > 0) {
      deposits.push({ serial: l.serial, kind: l.kind, memberCode: codeOf(l.account_id), amount: credit });
    } else if (WITHDRAW_KINDS.includes(l.kind) && detail.has(l.account_id) && debit > 0) {
      withdrawals.push({ serial: l.serial, kind: l.kind, memberCode: codeOf(l.account_id), amount: debit });
    } else if (CLEARING_KINDS.includes(l.kind)) {
      // A clearing or trade credits one payee and at most one fee line: each is one line's amount.
      const c = clearingBySerial.get(l.serial) ?? {
        serial: l.serial,
        kind: l.kind,
        amount: 0 as Balance,
        fee: 0 as Balance,
      };
      if (feeAccount && l.account_id === feeAccount.id) c.fee = credit;
      else if (detail.has(l.account_id) && credit > 0) c.amount = credit;
      clearingBySerial.set(l.serial, c);
    }
  }
  const balances = accounts
    .filter((a) => a.kind === 'member_detail')
    .map((a) => ({
      memberCode: codeOf(a.id),
      detailAccountNo: a.number,
      balance: balanceFromDb(a.balance),
      held: balanceFromDb(a.held),
      status: contracts.find((c) => c.detail_account_id === a.id)?.status ?? 'unknown',
    }));
  const sum = (xs: (number | bigint)[]) => xs.reduce<bigint>((a, b) => a + BigInt(b), 0n);
  const suspenseBalance = balanceFromDb(accounts.find((a) => a.kind === 'suspense')?.balance ?? 0);
  const feeBalance = balanceFromDb(feeAccount?.balance ?? 0);
  const members = sum(balances.map((b) => b.balance));
  const summary = members + BigInt(suspenseBalance) + BigInt(feeBalance);
  let ledgerSummary = 0n;
  for (const s of (await lineSumsByAccount(db, { accountIds: ids })).values()) ledgerSummary += s.credit - s.debit;
  const clearing = [...clearingBySerial.values()];
  return {
    market: { code: market.code, name: market.name, summaryAccountNo: market.summary_account_no },
    businessDate,
    deposits,
    withdrawals,
    clearing,
    balances,
    suspenseBalance,
    feeBalance,
    totals: {
      deposits: sumToWire(sum(deposits.map((d) => d.amount))),
      withdrawals: sumToWire(sum(withdrawals.map((w) => w.amount))),
      clearing: sumToWire(sum(clearing.map((c) => c.amount))),
      fees: sumToWire(sum(clearing.map((c) => c.fee))),
      members: sumToWire(members),
      summary: sumToWire(summary),
    },
    ledgerSummary: sumToWire(ledgerSummary),
    ties: ledgerSummary === summary,
  };
}

/** 交易市场存管账户查询: the summary custody account and its sub-accounts, now. */
export async function custodyAccount(
  ctx: ServiceContext,
  marketCode: string,
  db: Kysely<Database> = ctx.db,
): Promise<CustodyReply> {
  const file = await reconciliation(ctx, marketCode, ctx.clock.today(), db);
  return {
    market: file.market,
    summaryBalance: file.totals.summary,
    ledgerSummary: file.ledgerSummary,
    ties: file.ties,
    subAccounts: [
      ...file.balances.map((b) => ({
        kind: 'member_detail' as const,
        memberCode: b.memberCode,
        number: b.detailAccountNo,
        balance: b.balance,
        held: b.held,
        status: b.status,
      })),
      {
        kind: 'suspense' as const,
        memberCode: '',
        number: `${file.market.summaryAccountNo}-GZ`,
        balance: file.suspenseBalance,
        held: 0 as Balance,
        status: 'open',
      },
      {
        kind: 'fee' as const,
        memberCode: '',
        number: `${file.market.summaryAccountNo}-SX`,
        balance: file.feeBalance,
        held: 0 as Balance,
        status: 'open',
      },
    ],
  };
}
