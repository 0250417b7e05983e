// The renderer's typed client per domain, derived from the contract's method
// names at the type level: `accountsApi.transactions({ contractId, query })`
// is `call('accounts.transactions', …)`. Only types are imported, so no route
// schema reaches the renderer's chunks; the main process validates every call.
import type { IpcMethod, IpcOutput } from '../../src-shared/ipc/contract';
import { call, type Args } from './bridge';

export type DomainClient<P extends string> = {
  readonly [M in IpcMethod as M extends `${P}.${infer Name}` ? Name : never]: (
    ...args: Args<M>
  ) => Promise<IpcOutput<M>>;
};

export function domainClient<P extends string>(prefix: P): DomainClient<P> {
  return new Proxy({} as DomainClient<P>, {
    // Vue probes objects used in templates for `__v_*` flags, and `await` looks
    // for `then`; answering those with a method would make a client look
    // reactive or thenable. No contract method has such a name.
    get: (_, name) =>
      typeof name === 'string' && name !== 'then' && !name.startsWith('__')
        ? (arg?: unknown) => call(`${prefix}.${name}` as IpcMethod, arg as never)
        : undefined,
  });
}

/** What corporate and member users share: markets, member accounts and their transactions (owner from the session). */
export const accountsApi = domainClient('accounts');
/** Corporate e-banking: settlement accounts and their transactions, operators. */
export const ebankApi = domainClient('ebank');
/** Maker-checker instructions. */
export const instructionsApi = domainClient('instructions');
/** The member system: profile, cards, trades, suspense records and verified operations. */
export const memberApi = domainClient('member');
export const authApi = domainClient('auth');
export const certificatesApi = domainClient('certificates');
export const tokenApi = domainClient('token');
export const lookupApi = domainClient('lookup');
export const registerApi = domainClient('register');
export const recoverApi = domainClient('recover');
export const publicApi = domainClient('public');
export const demoApi = domainClient('demo');
export const settingsApi = domainClient('settings');
export const appApi = domainClient('app');
/** The bank's signed receipts (回单), and their public check by verification code. */
export const receiptsApi = domainClient('receipts');
export const filesApi = { export: domainClient('export').table, print: domainClient('print').page };
