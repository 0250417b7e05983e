// The main process's side of the token host: requests with ids and time
// limits, progress and status events, and a restart when the host dies (a
// vendor library crashed) or stops answering — the user is told, nothing else
// goes down. The main process never waits on a PKCS#11 call itself.
import { EventEmitter } from 'node:events';
import { AppError } from '../../src-shared/errors';
import { DEFAULT_PIN_POLICY, pinHoldMs, type PinPolicy, type TokenStatus } from '../../src-shared/token';
import type { HostConfig, HostMessage, HostOp, HostOps } from '../../src-token/protocol';

export interface HostProcess {
  send(message: unknown): void;
  onMessage(listener: (message: HostMessage) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
  pid?: number;
}

export type HostSpawner = () => HostProcess;

interface Pending {
  resolve(value: unknown): void;
  reject(error: AppError): void;
  timer: NodeJS.Timeout;
  onProgress?: (done: number, total: number) => void;
}

const DEFAULT_TIMEOUT_MS = 120_000;

export class TokenHostClient extends EventEmitter {
  private process: HostProcess | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private lastStatus: TokenStatus | null = null;
  private restartedAt: string | null = null;
  private stopped = false;
  private configured: Promise<TokenStatus> | null = null;
  /** The user's PIN policy (Settings); the main core points this at its settings. */
  pinPolicy: () => PinPolicy = () => DEFAULT_PIN_POLICY;
  /** The bank's ceiling, from the service at login; 0 until a session says otherwise: the PIN every time. */
  bankPinHoldMinutes = 0;

  constructor(
    private readonly spawn: HostSpawner,
    private readonly config: () => HostConfig,
  ) {
    super();
  }

  /** Starts the host if it is not running, and configures it. */
  start(): Promise<TokenStatus> {
    if (this.process && this.configured) return this.configured;
    this.stopped = false;
    const child = this.spawn();
    this.process = child;
    child.onMessage((message) => this.onMessage(message));
    child.onExit((code) => this.onExit(child, code));
    this.configured = this.send('configure', this.config()).then((status) => this.remember(status));
    return this.configured;
  }

  /** Settings changed (module path): configure again. */
  reconfigure(): Promise<TokenStatus> {
    this.configured = this.request('configure', this.config()).then((status) => this.remember(status));
    return this.configured;
  }

  /** How long the host keeps the token logged in after the next signature: the policy within the bank's ceiling. */
  holdMs(): number {
    return pinHoldMs(this.pinPolicy(), this.bankPinHoldMinutes);
  }

  /** Lock, logout, idle timeout: every held login ends; the next signature asks for the PIN. */
  async releaseLogins(): Promise<void> {
    if (!this.process) return;
    await this.send('release', {}).catch(() => undefined);
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  async status(): Promise<TokenStatus> {
    await this.start();
    return this.request('status', {}).then((status) => this.remember(status));
  }

  /** Sends a request, starting the host first if it is down. */
  async request<O extends HostOp>(
    op: O,
    args: HostOps[O]['args'],
    options: { timeoutMs?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<HostOps[O]['value']> {
    if (op !== 'configure') await this.start();
    return this.send(op, args, options);
  }

  private send<O extends HostOp>(
    op: O,
    args: HostOps[O]['args'],
    options: { timeoutMs?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<HostOps[O]['value']> {
    const child = this.process;
    if (!child) return Promise.reject(new AppError('TOKEN_HOST_CRASHED'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // A host that does not answer is stuck in a vendor call: replace it.
        this.pending.delete(id);
        reject(new AppError('TOKEN_HOST_TIMEOUT'));
        this.restart(child);
      }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer, onProgress: options.onProgress });
      child.send({ id, op, args });
    });
  }

  private remember(status: TokenStatus): TokenStatus {
    const withRestart = { ...status, restartedAt: this.restartedAt };
    this.lastStatus = withRestart;
    return withRestart;
  }

  private onMessage(message: HostMessage): void {
    if ('event' in message) {
      if (message.event === 'status') this.emit('status', this.remember(message.status));
      else this.pending.get(message.id)?.onProgress?.(message.done, message.total);
      return;
    }
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    clearTimeout(pending.timer);
    if (message.ok) pending.resolve(message.value);
    else pending.reject(new AppError(message.error.code, message.error.params));
  }

  private onExit(child: HostProcess, _code: number | null): void {
    if (this.process !== child) return;
    this.process = null;
    this.configured = null;
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new AppError('TOKEN_HOST_CRASHED'));
      this.pending.delete(id);
    }
    if (this.stopped) return;
    this.restartedAt = new Date().toISOString();
    this.emit('crashed');
    // Back up at once, so the next request (and the status in the header) work again.
    setTimeout(() => {
      if (!this.stopped && !this.process) {
        this.start()
          .then((status) => this.emit('status', status))
          .catch(() => undefined);
      }
    }, 100);
  }

  private restart(child: HostProcess): void {
    if (this.process === child) child.kill();
  }

  current(): TokenStatus | null {
    return this.lastStatus;
  }

  stop(): void {
    this.stopped = true;
    this.process?.kill();
    this.process = null;
    this.configured = null;
  }
}
