// The member system's verified operations. A corporate member's operation is
// prepared (the service names the fields and the challenge), shown, and signed
// here on the USB-KEY — the renderer never chooses what is signed; an
// individual's is prepared (an SMS code goes out) and performed with the code.
import type { z } from 'zod';
import type { MemberOperationName, OperationResult, PrepareReply } from '../../src-shared/api/members';
import { AppError } from '../../src-shared/errors';
import type { RouteSpec } from '../../src-shared/routes/define';
import { memberOperationRoutes } from '../../src-shared/routes/members';
import type { FlowDeps, Handlers } from '../core/handler-types';
import { signChallenge } from './signer';

/** A corporate member's prepared operation: signed only as the service described it, for exactly this call. */
interface Prepared {
  reply: Extract<PrepareReply, { method: 'usbkey' }>;
  receivedAt: number;
}

/** An operation and its input, as the contract's schema has read it. */
type Call = { operation: MemberOperationName; input: unknown };

/** Any operation's route: its body checked by the service against that operation's schema, its reply typed. */
type OperationRoute<Reply extends z.ZodType> = RouteSpec & { readonly input: z.ZodType; readonly reply: Reply };

const prepareRoute = (call: Call): OperationRoute<typeof PrepareReply> =>
  memberOperationRoutes[`member.prepare.${call.operation}`];
const performRoute = (call: Call): OperationRoute<typeof OperationResult> =>
  memberOperationRoutes[`member.perform.${call.operation}`];

export function memberOperationFlows(deps: FlowDeps): Pick<Handlers, 'member.prepare' | 'member.perform'> {
  const { client } = deps;
  const prepared = new Map<string, Prepared>();
  const key = (call: Call) => JSON.stringify(call);

  return {
    'member.prepare': async (call) => {
      const receivedAt = Date.now();
      const reply = await client.route(prepareRoute(call), call.input);
      if (reply.method === 'usbkey') prepared.set(key(call), { reply, receivedAt });
      return reply;
    },

    'member.perform': async ({ call, otp, sign }) => {
      const perform = performRoute(call);
      if (otp) return client.route(perform, { input: call.input, proof: { otp } });
      if (!sign) throw new AppError('VERIFICATION_REQUIRED');
      const held = prepared.get(key(call));
      if (!held) throw new AppError('CHALLENGE_UNKNOWN');
      const signature = await signChallenge(deps.tokens, sign, 'memberOperation', held.reply, held.receivedAt);
      const result = await client.route(perform, { input: call.input, proof: { usbkey: signature } });
      prepared.delete(key(call));
      return result;
    },
  };
}
