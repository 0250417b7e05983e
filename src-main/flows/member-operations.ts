// The member system's verified operations. A corporate member's operation is
// prepared (the service names the fields and the challenge), shown, and signed
// here on the USB-KEY — the renderer never chooses what is signed; an
// individual's is prepared (an SMS code goes out) and performed with the code.
import type { MemberOperationName, PrepareReply } from '../../src-shared/api/members';
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

const routeOf = (step: 'prepare' | 'perform', call: Call): RouteSpec =>
  memberOperationRoutes[`member.${step}.${call.operation}`];

export function memberOperationFlows(deps: FlowDeps): Pick<Handlers, 'member.prepare' | 'member.perform'> {
  const { client } = deps;
  const prepared = new Map<string, Prepared>();
  const key = (call: Call) => JSON.stringify(call);

  return {
    'member.prepare': async (call) => {
      const receivedAt = Date.now();
      const reply = (await client.route(routeOf('prepare', call), call.input as never)) as PrepareReply;
      if (reply.method === 'usbkey') prepared.set(key(call), { reply, receivedAt });
      return reply;
    },

    'member.perform': async ({ call, otp, sign }) => {
      const perform = routeOf('perform', call);
      if (otp) return client.route(perform, { input: call.input, proof: { otp } } as never) as never;
      if (!sign) throw new AppError('VERIFICATION_REQUIRED');
      const held = prepared.get(key(call));
      if (!held) throw new AppError('CHALLENGE_UNKNOWN');
      const signature = await signChallenge(deps.tokens, sign, 'memberOperation', held.reply, held.receivedAt);
      const result = await client.route(perform, { input: call.input, proof: { usbkey: signature } } as never);
      prepared.delete(key(call));
      return result as never;
    },
  };
}
