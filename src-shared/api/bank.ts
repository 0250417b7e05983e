// Replies of the bank's back office: a market's reconciliation file and its
// custody account. Lines and sub-account balances are safe integers of fen;
// the totals are sums that are not balances and may pass 2^53, so they travel
// as decimal strings of fen (MoneySum) and keep every digit.
import { z } from 'zod';
import { AccountKind, MoneyOut, MoneySum } from './settlement';

const ReconLine = z.object({ serial: z.string(), kind: z.string(), memberCode: z.string(), amount: MoneyOut });

const BankMarket = z.object({ code: z.string(), name: z.string(), summaryAccountNo: z.string() });

export const ReconciliationReply = z.object({
  market: BankMarket,
  businessDate: z.string(),
  deposits: z.array(ReconLine),
  withdrawals: z.array(ReconLine),
  clearing: z.array(z.object({ serial: z.string(), kind: z.string(), amount: MoneyOut, fee: MoneyOut })),
  balances: z.array(
    z.object({
      memberCode: z.string(),
      detailAccountNo: z.string(),
      balance: MoneyOut,
      held: MoneyOut,
      status: z.string(),
    }),
  ),
  suspenseBalance: MoneyOut,
  feeBalance: MoneyOut,
  totals: z.object({
    deposits: MoneySum,
    withdrawals: MoneySum,
    clearing: MoneySum,
    fees: MoneySum,
    members: MoneySum,
    /** The summary custody account: the control total of all its sub-accounts. */
    summary: MoneySum,
  }),
  /** The summary total recomputed from journal lines: it must equal totals.summary. */
  ledgerSummary: MoneySum,
  ties: z.boolean(),
});
export type ReconciliationReply = z.infer<typeof ReconciliationReply>;

export const CustodyReply = z.object({
  market: BankMarket,
  summaryBalance: MoneySum,
  ledgerSummary: MoneySum,
  ties: z.boolean(),
  subAccounts: z.array(
    z.object({
      kind: AccountKind.extract(['member_detail', 'suspense', 'fee']),
      memberCode: z.string(),
      number: z.string(),
      balance: MoneyOut,
      held: MoneyOut,
      status: z.string(),
    }),
  ),
});
export type CustodyReply = z.infer<typeof CustodyReply>;
