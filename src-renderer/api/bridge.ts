// The renderer's one way out: the `window.settlekey` object that Electron's
// preload or the browser shell's bridge script provides. Envelopes become
// values or thrown AppErrors here, once.
import { AppError } from '../../src-shared/errors';
import type {
  IpcEventName,
  IpcEventPayload,
  IpcInput,
  IpcMethod,
  IpcOutput,
  SettleKeyBridge,
} from '../../src-shared/ipc/contract';

declare global {
  interface Window {
    settlekey?: SettleKeyBridge;
  }
}

export type Args<M extends IpcMethod> = undefined extends IpcInput<M> ? [IpcInput<M>?] : [IpcInput<M>];

const callListeners = new Set<(method: IpcMethod) => void>();

/** Lets the session timer see every call that reached the service. */
export function onCall(listener: (method: IpcMethod) => void): () => void {
  callListeners.add(listener);
  return () => callListeners.delete(listener);
}

function bridge(): SettleKeyBridge {
  if (!window.settlekey) throw new AppError('SERVICE_UNAVAILABLE', { url: 'bridge', reason: 'no bridge' });
  return window.settlekey;
}

export async function call<M extends IpcMethod>(method: M, ...args: Args<M>): Promise<IpcOutput<M>> {
  const fn = bridge()[method] as (
    arg: unknown,
  ) => Promise<
    { ok: true; value: IpcOutput<M> } | { ok: false; error: import('../../src-shared/errors').AppErrorShape }
  >;
  const envelope = await fn(args[0]);
  for (const listener of callListeners) listener(method);
  if (envelope.ok) return envelope.value;
  throw AppError.fromShape(envelope.error);
}

export function onEvent<E extends IpcEventName>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void {
  return bridge().on(event, listener);
}
