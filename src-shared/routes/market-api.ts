// The market API: what a trading market's own system sends the bank — sign-in
// and sign-out of the business day, transfers, clearing, freezes, member state —
// each request signed with the market's registered key (market-signature.ts)
// and idempotent by the market's request key. None is relayed from the desktop.
import { z } from 'zod';
import {
  AllocateSuspenseEvent,
  Code,
  EventKey,
  B2bTradeEvent,
  ClearingEvent,
  FreezeEvent,
  IncomingTransferEvent,
  MarketMoneyEvent,
  MarketParams,
  MemberCodeRegistered,
  MemberCodeRegistration,
  MemberStateEvent,
  SignInReply,
  UnfreezeEvent,
} from './bank';
import { CustodyReply } from '../api/bank';
import { IsoDate } from '../api/common';
import { AmountFen, FeeFen } from '../api/settlement';
import { defineRoutes } from './define';

/** What a market event answers: the event's own result, replayed as it was for a repeated key. */
const EventReply = z.any();

export const RequestKeyParams = MarketParams.extend({ key: EventKey });
export const RequestOutcome = z.object({
  key: z.string(),
  /** The operation the key was used for (the route's last path segment's event kind). */
  operation: z.string(),
  at: z.string(),
  /** What the request was answered, as it was answered. */
  result: z.any(),
});

/** TigerBeetle's batch size: the most lines one clearing request carries. */
export const MAX_CLEARING_LINES = 8_190;

export const ClearingLine = z.strictObject({
  key: EventKey,
  payerCode: Code,
  payeeCode: Code,
  amount: AmountFen,
  fee: FeeFen.default(0),
  /** Linked to the next line: the chain, up to its first unlinked line, posts all or nothing. */
  linked: z.boolean().default(false),
});

export const ClearingBatch = z.strictObject({
  key: EventKey,
  lines: z.array(ClearingLine).min(1).max(MAX_CLEARING_LINES),
});

export const ClearingBatchReply = z.object({
  key: z.string(),
  posted: z.number().int(),
  refused: z.number().int(),
  lines: z.array(
    z.union([
      z.object({ key: z.string(), outcome: z.literal('posted'), serial: z.string() }),
      z.object({ key: z.string(), outcome: z.literal('refused'), code: z.string() }),
    ]),
  ),
});

/**
 * What 8,190 lines of the longest fields take as JSON (about 230 bytes a line),
 * with room for spacing: the body limit of this route alone.
 */
const CLEARING_BATCH_BODY_LIMIT = MAX_CLEARING_LINES * 300 + 4_096;

export const MemberParams = MarketParams.extend({ memberCode: Code });
export const MemberAccountReply = z.object({
  memberCode: z.string(),
  virtualAccountNo: z.string(),
  seatNo: z.string(),
  signedAt: z.string(),
  /** Fen: the detail sub-account's balance, what is free of holds, and what freezes and trades hold. */
  balance: z.number().int(),
  available: z.number().int(),
  frozen: z.number().int(),
});

export const ReconciliationDayParams = MarketParams.extend({ date: IsoDate });
const ReconMovement = z.object({
  serial: z.string(),
  kind: z.string(),
  memberCode: z.string(),
  amount: z.string(),
  fee: z.string(),
  state: z.string(),
});
export const ReconciliationFileReply = z.object({
  fileName: z.string(),
  /** The file itself, in the documented format. */
  content: z.string(),
  manifest: z.object({
    market: z.string(),
    businessDate: z.string(),
    fileName: z.string(),
    sha256: z.string(),
    size: z.number().int(),
    generatedAt: z.string(),
  }),
  /** The manifest's JSON exactly as signed, the signature and the document certificate (base64 DER). */
  manifestJson: z.string(),
  signature: z.string(),
  certificate: z.string(),
});
/** The largest file a market may send for comparison. */
const RECONCILIATION_UPLOAD_BYTES = 16 * 1024 * 1024;
export const ReconciliationUpload = z.strictObject({ file: z.string().min(1).max(RECONCILIATION_UPLOAD_BYTES) });
export const ReconciliationComparison = z.object({
  businessDate: z.string(),
  ties: z.boolean(),
  differences: z.array(
    z.object({
      serial: z.string(),
      difference: z.enum(['missingAtBank', 'missingAtMarket', 'amountDiffers', 'stateDiffers']),
      bank: ReconMovement.optional(),
      market: ReconMovement.optional(),
    }),
  ),
});

export const marketApiRoutes = defineRoutes('market API', {
  'market.reconciliationFile': {
    method: 'GET',
    path: '/market-api/v1/markets/:code/reconciliation-files/:date',
    params: ReconciliationDayParams,
    reply: ReconciliationFileReply,
    audience: 'market',
    auth: 'market-signature',
    summary: '对账文件: the reconciliation file of an ended business day, with its signed manifest',
  },
  'market.compareReconciliation': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/reconciliation-files/:date/compare',
    params: ReconciliationDayParams,
    input: ReconciliationUpload,
    reply: ReconciliationComparison,
    audience: 'market',
    auth: 'market-signature',
    bodyLimit: 2 * RECONCILIATION_UPLOAD_BYTES,
    summary: '对账: the market’s own file matched with the bank’s by serial, each difference named',
  },
  'market.registerMember': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/members',
    params: MarketParams,
    input: MemberCodeRegistration.extend({ key: EventKey }),
    reply: MemberCodeRegistered,
    audience: 'market',
    auth: 'market-signature',
    summary: 'Register a member code in the market’s register (member code ↔ credit code or ID number)',
  },
  'market.memberAccount': {
    method: 'GET',
    path: '/market-api/v1/markets/:code/members/:memberCode',
    params: MemberParams,
    reply: MemberAccountReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'A member’s account: its contract’s numbers and its detail sub-account’s balances',
  },
  'market.custody': {
    method: 'GET',
    path: '/market-api/v1/markets/:code/custody',
    params: MarketParams,
    reply: CustodyReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'The market’s summary custody account and its sub-accounts, tied to the members’ accounts',
  },
  'market.clearingBatch': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/clearing-batches',
    params: MarketParams,
    input: ClearingBatch,
    reply: ClearingBatchReply,
    audience: 'market',
    auth: 'market-signature',
    bodyLimit: CLEARING_BATCH_BODY_LIMIT,
    summary: 'Batch clearing: up to 8,190 lines, each with its own key and result, linked lines all or nothing',
  },
  'market.request': {
    method: 'GET',
    path: '/market-api/v1/markets/:code/requests/:key',
    params: RequestKeyParams,
    reply: RequestOutcome,
    audience: 'market',
    auth: 'market-signature',
    summary: 'What became of an earlier request, by its request key (for an answer that never arrived)',
  },
  'market.signIn': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/sign-in',
    params: MarketParams,
    reply: SignInReply,
    audience: 'market',
    auth: 'market-signature',
    summary: '签到: the market signs in for today',
  },
  'market.signOut': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/sign-out',
    params: MarketParams,
    reply: SignInReply,
    audience: 'market',
    auth: 'market-signature',
    summary: '签退: the market signs out for today',
  },
  'market.incomingTransfer': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/incoming-transfer',
    params: MarketParams,
    input: IncomingTransferEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'A transfer from another bank’s card into the summary account',
  },
  'market.money': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/money',
    params: MarketParams,
    input: MarketMoneyEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'A market-initiated deposit or withdrawal',
  },
  'market.clearing': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/clearing',
    params: MarketParams,
    input: ClearingEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'Clearing between two members, with its fee',
  },
  'market.b2bTrade': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/b2b-trade',
    params: MarketParams,
    input: B2bTradeEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'A B2B trade between two members, with its fee',
  },
  'market.freeze': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/freeze',
    params: MarketParams,
    input: FreezeEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'Freeze part of a member’s funds (the event’s key unfreezes it)',
  },
  'market.unfreeze': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/unfreeze',
    params: MarketParams,
    input: UnfreezeEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'Release a freeze, by the key it was made with',
  },
  'market.memberState': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/member-state',
    params: MarketParams,
    input: MemberStateEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'A member’s unfinished trades, open positions and disputes, as the market sees them',
  },
  'market.allocateSuspense': {
    method: 'POST',
    path: '/market-api/v1/markets/:code/allocate-suspense',
    params: MarketParams,
    input: AllocateSuspenseEvent,
    reply: EventReply,
    audience: 'market',
    auth: 'market-signature',
    summary: 'Allocate a suspense record to a member',
  },
});
