// What a handler of an IPC method is, and what the hand-written flows may use.
import type { EarlyReply } from '../../src-shared/early-reply';
import type { Lang } from '../../src-shared/errors';
import type { IpcMethod, IpcOutput, IpcParsed } from '../../src-shared/ipc/contract';
import type { TokenHostClient } from '../token/host-client';
import type { FileSaver } from './files';
import type { MarketSimulator } from './market-sim';
import type { SessionCache } from './session-cache';
import type { SettlementClient } from './settlement-client';

export type Handlers = { [M in IpcMethod]: (input: IpcParsed<M>) => Promise<IpcOutput<M>> };

/**
 * What the desktop's flows use, and no more. A flow's state (the login's certificate step,
 * the previewed instructions, the prepared member operations) is its own.
 */
export interface FlowDeps {
  readonly client: Pick<SettlementClient, 'route' | 'hasSession' | 'setToken' | 'reset' | 'currentUrl'>;
  readonly cache: Pick<
    SessionCache,
    'getSettings' | 'saveSettings' | 'lastLoginName' | 'setLastLoginName' | 'clearPages'
  >;
  readonly tokens: Pick<TokenHostClient, 'status' | 'request' | 'reconfigure' | 'holdMs' | 'releaseLogins'> & {
    bankPinHoldMinutes: number;
  };
  readonly files: FileSaver;
  readonly version: string;
  readonly demo: boolean;
  language(): Lang;
  /** A batch of signatures on the token has reached `done` of `total`. */
  signProgress(done: number, total: number): void;
  /** Demo: USB-KEYs the bank counter issued since the start are delivered before a login needs them. */
  deliverDemoTokens(): Promise<unknown>;
  /** The captcha shown last: only the test-mode hooks of the shells read it. */
  captchaShown(captchaId: string): void;
  /** The demo's market simulator, when the embedded demo runs one (never for a remote service). */
  marketSim(): Pick<MarketSimulator, 'send'> | null;
  /** The captcha asked for at the start (MainCore.askFirstCaptcha), handed to the first page that asks. */
  readonly firstCaptcha: Pick<EarlyReply<IpcOutput<'auth.captcha'>>, 'take'>;
}
