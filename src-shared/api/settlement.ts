// Requests and replies of the settlement core: markets, accounts, contracts,
// maker-checker instructions, queries. Amounts are integer fen.
import { z } from 'zod';
import { ASSIGNABLE_PERMISSIONS } from '../menu';
import { MAX_FEN } from '../money';
import { SignatureEnvelope } from '../signing';
import { Role } from './auth';
import { ChallengeToSign, ErrorParamsSchema, IsoDate, SignedFields } from './common';

/**
 * The one bound of every single amount and fee a request carries — customer,
 * member, bank back office, market, demo: integer fen up to MAX_FEN. The upper
 * bound is checked first, so a value past 2^53 is named MONEY_TOO_LARGE too.
 */
const SingleFen = z.number().max(MAX_FEN, { message: 'MONEY_TOO_LARGE' }).int({ message: 'MONEY_DECIMALS' });
/** An amount in fen that a person may move: 0.01 up to 999,999,999,999.99 yuan. */
export const AmountFen = SingleFen.min(1, { message: 'MONEY_ZERO' });
/** A fee in fen: none, or up to 999,999,999,999.99 yuan — the same bound as an amount. */
export const FeeFen = SingleFen.min(0, { message: 'MONEY_NEGATIVE' });
export const Id = z.number().int().positive();
/** A single amount, a balance or a held total in a reply: a safe integer of fen. */
export const MoneyOut = z.number().int();
/** A total that is not a balance (a control total, a day's sum): fen as a decimal string, exact past 2^53. */
export const MoneySum = z.string().regex(/^-?\d+$/);

export const MarketSummary = z.object({
  id: Id,
  code: z.string(),
  name: z.string(),
  nameEn: z.string(),
  signedInToday: z.boolean(),
  requiresTradeReview: z.boolean(),
  summaryAccount: z.object({ number: z.string(), name: z.string(), branch: z.string() }),
});
export type MarketSummary = z.infer<typeof MarketSummary>;

/** A market as a corporate user sees it on the sign page. */
export const EnterpriseMarket = MarketSummary.extend({
  contract: z.object({ id: Id, memberCode: z.string() }).nullable(),
  signPending: z.boolean(),
});
export type EnterpriseMarket = z.infer<typeof EnterpriseMarket>;

export const SettlementAccount = z.object({
  id: Id,
  number: z.string(),
  name: z.string(),
  balance: MoneyOut,
  available: MoneyOut,
});
export type SettlementAccount = z.infer<typeof SettlementAccount>;

// This file's closed sets (account kinds, contract statuses, instruction kinds
// and states) are also the store's column types and, where the store has a
// CHECK, its list: tests/unit/store-enums.test.ts keeps the two equal.
/**
 * The summary account's sub-accounts (member_detail, suspense, fee), the
 * enterprises' settlement accounts, and the contra accounts for other banks and
 * the bank's own funding.
 */
export const ACCOUNT_KINDS = ['settlement', 'member_detail', 'suspense', 'fee', 'other_banks', 'bank_funding'] as const;
export const AccountKind = z.enum(ACCOUNT_KINDS);
export type AccountKind = z.infer<typeof AccountKind>;

export const CONTRACT_STATUSES = ['active', 'cancelled'] as const;
export const ContractStatus = z.enum(CONTRACT_STATUSES);
export type ContractStatus = z.infer<typeof ContractStatus>;

/** 会员账户: a contract and its detail sub-account. */
/** A bank card as lists show it: masked number, and its bank and branch in both languages. */
export const BankCardSummary = z.object({
  id: Id,
  cardNo: z.string(),
  bankName: z.string(),
  branchName: z.string(),
  bankNameEn: z.string(),
  branchNameEn: z.string(),
});

export const MemberAccount = z.object({
  contractId: Id,
  market: MarketSummary,
  memberCode: z.string(),
  detailAccountNo: z.string(),
  virtualAccountNo: z.string(),
  seatNo: z.string(),
  balance: MoneyOut,
  /** balance − everything held */
  available: MoneyOut,
  /** held by market freezes and B2B trades awaiting review */
  frozen: MoneyOut,
  /** held by withdrawals awaiting review */
  pendingWithdrawals: MoneyOut,
  status: ContractStatus,
  signedAt: z.string(),
  cancelledAt: z.string().nullable(),
  boundAccount: z.object({ id: Id, number: z.string(), name: z.string() }).nullable(),
  boundCard: BankCardSummary.nullable(),
});
export type MemberAccount = z.infer<typeof MemberAccount>;

/** A rule the service applied: its code and params let the client word it in any language. */
export const Refusal = z.object({
  code: z.string(),
  message: z.string(),
  params: ErrorParamsSchema.optional(),
});
export type Refusal = z.infer<typeof Refusal>;

export const CancelCheck = z.object({ ok: z.boolean(), refusals: z.array(Refusal) });
export type CancelCheck = z.infer<typeof CancelCheck>;

// ── instructions ──────────────────────────────────────────────────────────

export const INSTRUCTION_KINDS = ['sign', 'cancel', 'deposit', 'withdraw', 'menu'] as const;
export const InstructionKind = z.enum(INSTRUCTION_KINDS);
export type InstructionKind = z.infer<typeof InstructionKind>;
export const INSTRUCTION_STATES = ['pending', 'approved', 'executed', 'failed', 'rejected', 'expired'] as const;
export const InstructionState = z.enum(INSTRUCTION_STATES);
export type InstructionState = z.infer<typeof InstructionState>;

export const InstructionDraft = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('sign'),
    marketId: Id,
    memberCode: z.string().trim().min(1).max(32),
    boundAccountId: Id,
  }),
  z.strictObject({ kind: z.literal('cancel'), contractId: Id }),
  z.strictObject({ kind: z.literal('deposit'), contractId: Id, amount: AmountFen }),
  z.strictObject({ kind: z.literal('withdraw'), contractId: Id, amount: AmountFen }),
  z.strictObject({
    kind: z.literal('menu'),
    targetUserId: Id,
    permissions: z.array(z.enum(ASSIGNABLE_PERMISSIONS as [string, ...string[]])).max(20),
  }),
]);
export type InstructionDraft = z.infer<typeof InstructionDraft>;

/** An instruction's 流水号: the business day (YYYYMMDD) and a number of eight digits. */
export const InstructionSerial = z.string().regex(/^\d{16}$/);

/** What the maker is about to sign: the service's reading of the draft, a reserved serial and a challenge. */
export const InstructionPreview = ChallengeToSign.extend({
  kind: InstructionKind,
  serial: z.string(),
  /** Refusals known now (a deposit to a market not signed in, a contract that cannot be cancelled). */
  refusals: z.array(Refusal),
  /** Single-admin enterprises: a menu change takes effect at once. */
  needsReview: z.boolean(),
});
export type InstructionPreview = z.infer<typeof InstructionPreview>;

export const SubmitInstruction = z.strictObject({
  draft: InstructionDraft,
  /** The same key with the same body returns the first result; with another body, 409. */
  idempotencyKey: z.string().min(8).max(64),
  signature: SignatureEnvelope.optional(),
});
export type SubmitInstruction = z.infer<typeof SubmitInstruction>;

export const InstructionEvent = z.object({
  fromState: InstructionState.nullable(),
  toState: InstructionState,
  actor: z.string().nullable(),
  at: z.string(),
  signed: z.boolean(),
  note: z.string().nullable(),
});

export const Instruction = z.object({
  id: Id,
  serial: z.string(),
  kind: InstructionKind,
  state: InstructionState,
  businessDate: z.string(),
  amount: MoneyOut.nullable(),
  market: z.object({ id: Id, code: z.string(), name: z.string(), nameEn: z.string() }).nullable(),
  memberCode: z.string().nullable(),
  /** The signed fields, as the maker signed them. */
  fields: SignedFields,
  maker: z.object({ id: Id, loginName: z.string(), displayName: z.string() }),
  checker: z.object({ id: Id, loginName: z.string(), displayName: z.string() }).nullable(),
  makerSignature: z.object({ certSerial: z.string(), time: z.string(), verified: z.boolean() }),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
  rejectReason: z.string().nullable(),
  failure: Refusal.nullable(),
  /** A menu change: whose menus, and what it adds and removes. */
  menuChange: z
    .object({
      target: z.object({ id: Id, loginName: z.string(), displayName: z.string() }),
      added: z.array(z.string()),
      removed: z.array(z.string()),
    })
    .nullable(),
  history: z.array(InstructionEvent),
});
export type Instruction = z.infer<typeof Instruction>;

/** Instructions awaiting review, a count for every kind. */
export const PendingCounts = z.object(
  Object.fromEntries(InstructionKind.options.map((kind) => [kind, z.number().int()])) as Record<
    InstructionKind,
    z.ZodNumber
  >,
);
export type PendingCounts = z.infer<typeof PendingCounts>;

export const DecisionChallenge = ChallengeToSign;
export type DecisionChallenge = z.infer<typeof DecisionChallenge>;

export const DecisionRequest = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  /** Required for a rejection: 1–200 characters. */
  reason: z.string().trim().max(200).optional(),
  signature: SignatureEnvelope.optional(),
});
export type DecisionRequest = z.infer<typeof DecisionRequest>;

export const DecisionChallengeRequest = z.strictObject({
  decision: z.enum(['approve', 'reject']),
  reason: z.string().trim().max(200).optional(),
});

// ── queries ───────────────────────────────────────────────────────────────

export const PageQuery = z.object({
  page: z.coerce.number<number>().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number<number>().int().min(1).max(200).default(20),
});

export const DateRangeQuery = PageQuery.extend({
  /** today: the business day only; history: from–to. */
  period: z.enum(['today', 'history']).default('today'),
  from: IsoDate.optional(),
  to: IsoDate.optional(),
});

/** 交易明细查询: one of the enterprise's settlement accounts (its first when left out), today or a range. */
export const AccountTxnQuery = DateRangeQuery.extend({
  accountId: z.coerce.number<number>().int().positive().optional(),
});

export const MemberTxnQuery = DateRangeQuery.extend({
  category: z.enum(['depositWithdraw', 'clearing', 'all']).default('depositWithdraw'),
});

export const InstructionListQuery = PageQuery.extend({
  kind: InstructionKind.optional(),
  state: InstructionState.optional(),
  /** Only what the caller may decide: pending, entered by someone else. */
  reviewable: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
});

export const Transaction = z.object({
  entryId: Id,
  serial: z.string(),
  kind: z.string(),
  businessDate: z.string(),
  createdAt: z.string(),
  account: z.object({ number: z.string(), name: z.string() }),
  direction: z.enum(['in', 'out']),
  amount: MoneyOut,
  balanceAfter: MoneyOut.nullable(),
  counterparty: z.object({ number: z.string(), name: z.string() }).nullable(),
  memo: z.string(),
  reference: z.string().nullable(),
});
export type Transaction = z.infer<typeof Transaction>;

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({
    items: z.array(item),
    total: z.number().int(),
    page: z.number().int(),
    pageSize: z.number().int(),
  });
}

export const InstructionPage = pageOf(Instruction);
export const TransactionPage = pageOf(Transaction);

// ── enterprise users (操作员维护) ──────────────────────────────────────────

export const EnterpriseUser = z.object({
  id: Id,
  loginName: z.string(),
  displayName: z.string(),
  role: Role,
  status: z.string(),
  locked: z.boolean(),
  failedAttempts: z.number().int(),
  permissions: z.array(z.string()),
  lastLoginAt: z.string().nullable(),
  menuChangePending: z.boolean(),
});
export type EnterpriseUser = z.infer<typeof EnterpriseUser>;

export const AdminOperation = z.enum(['unlock', 'resetPassword']);
export type AdminOperation = z.infer<typeof AdminOperation>;

export const AdminOperationPreview = ChallengeToSign.extend({ serial: z.string() });
export type AdminOperationPreview = z.infer<typeof AdminOperationPreview>;

export const AdminOperationResult = z.object({
  serial: z.string(),
  operation: AdminOperation,
  /** Reset: the new initial password, shown once to the administrator to hand over; the user must change it. */
  initialPassword: z.string().nullable(),
});
export type AdminOperationResult = z.infer<typeof AdminOperationResult>;
