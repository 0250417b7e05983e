// Requests and replies of the member-management system's operations.
import { z } from 'zod';
import { isValidPassword, LOGIN_NAME_MAX, PASSWORD_MAX } from '../credentials';
import { SignatureEnvelope } from '../signing';
import { CardDetails, Mobile, NewLoginName } from './registration';
import { ChallengeToSign, IsoDate } from './common';
import { BankCardSummary, Id, MarketSummary, MoneyOut } from './settlement';

export const MemberProof = z.union([
  z.strictObject({ usbkey: SignatureEnvelope }),
  z.strictObject({
    otp: z.strictObject({
      codeId: z.string().min(1).max(40),
      code: z.string().regex(/^\d{6}$/, { message: 'RULE_FORMAT' }),
    }),
  }),
]);
export type MemberProof = z.infer<typeof MemberProof>;

/** Each operation's input. */
export const MemberOperationInputs = {
  signContract: z.strictObject({ marketId: Id, memberCode: z.string().trim().min(1).max(32), cardId: Id }),
  cancelContract: z.strictObject({ contractId: Id }),
  changeBoundCard: z.strictObject({ contractId: Id, cardId: Id }),
  approveTrade: z.strictObject({ tradeId: Id }),
  recreditSuspense: z.strictObject({ recordId: Id }),
  setTransferOutCard: z.strictObject({ cardId: Id }),
  transferOut: z.strictObject({ contractId: Id }),
  closeAccount: z.strictObject({}),
  updateInfo: z.strictObject({
    contactName: z.string().trim().min(1).max(50),
    address: z.string().trim().min(1).max(200),
    email: z.email({ message: 'RULE_FORMAT' }).max(100).optional(),
  }),
  changeLoginName: z.strictObject({
    newLoginName: NewLoginName,
    confirmLoginName: z.string().trim().min(1).max(LOGIN_NAME_MAX),
    password: z.string().min(1).max(64),
  }),
  changePassword: z.strictObject({
    oldPassword: z.string().min(1).max(64),
    newPassword: z.string().max(PASSWORD_MAX).refine(isValidPassword, { message: 'PASSWORD_RULE' }),
    confirmPassword: z.string().min(1).max(PASSWORD_MAX),
  }),
  changePhone: z.strictObject({ cardId: Id, newPhone: Mobile }),
} as const;
export type MemberOperationName = keyof typeof MemberOperationInputs;
export const MEMBER_OPERATIONS = Object.keys(MemberOperationInputs) as MemberOperationName[];

// What each operation is called (in the SMS that carries its code, and on the
// client's pages) is `mop` in src-shared/messages; tests/unit/messages.test.ts
// keeps its keys these operations.

// These closed sets are also the store's column types and CHECK lists:
// tests/unit/store-enums.test.ts keeps the two equal.
/** How a member's operation was verified: a corporate member's USB-KEY, an individual's SMS code. */
export const VERIFICATION_METHODS = ['usbkey', 'otp'] as const;
export const VerificationMethod = z.enum(VERIFICATION_METHODS);
export type VerificationMethod = z.infer<typeof VerificationMethod>;

/** A card money comes from (bound to a contract), or the card withdrawals go to. */
export const CARD_PURPOSES = ['bound', 'transferOut'] as const;
export const CardPurpose = z.enum(CARD_PURPOSES);
export type CardPurpose = z.infer<typeof CardPurpose>;

/** A B2B trade waits for the payer's review, is approved, or expires with its day. */
export const TRADE_STATUSES = ['pending', 'approved', 'expired'] as const;
export const TradeStatus = z.enum(TRADE_STATUSES);
export type TradeStatus = z.infer<typeof TradeStatus>;

/** Why money landed in a market's suspense sub-account (挂账). */
export const SUSPENSE_REASONS = ['notSignedIn', 'marketRefused', 'unboundCard'] as const;
export const SuspenseReason = z.enum(SUSPENSE_REASONS);
export type SuspenseReason = z.infer<typeof SuspenseReason>;

/** Open until the member re-credits it (from a bound card) or the market allocates it. */
export const SUSPENSE_STATUSES = ['open', 'recredited', 'allocated'] as const;
export const SuspenseStatus = z.enum(SUSPENSE_STATUSES);
export type SuspenseStatus = z.infer<typeof SuspenseStatus>;

export const PrepareReply = z.union([
  ChallengeToSign.extend({ method: z.literal('usbkey'), serial: z.string() }),
  z.object({
    method: z.literal('otp'),
    codeId: z.string(),
    expiresInSeconds: z.number().int(),
    resendInSeconds: z.number().int(),
    phone: z.string(),
  }),
]);
export type PrepareReply = z.infer<typeof PrepareReply>;

export const OperationResult = z
  .object({ serial: z.string() })
  .catchall(z.union([z.string(), z.number(), z.boolean()]));
export type OperationResult = z.infer<typeof OperationResult>;

/** Authenticates a card of another bank for the member; it is bound by the operation that uses it. */
export const CardAuthRequest = z.strictObject({
  card: CardDetails,
  purpose: CardPurpose,
});
export type CardAuthRequest = z.infer<typeof CardAuthRequest>;

export const Card = BankCardSummary.extend({
  holderName: z.string(),
  purpose: CardPurpose,
  status: z.string(),
  /** The reserved phone, masked. */
  phone: z.string(),
});
export type Card = z.infer<typeof Card>;

export const Trade = z.object({
  id: Id,
  serial: z.string(),
  market: MarketSummary,
  payerCode: z.string(),
  payeeCode: z.string(),
  amount: MoneyOut,
  fee: MoneyOut,
  status: TradeStatus,
  tradeDate: z.string(),
  description: z.string(),
  reviewedAt: z.string().nullable(),
});
export type Trade = z.infer<typeof Trade>;

export const TradeQuery = z.object({
  date: IsoDate.optional(),
  status: TradeStatus.extract(['pending', 'approved']).default('pending'),
});

export const SuspenseRecord = z.object({
  id: Id,
  serial: z.string(),
  market: MarketSummary,
  amount: MoneyOut,
  payerCardNo: z.string(),
  payerName: z.string(),
  reason: SuspenseReason,
  status: SuspenseStatus,
  businessDate: z.string(),
  createdAt: z.string(),
});
export type SuspenseRecord = z.infer<typeof SuspenseRecord>;

export const SuspenseQuery = z.object({
  marketId: z.coerce.number<number>().int().positive().optional(),
  date: IsoDate.optional(),
});

/** One thing that stands between a member and closing the account. */
const ClosureMarket = z.object({ code: z.string(), name: z.string(), nameEn: z.string() });
export const ClosureItem = z.discriminatedUnion('kind', [
  /** Money left on the market's sub-account, in fen. */
  z.object({ kind: z.literal('balance'), market: ClosureMarket, amount: MoneyOut }),
  /** A contract not yet cancelled. */
  z.object({ kind: z.literal('contract'), market: ClosureMarket }),
]);
export type ClosureItem = z.infer<typeof ClosureItem>;
export const ClosureCheck = z.object({ ok: z.boolean(), remaining: z.array(ClosureItem) });
export type ClosureCheck = z.infer<typeof ClosureCheck>;
