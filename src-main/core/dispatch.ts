// The single entry of every IPC call, whichever shell carried it: the method
// must be in the contract, its argument must pass the contract's schema, and
// whatever happens the caller gets an envelope, never a thrown Error.
import { AppError, type Lang } from '../../src-shared/errors';
import { ipcContract, isIpcMethod, type IpcEnvelope } from '../../src-shared/ipc/contract';
import { parseOrThrow } from '../../src-shared/validation';
import type { Handlers } from './handlers';

export async function dispatch(
  handlers: Handlers,
  method: unknown,
  arg: unknown,
  lang: Lang,
  log: (message: string, error: unknown) => void = () => undefined,
): Promise<IpcEnvelope<unknown>> {
  try {
    if (!isIpcMethod(method)) throw new AppError('IPC_UNKNOWN_METHOD', { method: String(method).slice(0, 60) });
    const contract = ipcContract[method];
    const input = parseOrThrow(contract.input, arg, lang);
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    const value = await handler(input);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof AppError) return { ok: false, error: error.toShape(lang) };
    log(`IPC ${String(method)} failed`, error);
    return { ok: false, error: new AppError('INTERNAL').toShape(lang) };
  }
}
