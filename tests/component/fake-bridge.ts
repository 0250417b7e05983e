// A recording stand-in for `window.settlekey`, the renderer's one boundary:
// each method answers from a table (a value, a function of the argument, or a
// refusal) and every call is kept in order, so a test asserts what crossed.
import type { InstructionPreview } from '../../src-shared/api/settlement';
import type { AppErrorShape } from '../../src-shared/errors';

export type Reply = unknown | ((arg: unknown) => unknown);
export interface Refused {
  refused: AppErrorShape;
}

export function refuse(error: AppErrorShape): Refused {
  return { refused: error };
}

export function installBridge(replies: Record<string, Reply | Refused>) {
  const calls: { method: string; arg: unknown }[] = [];
  const bridge = new Proxy({} as Record<string, unknown>, {
    get: (_, method) => {
      if (method === 'on') return () => () => undefined;
      if (typeof method !== 'string') return undefined;
      return async (arg: unknown) => {
        calls.push({ method, arg });
        if (!(method in replies)) throw new Error(`unexpected bridge call ${method}`);
        const reply = replies[method];
        const value = typeof reply === 'function' ? (reply as (a: unknown) => unknown)(arg) : reply;
        if (value && typeof value === 'object' && 'refused' in value)
          return { ok: false, error: (value as Refused).refused };
        return { ok: true, value };
      };
    },
  });
  (window as unknown as { settlekey: unknown }).settlekey = bridge;
  return { calls, replies, methods: () => calls.map((c) => c.method) };
}

/** The service's reading of a deposit of ¥1,000.00 by EX1002, as the sign-step tests show it. */
export const DEPOSIT_PREVIEW: InstructionPreview = {
  kind: 'deposit',
  serial: '2026113000000001',
  challenge: 'c',
  issuedAt: '2026-11-30T10:00:00Z',
  fields: { serial: '2026113000000001', memberCode: 'EX1002', amount: 100_000 },
  refusals: [],
  needsReview: true,
};
