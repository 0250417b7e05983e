// The member-management system's own API: the member's profile, cards, trades
// and suspense records, and the single-party operations — each prepared (a
// challenge for the USB-KEY, or an SMS code) and then performed with the proof.
// The proof is made in the main process, so both steps are flows. The markets
// and member accounts a member shares with e-banking are in accounts.ts.
import { z } from 'zod';
import {
  Card,
  CardAuthRequest,
  ClosureCheck,
  MEMBER_OPERATIONS,
  MemberOperationInputs,
  type MemberOperationName,
  MemberProof,
  OperationResult,
  PrepareReply,
  SuspenseQuery,
  SuspenseRecord,
  Trade,
  TradeQuery,
} from '../api/members';
import { MemberProfile } from '../api/registration';
import { defineRoutes, type RouteSpec } from './define';

/** What performing an operation takes: its input, and the proof of the verification prepared for it. */
const performInput = <I extends z.ZodType>(input: I) => z.strictObject({ input, proof: MemberProof.optional() });

type Inputs = typeof MemberOperationInputs;
type PerformInput<Op extends MemberOperationName> = z.ZodObject<
  { input: Inputs[Op]; proof: z.ZodOptional<typeof MemberProof> },
  z.core.$strict
>;

interface PrepareRoute<Op extends MemberOperationName> extends RouteSpec {
  readonly method: 'POST';
  readonly path: `/member/operations/${Op}/prepare`;
  readonly input: Inputs[Op];
  readonly reply: typeof PrepareReply;
  readonly audience: 'desktop';
  readonly flowOnly: true;
}

interface PerformRoute<Op extends MemberOperationName> extends RouteSpec {
  readonly method: 'POST';
  readonly path: `/member/operations/${Op}`;
  readonly input: PerformInput<Op>;
  readonly reply: typeof OperationResult;
  readonly audience: 'desktop';
  readonly flowOnly: true;
}

export type MemberOperationRoutes = {
  readonly [Op in MemberOperationName as `member.prepare.${Op}`]: PrepareRoute<Op>;
} & {
  readonly [Op in MemberOperationName as `member.perform.${Op}`]: PerformRoute<Op>;
};

/** Two routes per operation of MEMBER_OPERATIONS: prepare it, then perform it with the proof. */
export const memberOperationRoutes = Object.fromEntries(
  MEMBER_OPERATIONS.flatMap((op) => {
    const prepare: PrepareRoute<typeof op> = {
      method: 'POST',
      path: `/member/operations/${op}/prepare`,
      input: MemberOperationInputs[op],
      reply: PrepareReply,
      audience: 'desktop',
      flowOnly: true,
      summary: `Prepare ${op}: a challenge for the USB-KEY, or an SMS code`,
    };
    const perform: PerformRoute<typeof op> = {
      method: 'POST',
      path: `/member/operations/${op}`,
      input: performInput(MemberOperationInputs[op]),
      reply: OperationResult,
      audience: 'desktop',
      flowOnly: true,
      summary: `Perform ${op}, verified`,
    };
    return [
      [`member.prepare.${op}`, prepare],
      [`member.perform.${op}`, perform],
    ];
  }),
) as MemberOperationRoutes;

export const memberRoutes = defineRoutes('members', {
  'member.profile': {
    method: 'GET',
    path: '/member/profile',
    reply: MemberProfile,
    audience: 'desktop',
    summary: 'The member’s registered identity and contact details',
  },
  'member.cards': {
    method: 'GET',
    path: '/member/cards',
    reply: z.array(Card),
    audience: 'desktop',
    summary: 'The member’s authenticated cards at other banks',
  },
  'member.authenticateCard': {
    method: 'POST',
    path: '/member/cards/authenticate',
    input: CardAuthRequest,
    reply: Card,
    audience: 'desktop',
    summary: 'Authenticate a card of another bank (银联鉴权); the operation that uses it binds it',
  },
  'member.trades': {
    method: 'GET',
    path: '/member/trades',
    input: TradeQuery,
    reply: z.array(Trade),
    audience: 'desktop',
    summary: '交易复核: trades waiting for (or approved by) the member as payer',
  },
  'member.suspense': {
    method: 'GET',
    path: '/member/suspense',
    input: SuspenseQuery,
    reply: z.array(SuspenseRecord),
    audience: 'desktop',
    summary: '挂账处理: the member’s own deposits that went to suspense',
  },
  'member.closureCheck': {
    method: 'GET',
    path: '/member/closure-check',
    reply: ClosureCheck,
    audience: 'desktop',
    summary: 'What remains before the account can be closed',
  },
  ...memberOperationRoutes,
});
