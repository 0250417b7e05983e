// The bank's back office: reconciliation files, the custody account and the
// market's member register, for the bank's own staff tools. Every route needs
// the bank key (x-bank-key); none is relayed from the desktop. What a market's
// own system sends is the market API (market-api.ts), signed with its own key.
import { z } from 'zod';
import { CustodyReply, ReconciliationReply } from '../api/bank';
import { IsoDate } from '../api/common';
import { AmountFen, FeeFen } from '../api/settlement';
import { defineRoutes } from './define';

/** A market's idempotency key: the same key twice is answered once. */
export const EventKey = z.string().min(1).max(64);
/** A market code or a member code in a market's register. */
export const Code = z.string().trim().min(1).max(32);

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
});
