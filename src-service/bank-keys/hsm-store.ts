// The service's side of the HSM worker thread. A PKCS#11 library is one per
// process (its login state and C_Finalize are shared by every caller), so all
// users of one module in this process share one worker; the last to close it
// ends the session and finalises the library.
import { AppError, errorMessage, isErrorCode, type ErrorParams } from '../../src-shared/errors';
import type { HsmOp, HsmOps, HsmReply } from './hsm-messages';
import type { GeneratedKey, KeyStore, KeyStoreKind } from './key-store';
import type { HsmSettings } from './settings';
import { startWorker } from '../threads/start-worker';

class HsmWorker {
  private readonly worker = startWorker(__dirname, 'hsm-worker');
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: unknown): void }>();
  dead = false;

  constructor(private readonly token: string) {
    // Held only while a request waits, so an idle worker never keeps a tool's process alive.
    this.worker.unref();
    this.worker.on('message', (reply: HsmReply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) waiting.resolve(reply.value);
      else waiting.reject(hsmError(reply.error.code, reply.error.params, this.token));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('the HSM worker exited')));
  }

  private fail(error: Error): void {
    this.dead = true;
    for (const waiting of this.pending.values())
      waiting.reject(new AppError('BANK_HSM_FAILED', { token: this.token, cause: error.message.slice(0, 200) }));
    this.pending.clear();
  }

  request<O extends HsmOp>(op: O, args: HsmOps[O]['args']): Promise<HsmOps[O]['value']> {
    if (this.dead)
      return Promise.reject(new AppError('BANK_HSM_FAILED', { token: this.token, cause: 'the HSM worker is gone' }));
    const id = this.nextId++;
    if (this.pending.size === 0) this.worker.ref();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  async terminate(): Promise<void> {
    this.dead = true;
    await this.worker.terminate();
  }
}

/** The worker's failure as the service reports it: the token's own words, never a USB-KEY message. */
function hsmError(code: string, params: ErrorParams | undefined, token: string): AppError {
  if (code.startsWith('BANK_') && isErrorCode(code)) return new AppError(code, params);
  let cause: string;
  if (code.startsWith('TOKEN_PIN')) cause = 'the token refused the PIN (SETTLEKEY_HSM_PIN / SETTLEKEY_HSM_PIN_FILE)';
  else if (params?.ckr) cause = String(params.ckr);
  else cause = isErrorCode(code) ? errorMessage(code, 'en', params) : code;
  return new AppError('BANK_HSM_FAILED', { token, cause });
}

interface Shared {
  worker: HsmWorker;
  settings: HsmSettings;
  refs: number;
  opened: Promise<unknown>;
  /** SOFTHSM2_CONF as it was before this worker's library read it. */
  previousConf: string | undefined;
}

const shared = new Map<string, Shared>();

async function acquire(settings: HsmSettings): Promise<Shared> {
  const existing = shared.get(settings.module);
  if (existing && !existing.worker.dead) {
    if (
      existing.settings.tokenLabel !== settings.tokenLabel ||
      existing.settings.softhsmConf !== settings.softhsmConf ||
      existing.settings.pin !== settings.pin
    )
      throw new AppError('BANK_HSM_FAILED', {
        token: settings.tokenLabel,
        cause: `this process has token "${existing.settings.tokenLabel}" of that module open with other settings`,
      });
    existing.refs += 1;
    try {
      await existing.opened;
    } catch (error) {
      existing.refs -= 1;
      throw error;
    }
    return existing;
  }
  const previousConf = process.env.SOFTHSM2_CONF;
  // SoftHSM2 reads its configuration at C_Initialize from the process environment,
  // which this thread's process.env writes through to (a worker's copy would not).
  if (settings.softhsmConf) process.env.SOFTHSM2_CONF = settings.softhsmConf;
  const worker = new HsmWorker(settings.tokenLabel);
  const entry: Shared = {
    worker,
    settings,
    refs: 1,
    previousConf,
    opened: worker.request('open', {
      module: settings.module,
      tokenLabel: settings.tokenLabel,
      pin: settings.pin,
      ...(settings.initSoPin ? { initSoPin: settings.initSoPin } : {}),
    }),
  };
  shared.set(settings.module, entry);
  try {
    await entry.opened;
  } catch (error) {
    await release(entry);
    throw error;
  }
  return entry;
}

async function release(entry: Shared): Promise<void> {
  entry.refs -= 1;
  if (entry.refs > 0) return;
  if (shared.get(entry.settings.module) === entry) shared.delete(entry.settings.module);
  if (!entry.worker.dead) await entry.worker.request('close', {}).catch(() => undefined);
  await entry.worker.terminate();
  if (entry.settings.softhsmConf) {
    if (entry.previousConf === undefined) delete process.env.SOFTHSM2_CONF;
    else process.env.SOFTHSM2_CONF = entry.previousConf;
  }
}

export class HsmKeyStore implements KeyStore {
  readonly where: string;
  private closed = false;

  private constructor(
    readonly kind: KeyStoreKind,
    private readonly settings: HsmSettings,
    private entry: Shared,
  ) {
    this.where = `HSM token "${settings.tokenLabel}" (${settings.module})`;
  }

  /** Loads the module in a worker and logs in to the token; a wrong setting fails here, at start. */
  static async open(settings: HsmSettings, kind: KeyStoreKind = 'hsm'): Promise<HsmKeyStore> {
    return new HsmKeyStore(kind, settings, await acquire(settings));
  }

  private async worker(): Promise<HsmWorker> {
    if (this.closed) throw new AppError('BANK_HSM_FAILED', { token: this.settings.tokenLabel, cause: 'closed' });
    if (this.entry.worker.dead) {
      // The worker crashed: start another and log in again.
      const dead = this.entry;
      this.entry = await acquire(this.settings);
      await release(dead).catch(() => undefined);
    }
    return this.entry.worker;
  }

  async generate(label: string): Promise<GeneratedKey> {
    const { keyId, spki } = await (await this.worker()).request('generate', { label });
    return { ref: keyId, spki: Buffer.from(spki) };
  }

  async publicKey(ref: string): Promise<Buffer | null> {
    const { spki } = await (await this.worker()).request('publicKey', { keyId: ref });
    return spki ? Buffer.from(spki) : null;
  }

  async sign(ref: string, data: Buffer): Promise<Buffer> {
    const { signature } = await (await this.worker()).request('sign', { keyId: ref, data });
    return Buffer.from(signature);
  }

  async protection(ref: string) {
    return (await this.worker()).request('protection', { keyId: ref });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await release(this.entry);
  }
}
