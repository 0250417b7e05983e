// End of business day: a market's reconciliation file (对账) — deposits,
// withdrawals, clearing, each member's balance, and the summary custody
// account's total — whose totals tie to the ledger. Also the market's
// custody-account query (summary balance and its sub-accounts).
import type { Kysely } from 'kysely';
import { fenFromDb, type Fen } from '../../src-shared/money';
import type { ServiceContext } from '../context';
import type { Database } from '../store/schema';
import { marketByCode } from './markets';

export const DEPOSIT_KINDS = ['deposit', 'marketDeposit', 'incomingTransfer', 'recredit', 'allocate'];
export const WITHDRAW_KINDS = ['withdraw', 'marketWithdraw', 'transferOut'];
export const CLEARING_KINDS = ['clearing', 'trade'];

export interface ReconLine {
  serial: string;
  kind: string;
  memberCode: string;
  amount: Fen;
}

export interface Reconciliation {
  market: { code: string; name: string; summaryAccountNo: string };
  businessDate: string;
  deposits: ReconLine[];
  withdrawals: ReconLine[];
  clearing: { serial: string; kind: string; amount: Fen; fee: Fen }[];
  balances: { memberCode: string; detailAccountNo: string; balance: Fen; held: Fen; status: string }[];
  suspenseBalance: Fen;
  feeBalance: Fen;
  totals: { deposits: Fen; withdrawals: Fen; clearing: Fen; fees: Fen; members: Fen; summary: Fen };
  /** The summary total recomputed from journal lines: it must equal totals.summary. */
  ledgerSummary: Fen;
  ties: boolean;
}

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
  const deposits: ReconLine[] = [];
  const withdrawals: ReconLine[] = [];
  const clearingBySerial = new Map<string, { serial: string; kind: string; amount: Fen; fee: Fen }>();
  for (const l of lines) {
    const debit = fenFromDb(l.debit);
    const credit = fenFromDb(l.credit);
    if (DEPOSIT_KINDS.includes(l.kind) && detail.has(l.account_id) && credit > 0) {
      deposits.push({ serial: l.serial, kind: l.kind, memberCode: codeOf(l.account_id), amount: credit });
    } else if (WITHDRAW_KINDS.includes(l.kind) && detail.has(l.account_id) && debit > 0) {
      withdrawals.push({ serial: l.serial, kind: l.kind, memberCode: codeOf(l.account_id), amount: debit });
    } else if (CLEARING_KINDS.includes(l.kind)) {
      const c = clearingBySerial.get(l.serial) ?? { serial: l.serial, kind: l.kind, amount: 0 as Fen, fee: 0 as Fen };
      if (feeAccount && l.account_id === feeAccount.id) c.fee = (c.fee + credit) as Fen;
      else if (detail.has(l.account_id) && credit > 0) c.amount = (c.amount + credit) as Fen;
      clearingBySerial.set(l.serial, c);
    }
  }
  const balances = accounts
    .filter((a) => a.kind === 'member_detail')
    .map((a) => ({
      memberCode: codeOf(a.id),
      detailAccountNo: a.number,
      balance: fenFromDb(a.balance),
      held: fenFromDb(a.held),
      status: contracts.find((c) => c.detail_account_id === a.id)?.status ?? 'unknown',
    }));
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0) as Fen;
  const suspenseBalance = fenFromDb(accounts.find((a) => a.kind === 'suspense')?.balance ?? 0);
  const feeBalance = fenFromDb(feeAccount?.balance ?? 0);
  const members = sum(balances.map((b) => b.balance));
  const summary = sum([members, suspenseBalance, feeBalance]);
  const ledger = ids.length
    ? await db
        .selectFrom('journal_lines')
        .select([
          (eb) => eb.fn.sum<string | number>('credit').as('c'),
          (eb) => eb.fn.sum<string | number>('debit').as('d'),
        ])
        .where('account_id', 'in', ids)
        .executeTakeFirstOrThrow()
    : { c: 0, d: 0 };
  const ledgerSummary = (fenFromDb(ledger.c) - fenFromDb(ledger.d)) as Fen;
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
      deposits: sum(deposits.map((d) => d.amount)),
      withdrawals: sum(withdrawals.map((w) => w.amount)),
      clearing: sum(clearing.map((c) => c.amount)),
      fees: sum(clearing.map((c) => c.fee)),
      members,
      summary,
    },
    ledgerSummary,
    ties: ledgerSummary === summary,
  };
}

/** 交易市场存管账户查询: the summary custody account and its sub-accounts, now. */
export async function custodyAccount(ctx: ServiceContext, marketCode: string, db: Kysely<Database> = ctx.db) {
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
        held: 0 as Fen,
        status: 'open',
      },
      {
        kind: 'fee' as const,
        memberCode: '',
        number: `${file.market.summaryAccountNo}-SX`,
        balance: file.feeBalance,
        held: 0 as Fen,
        status: 'open',
      },
    ],
  };
}
