// The token host: the only process of the app that loads pkcs11js. It runs as
// an Electron utilityProcess, or as a Node child process in the browser shell,
// so that a vendor library that blocks or crashes takes down only this process
// (the main process restarts it). It watches for tokens coming and going, and
// does what a request asks with the PIN it carries, which it never keeps.
import { AppError } from '../../src-shared/errors';
import type { TokenCertificate, TokenStatus } from '../../src-shared/token';
import { FILE_SLOT_PREFIX, FileCertificateStore } from './file-store';
import { findKnownModule } from '../../src-token/module-paths';
import { Pkcs11Driver } from '../../src-token/pkcs11-driver';
import { toTokenError } from '../../src-token/pkcs11-errors';
import type { HostConfig, HostMessage, HostOp, HostOps, HostRequest } from '../../src-token/protocol';

const POLL_MS = Number(process.env.SETTLEKEY_TOKEN_POLL_MS ?? 1000);

interface Port {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: { data: HostRequest }) => void): void;
}

const parentPort = (process as unknown as { parentPort?: Port }).parentPort;

function post(message: HostMessage): void {
  if (parentPort) parentPort.postMessage(message);
  else process.send?.(message);
}

class TokenHost {
  private driver: Pkcs11Driver | null = null;
  private files: FileCertificateStore | null = null;
  private moduleInfo: TokenStatus['module'] = { path: null, source: 'none', loaded: false, error: null };
  private snapshot = '';
  /** One operation on the token at a time; status reads do not wait. */
  private queue: Promise<unknown> = Promise.resolve();
  private working = 0;

  configure(config: HostConfig): TokenStatus {
    this.driver?.close();
    this.driver = null;
    this.files = null;
    const known = config.modulePath || config.searchKnownPaths === false ? null : findKnownModule();
    const path = config.modulePath ?? known?.path ?? null;
    this.moduleInfo = {
      path,
      source: config.modulePath ? 'settings' : known ? 'known-path' : 'none',
      loaded: false,
      error: null,
    };
    if (path) {
      const driver = new Pkcs11Driver(path);
      try {
        driver.load();
        this.driver = driver;
        this.moduleInfo.loaded = true;
      } catch (error) {
        this.moduleInfo.error = toTokenError(error).message;
      }
    } else {
      // No PKCS#11 module anywhere: file certificates are the security tool.
      this.files = new FileCertificateStore(config.fileCertDir);
    }
    return this.status();
  }

  status(): TokenStatus {
    let tokens: TokenStatus['tokens'] = [];
    try {
      tokens = this.driver ? this.driver.tokens() : (this.files?.tokens() ?? []);
    } catch (error) {
      this.moduleInfo.error = toTokenError(error).message;
    }
    return { module: { ...this.moduleInfo }, fileCertificates: this.files !== null, tokens, restartedAt: null };
  }

  /**
   * Notices insertion and removal. Slot events cannot be trusted to exist
   * (SoftHSM2 answers "no event" for ever), and a module that only rescans at
   * C_Initialize (SoftHSM2) needs C_Finalize + C_Initialize to see a new token —
   * done only while no operation has a session open.
   */
  poll(): void {
    if (this.working > 0 || (this.driver?.busy ?? false)) return;
    try {
      if (this.driver) {
        this.driver.pollSlotEvent();
        this.driver.reinitialize();
      }
      this.publishIfChanged();
    } catch {
      // a module in trouble: the next poll tries again
    }
  }

  private publishIfChanged(): void {
    const status = this.status();
    const key = JSON.stringify(status);
    if (key !== this.snapshot) {
      this.snapshot = key;
      post({ event: 'status', status });
    }
  }

  /**
   * One operation at a time. A token pulled out mid-operation often shows up
   * only as CKR_GENERAL_ERROR: when a failure is that vague, look again, and
   * if the token is gone say so.
   */
  private exclusive<T>(work: () => Promise<T>, slotId?: string | null): Promise<T> {
    const run = this.queue.then(async () => {
      this.working += 1;
      try {
        return await work();
      } catch (error) {
        throw this.explain(error, slotId);
      } finally {
        this.working -= 1;
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  private explain(error: unknown, slotId: string | null | undefined): AppError {
    const appError = toTokenError(error);
    if (!slotId || !this.driver || !['TOKEN_FUNCTION_FAILED', 'TOKEN_DEVICE_ERROR'].includes(appError.code))
      return appError;
    try {
      this.driver.reinitialize();
      if (!this.driver.tokens().some((t) => t.slotId === slotId)) return new AppError('TOKEN_NOT_PRESENT');
    } catch {
      /* keep the original error */
    }
    return appError;
  }

  private requireDriver(): Pkcs11Driver {
    if (!this.driver)
      throw new AppError(this.moduleInfo.error ? 'TOKEN_MODULE_LOAD_FAILED' : 'TOKEN_MODULE_NOT_FOUND', {
        path: this.moduleInfo.path ?? '',
        cause: this.moduleInfo.error ?? '',
      });
    return this.driver;
  }

  certificates(slotId?: string): TokenCertificate[] {
    if (this.files) {
      return (slotId ? [slotId] : this.files.tokens().map((t) => t.slotId)).flatMap((s) => this.files!.certificates(s));
    }
    const driver = this.requireDriver();
    const slots = slotId ? [slotId] : driver.tokens().map((t) => t.slotId);
    return slots.flatMap((s) => driver.certificates(s));
  }

  sign(request: HostRequest<'sign'>): Promise<HostOps['sign']['value']> {
    const { slotId, keyId, pin, data, mechanisms } = request.args;
    const items = data.map((d) => Buffer.from(d, 'base64'));
    return this.exclusive(async () => {
      if (slotId.startsWith(FILE_SLOT_PREFIX)) {
        if (!this.files) throw new AppError('TOKEN_NOT_PRESENT');
        const signatures = this.files.sign(slotId, pin, items);
        post({ event: 'progress', id: request.id, done: items.length, total: items.length });
        return { signatures: signatures.map((s) => s.toString('base64')) };
      }
      const driver = this.requireDriver();
      return driver.withLogin(slotId, pin, false, async (session) => {
        const key = driver.privateKey(session, keyId);
        const signatures: string[] = [];
        for (const item of items) {
          signatures.push((await driver.sign(session, key, item, { mechanisms })).toString('base64'));
          post({ event: 'progress', id: request.id, done: signatures.length, total: items.length });
        }
        return { signatures };
      });
    }, slotId);
  }

  private pendingFiles = new Map<string, (certDer: Buffer, password: string) => string>();

  provision(args: HostOps['provision']['args']): Promise<HostOps['provision']['value']> {
    return this.exclusive(async () => {
      if (this.files) {
        const created = await this.files.create(args.subject);
        const id = `pending:${args.subject.commonName}`;
        this.pendingFiles.set(id, created.finish);
        return { slotId: id, keyId: id, csrPem: created.csrPem };
      }
      const driver = this.requireDriver();
      let slotId = args.slotId;
      if (!slotId) {
        if (!args.init) throw new AppError('TOKEN_NOT_PRESENT');
        const blank = driver.uninitializedSlots()[0];
        if (!blank) throw new AppError('TOKEN_NOT_PRESENT');
        driver.initToken(blank, args.init.label, args.init.soPin, args.userPin);
        // SoftHSM2 gives the new token a slot of its own; find it by its label.
        driver.reinitialize();
        slotId = driver.tokens().find((t) => t.label === args.init!.label)?.slotId ?? null;
        if (!slotId) throw new AppError('TOKEN_NOT_PRESENT');
      }
      const target = slotId;
      return driver.withLogin(target, args.userPin, true, async (session) => {
        const key = await driver.generateKeyPair(session, args.keyType, args.subject.commonName);
        const csrPem = await driver.createCsr(session, key, args.keyType, args.subject);
        return { slotId: target, keyId: key.keyId, csrPem };
      });
    }, args.slotId);
  }

  writeCertificate(args: HostOps['writeCertificate']['args']): Promise<HostOps['writeCertificate']['value']> {
    return this.exclusive(async () => {
      const der = Buffer.from(args.certDer, 'base64');
      const finish = this.pendingFiles.get(args.slotId);
      if (finish) {
        this.pendingFiles.delete(args.slotId);
        return { slotId: finish(der, args.pin) };
      }
      const driver = this.requireDriver();
      await driver.withLogin(args.slotId, args.pin, true, async (session) =>
        driver.writeCertificate(session, args.keyId, der, args.label),
      );
      return { slotId: args.slotId };
    }, args.slotId);
  }

  async handle(request: HostRequest): Promise<unknown> {
    switch (request.op as HostOp) {
      case 'ping':
        return { pid: process.pid };
      case 'configure':
        return this.configure(request.args as HostConfig);
      case 'status':
        // Asked for explicitly (the picker opened): look again rather than wait for the next poll.
        this.poll();
        return this.status();
      case 'certificates':
        return this.certificates((request.args as HostOps['certificates']['args']).slotId);
      case 'sign':
        return this.sign(request as HostRequest<'sign'>);
      case 'provision':
        return this.provision(request.args as HostOps['provision']['args']);
      case 'writeCertificate':
        return this.writeCertificate(request.args as HostOps['writeCertificate']['args']);
      default:
        throw new AppError('NOT_FOUND');
    }
  }
}

const host = new TokenHost();

async function onRequest(request: HostRequest): Promise<void> {
  try {
    post({ id: request.id, ok: true, value: await host.handle(request) });
  } catch (error) {
    const appError = toTokenError(error);
    // The PIN is in request.args: nothing about the request is logged.
    post({ id: request.id, ok: false, error: { code: appError.code, params: appError.params } });
  }
}

if (parentPort) parentPort.on('message', (message) => void onRequest(message.data));
else process.on('message', (message) => void onRequest(message as HostRequest));

setInterval(() => host.poll(), POLL_MS).unref();
// A Node child process stays while its parent does; Electron's utility process likewise.
process.on('disconnect', () => process.exit(0));
