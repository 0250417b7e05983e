// The member system's part of the IPC contract: the public side (registration,
// recovery, the bank and branch lookup, SMS codes), the member's own queries,
// the verified operations, and the demo's tools.
import { z } from 'zod';
import { DemoEventResult, DemoIncomingTransfer, DemoTrade, SmsInboxQuery, SmsMessage } from '../api/demo';
import {
  Card,
  CardAuthRequest,
  ClosureCheck,
  MEMBER_OPERATIONS,
  MemberOperationInputs,
  OperationResult,
  PrepareReply,
  SuspenseQuery,
  SuspenseRecord,
  Trade,
  TradeQuery,
  type MemberOperationName,
} from '../api/members';
import {
  Bank,
  Branch,
  BranchQuery,
  CorporateRecovery,
  CorporateRegistration,
  Division,
  IndividualRecovery,
  IndividualRegistration,
  MarketLink,
  MemberProfile,
  OtpAnswer,
  OtpSent,
  PublicOtpRequest,
  RecoveryResult,
  RegistrationReceipt,
} from '../api/registration';
import {
  EnterpriseMarket,
  MarketSummary,
  MemberAccount,
  MemberTxnQuery,
  Transaction,
  TransactionPage,
  CancelCheck,
} from '../api/settlement';
import { SignWith } from '../token';

const none = z.undefined();
const PositiveId = z.number().int().positive();

/** One operation and its input, typed per operation. */
export const MemberOperationCall = z.discriminatedUnion(
  'operation',
  MEMBER_OPERATIONS.map((operation) =>
    z.strictObject({ operation: z.literal(operation), input: MemberOperationInputs[operation] }),
  ) as unknown as [
    z.ZodObject<{ operation: z.ZodLiteral<MemberOperationName>; input: z.ZodType }>,
    ...z.ZodObject<{ operation: z.ZodLiteral<MemberOperationName>; input: z.ZodType }>[],
  ],
);
export type MemberOperationCall = {
  [K in MemberOperationName]: { operation: K; input: z.input<(typeof MemberOperationInputs)[K]> };
}[MemberOperationName];

export const memberContract = {
  // before login
  'public.otp': { input: PublicOtpRequest, output: OtpSent },
  'public.market': { input: z.strictObject({ code: z.string().trim().min(1).max(16) }), output: MarketLink },
  'register.corporate': { input: CorporateRegistration, output: RegistrationReceipt },
  'register.individual': { input: IndividualRegistration, output: RegistrationReceipt },
  'recover.corporate': { input: CorporateRecovery, output: RecoveryResult },
  'recover.individual': { input: IndividualRecovery, output: RecoveryResult },
  'lookup.banks': { input: none, output: z.array(Bank) },
  'lookup.cardIssuer': {
    input: z.strictObject({ cardNo: z.string().regex(/^\d{6,19}$/) }),
    output: z.object({ bank: Bank.nullable() }),
  },
  'lookup.branches': { input: BranchQuery, output: z.array(Branch) },
  'lookup.provinces': { input: none, output: z.array(Division) },
  'lookup.cities': { input: z.strictObject({ province: z.string().regex(/^\d{6}$/) }), output: z.array(Division) },
  /** An individual's first login: send the SMS code, then answer it. */
  'auth.otpSend': { input: none, output: OtpSent },

  // the member's own
  'member.profile': { input: none, output: MemberProfile },
  'member.markets': { input: none, output: z.array(EnterpriseMarket) },
  'member.accounts': {
    input: z.strictObject({ status: z.enum(['active', 'all']).optional() }).optional(),
    output: z.array(MemberAccount),
  },
  'member.transactions': {
    input: z.strictObject({ contractId: PositiveId, query: MemberTxnQuery }),
    output: TransactionPage,
  },
  'member.transaction': { input: z.strictObject({ contractId: PositiveId, entryId: PositiveId }), output: Transaction },
  'member.cancelCheck': { input: z.strictObject({ contractId: PositiveId }), output: CancelCheck },
  'member.cards': { input: none, output: z.array(Card) },
  'member.authenticateCard': { input: CardAuthRequest, output: Card },
  'member.trades': { input: TradeQuery, output: z.array(Trade) },
  'member.suspense': { input: SuspenseQuery, output: z.array(SuspenseRecord) },
  'member.closureCheck': { input: none, output: ClosureCheck },
  /** An individual gets an SMS code; a corporate member, the fields it will sign. */
  'member.prepare': { input: MemberOperationCall, output: PrepareReply },
  /** Performs the prepared operation: with the SMS code, or signed on the USB-KEY in the main process. */
  'member.perform': {
    input: z.strictObject({
      call: MemberOperationCall,
      otp: OtpAnswer.optional(),
      sign: SignWith.optional(),
    }),
    output: OperationResult,
  },

  // the demo's tools (a production service answers NOT_FOUND)
  'demo.sms': { input: SmsInboxQuery.optional(), output: z.array(SmsMessage) },
  'demo.markets': { input: none, output: z.array(MarketSummary) },
  'demo.marketSignIn': {
    input: z.strictObject({ code: z.string().min(1).max(16), signedIn: z.boolean() }),
    output: z.array(MarketSummary),
  },
  'demo.incomingTransfer': { input: DemoIncomingTransfer, output: DemoEventResult },
  'demo.trade': { input: DemoTrade, output: DemoEventResult },
} as const;
