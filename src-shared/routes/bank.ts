// The bank's back office and the markets' own systems: reconciliation files,
// the custody account, the market's member register, and the events a market
// sends the bank (sign-in, transfers, clearing, freezes…). Every route needs
// the bank key (x-bank-key); none is relayed from the desktop.
import { z } from 'zod';
import { CustodyReply, ReconciliationReply } from '../api/bank';
import { IsoDate } from '../api/common';
import { AmountFen, FeeFen } from '../api/settlement';
import { defineRoutes } from './define';

/** A market's idempotency key: the same key twice is answered once. */
const EventKey = z.string().min(1).max(64);
/** A market code or a member code in a market's register. */
const Code = z.string().trim().min(1).max(32);

export const MarketParams = z.object({ code: Code });

export const ReconciliationQuery = z.object({ date: IsoDate.optional() });

export const MemberCodeRegistration = z.strictObject({
  memberCode: Code,
  certNo: z.string().min(1).max(32),
  name: z.string().min(1).max(100),
});
export const MemberCodeRegistered = z.object({ virtualAccountNo: z.string(), seatNo: z.string() });

export const SignInReply = z.object({ ok: z.literal(true) });

export const IncomingTransferEvent = z.strictObject({
  cardNo: z.string().regex(/^\d{12,19}$/),
  payerName: z.string().min(1).max(100),
  amount: AmountFen,
  key: EventKey,
});

export const MarketMoneyEvent = z.strictObject({
  direction: z.enum(['deposit', 'withdraw']),
  memberCode: Code,
  amount: AmountFen,
  key: EventKey,
});

export const ClearingEvent = z.strictObject({
  payerCode: Code,
  payeeCode: Code,
  amount: AmountFen,
  fee: FeeFen.default(0),
  key: EventKey,
});

export const B2bTradeEvent = z.strictObject({
  payerCode: Code,
  payeeCode: Code,
  amount: AmountFen,
  fee: FeeFen.default(0),
  description: z.string().min(1).max(200),
  key: EventKey,
});

export const FreezeEvent = z.strictObject({ memberCode: Code, amount: AmountFen, key: EventKey });

export const UnfreezeEvent = z.strictObject({ freezeKey: EventKey, key: EventKey });

export const MemberStateEvent = z.strictObject({
  memberCode: Code,
  unfinishedTrades: z.number().int().min(0).optional(),
  openPositions: z.number().int().min(0).optional(),
  disputeOpen: z.boolean().optional(),
  disputeEvidence: z.boolean().optional(),
  key: EventKey,
});

export const AllocateSuspenseEvent = z.strictObject({
  suspenseId: z.number().int().positive(),
  memberCode: Code,
  key: EventKey,
});

export const RefuseNextEvent = z.strictObject({ count: z.number().int().min(0).max(1000), key: EventKey });

/** What a market event answers: the event's own result, replayed as it was for a repeated key. */
const EventReply = z.any();

export const bankRoutes = defineRoutes('bank', {
  'bank.reconciliation': {
    method: 'GET',
    path: '/bank/markets/:code/reconciliation',
    params: MarketParams,
    input: ReconciliationQuery,
    reply: ReconciliationReply,
    audience: 'backOffice',
    auth: 'none',
    summary: '对账: a market’s reconciliation file for a business day',
  },
  'bank.custody': {
    method: 'GET',
    path: '/bank/markets/:code/custody',
    params: MarketParams,
    reply: CustodyReply,
    audience: 'backOffice',
    auth: 'none',
    summary: 'The summary custody account and its sub-accounts',
  },
  'bank.members': {
    method: 'POST',
    path: '/bank/markets/:code/members',
    params: MarketParams,
    input: MemberCodeRegistration,
    reply: MemberCodeRegistered,
    audience: 'backOffice',
    auth: 'none',
    summary: 'Register a member code in the market’s register (its virtual account and seat)',
  },
  'market.signIn': {
    method: 'POST',
    path: '/bank/markets/:code/sign-in',
    params: MarketParams,
    reply: SignInReply,
    audience: 'market',
    auth: 'none',
    summary: '签到: the market signs in for today',
  },
  'market.signOut': {
    method: 'POST',
    path: '/bank/markets/:code/sign-out',
    params: MarketParams,
    reply: SignInReply,
    audience: 'market',
    auth: 'none',
    summary: '签退: the market signs out for today',
  },
  'market.incomingTransfer': {
    method: 'POST',
    path: '/bank/markets/:code/incoming-transfer',
    params: MarketParams,
    input: IncomingTransferEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'A transfer from another bank’s card into the summary account',
  },
  'market.money': {
    method: 'POST',
    path: '/bank/markets/:code/money',
    params: MarketParams,
    input: MarketMoneyEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'A market-initiated deposit or withdrawal',
  },
  'market.clearing': {
    method: 'POST',
    path: '/bank/markets/:code/clearing',
    params: MarketParams,
    input: ClearingEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'Clearing between two members, with its fee',
  },
  'market.b2bTrade': {
    method: 'POST',
    path: '/bank/markets/:code/b2b-trade',
    params: MarketParams,
    input: B2bTradeEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'A B2B trade between two members, with its fee',
  },
  'market.freeze': {
    method: 'POST',
    path: '/bank/markets/:code/freeze',
    params: MarketParams,
    input: FreezeEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'Freeze part of a member’s funds (the event’s key unfreezes it)',
  },
  'market.unfreeze': {
    method: 'POST',
    path: '/bank/markets/:code/unfreeze',
    params: MarketParams,
    input: UnfreezeEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'Release a freeze, by the key it was made with',
  },
  'market.memberState': {
    method: 'POST',
    path: '/bank/markets/:code/member-state',
    params: MarketParams,
    input: MemberStateEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'A member’s unfinished trades, open positions and disputes, as the market sees them',
  },
  'market.allocateSuspense': {
    method: 'POST',
    path: '/bank/markets/:code/allocate-suspense',
    params: MarketParams,
    input: AllocateSuspenseEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'Allocate a suspense record to a member',
  },
  'market.refuseNext': {
    method: 'POST',
    path: '/bank/markets/:code/refuse-next',
    params: MarketParams,
    input: RefuseNextEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'none',
    summary: 'Refuse the market’s next deposits (for producing the refusals by hand)',
  },
});
