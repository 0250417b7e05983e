// The token host: the only process of the app that loads pkcs11js and the
// vendors' SKF libraries. It runs as an Electron utilityProcess, or as a Node
// child process in the browser shell, so that a vendor library that blocks or
// crashes takes down only this process (the main process restarts it). It
// watches for tokens coming and going, and does what a request asks with the
// PIN it carries, which it never keeps: under the PIN policy it keeps the
// token's login (the session) instead, until the policy's time, the token's
// removal, or a release.
import { existsSync, readFileSync } from 'node:fs';
import { AppError } from '../../src-shared/errors';
import type { LibraryTest, LibraryTried, TokenCertificate, TokenInfo, TokenStatus } from '../../src-shared/token';
import { FILE_SLOT_PREFIX, FileCertificateStore } from './file-store';
import { findKnownModule, knownModules } from '../../src-token/module-paths';
import { Pkcs11Driver, slotIdOf, type LoggedIn } from '../../src-token/pkcs11-driver';
import { toTokenError } from '../../src-token/pkcs11-errors';
import type { HostConfig, HostMessage, HostOp, HostOps, HostRequest } from '../../src-token/protocol';
import { isSkfSlot, SkfDriver, type SkfSession } from '../../src-token/skf-driver';
import { blankSkfDevice, issueSm2Key } from '../../src-token/skf-provision';
import { knownSkfLibraries, SKF_SIMULATOR_VENDOR, skfSimulatorLibrary } from '../../src-token/skf-libraries';
import { parseSm2Mechanisms, type Sm2Mechanism } from '../../src-token/sm2-mechanisms';

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

/**
 * A user's own vendor SM2 mechanisms (the same fields as the built-in table), from the JSON file
 * SETTLEKEY_SM2_MECHANISMS_FILE names: for a vendor PKCS#11 module the table does not know yet.
 */
function userSm2Mechanisms(): Sm2Mechanism[] {
  const file = process.env.SETTLEKEY_SM2_MECHANISMS_FILE;
  if (!file) return [];
  try {
    return parseSm2Mechanisms(JSON.parse(readFileSync(file, 'utf8')));
  } catch (error) {
    // told in the host's log; the built-in table still applies
    console.error(`SETTLEKEY_SM2_MECHANISMS_FILE ${file} is not a list of SM2 mechanism entries:`, error);
    return [];
  }
}

/** The SKF libraries to try: Settings' first, then the simulator where one is set up, then the known install paths. */
function skfCandidates(config: HostConfig): Omit<LibraryTried, 'present' | 'loaded' | 'error'>[] {
  const out: Omit<LibraryTried, 'present' | 'loaded' | 'error'>[] = [];
  if (config.skfLibrary) out.push({ api: 'skf', vendor: '', path: config.skfLibrary, source: 'settings' });
  const simulator = process.env.SETTLEKEY_SKF_SOFT_DIR ? skfSimulatorLibrary() : null;
  if (simulator) out.push({ api: 'skf', vendor: SKF_SIMULATOR_VENDOR, path: simulator, source: 'simulator' });
  if (config.searchKnownPaths !== false) {
    for (const known of knownSkfLibraries()) out.push({ api: 'skf', ...known, source: 'known-path' });
  }
  return out.filter((c, i) => out.findIndex((o) => o.path === c.path) === i);
}

/**
 * A token left logged in under the PIN policy: the session, never the PIN.
 * It ends at `until`, when the token goes, and on release (lock, logout, idle).
 */
type HeldLogin = { until: number } & (
  { api: 'pkcs11'; driver: Pkcs11Driver; session: LoggedIn } | { api: 'skf'; driver: SkfDriver; session: SkfSession }
);

/** What one sign request asks of whichever login signs it. */
interface SignJob {
  keyId: string;
  items: Buffer[];
  mechanisms: number[] | undefined;
  progress: (done: number) => void;
}

const heldAlive = (h: HeldLogin): boolean =>
  h.api === 'pkcs11' ? h.driver.alive(h.session) : h.driver.alive(h.session);

/** PKCS#11 logs out every session of the token at once: a held login ends before any other login on its token. */
const endLogin = (h: HeldLogin): void => (h.api === 'pkcs11' ? h.driver.logout(h.session) : h.driver.logout(h.session));

class TokenHost {
  private held = new Map<string, HeldLogin>();
  private driver: Pkcs11Driver | null = null;
  /** The SKF libraries that loaded, in the order tried. */
  private skf: SkfDriver[] = [];
  private tried: LibraryTried[] = [];
  private files: FileCertificateStore | null = null;
  private moduleInfo: TokenStatus['module'] = { path: null, source: 'none', loaded: false, error: null };
  private snapshot = '';
  /** One operation on the token at a time; status reads do not wait. */
  private queue: Promise<unknown> = Promise.resolve();
  private working = 0;

  configure(config: HostConfig): TokenStatus {
    this.releaseHeld();
    this.driver?.close();
    this.driver = null;
    for (const skf of this.skf) if (!skf.busy) skf.close();
    this.skf = [];
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
      const driver = new Pkcs11Driver(path, userSm2Mechanisms());
      try {
        driver.load();
        this.driver = driver;
        this.moduleInfo.loaded = true;
      } catch (error) {
        this.moduleInfo.error = toTokenError(error).message;
      }
    }
    this.tried = [
      ...(config.modulePath ? [] : config.searchKnownPaths === false ? [] : knownModules()).map((m): LibraryTried => ({
        api: 'pkcs11',
        ...m,
        source: 'known-path',
        present: existsSync(m.path),
        loaded: this.driver !== null && m.path === path,
        error: m.path === path ? this.moduleInfo.error : null,
      })),
      ...(config.modulePath
        ? [
            {
              api: 'pkcs11' as const,
              vendor: '',
              path: config.modulePath,
              source: 'settings' as const,
              present: existsSync(config.modulePath),
              loaded: this.driver !== null,
              error: this.moduleInfo.error,
            },
          ]
        : []),
      ...skfCandidates(config).map((c) => this.loadSkf(c)),
    ];
    // No PKCS#11 module or SKF library anywhere: file certificates are the security tool.
    if (!path && this.skf.length === 0) this.files = new FileCertificateStore(config.fileCertDir);
    return this.status();
  }

  private loadSkf(candidate: Omit<LibraryTried, 'present' | 'loaded' | 'error'>): LibraryTried {
    const present = existsSync(candidate.path);
    if (!present) return { ...candidate, present, loaded: false, error: null };
    const driver = new SkfDriver(candidate.path);
    try {
      driver.load();
      this.skf.push(driver);
      return { ...candidate, present, loaded: true, error: null };
    } catch (error) {
      return { ...candidate, present, loaded: false, error: toTokenError(error).message };
    }
  }

  status(): TokenStatus {
    let tokens: TokenInfo[] = [];
    try {
      tokens = this.driver ? this.driver.tokens() : (this.files?.tokens() ?? []);
    } catch (error) {
      this.moduleInfo.error = toTokenError(error).message;
    }
    for (const skf of this.skf) {
      try {
        tokens = tokens.concat(skf.tokens());
      } catch {
        // a library in trouble: its devices are not listed until it answers again
      }
    }
    tokens = tokens.map((t) => {
      const held = this.held.get(t.slotId);
      return held ? { ...t, heldUntil: new Date(held.until).toISOString() } : t;
    });
    return {
      module: { ...this.moduleInfo },
      libraries: this.tried.map((t) => ({ ...t })),
      fileCertificates: this.files !== null,
      tokens,
      restartedAt: null,
    };
  }

  /** The SKF library that lists this device (an SKF slot id names the device, not the library). */
  private skfFor(slotId: string): SkfDriver {
    for (const skf of this.skf) {
      try {
        if (skf.tokens().some((t) => t.slotId === slotId) || skf.uninitializedSlots().includes(slotId)) return skf;
      } catch {
        /* try the next library */
      }
    }
    throw new AppError('TOKEN_NOT_PRESENT');
  }

  /**
   * Notices insertion and removal. Slot events cannot be trusted to exist
   * (SoftHSM2 answers "no event" for ever), and a module that only rescans at
   * C_Initialize (SoftHSM2) needs C_Finalize + C_Initialize to see a new token —
   * done only while no operation has a session open.
   */
  poll(): void {
    if (this.working === 0) this.expireHeld();
    if (this.working > 0 || (this.driver?.busy ?? false) || this.skf.some((d) => d.busy)) return;
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

  /** Ends held logins whose time is up or whose token is gone, and says so in the status. */
  private expireHeld(): void {
    const now = Date.now();
    for (const [slotId, held] of this.held) {
      if (held.until <= now || !heldAlive(held)) this.releaseHeld(slotId);
    }
    if (this.held.size === 0) return;
    try {
      this.publishIfChanged();
    } catch {
      /* the next poll */
    }
  }

  /** Logs out held logins (one slot's, or all); returns how many ended. */
  releaseHeld(slotId?: string): number {
    let released = 0;
    for (const [slot, held] of [...this.held]) {
      if (slotId !== undefined && slot !== slotId) continue;
      this.held.delete(slot);
      released += 1;
      endLogin(held);
    }
    return released;
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
    if (slotId && isSkfSlot(slotId) && ['TOKEN_FUNCTION_FAILED', 'TOKEN_DEVICE_ERROR'].includes(appError.code)) {
      // SKF answers a device pulled out with SAR_DEVICE_REMOVED, or with a vaguer code on some libraries.
      return this.status().tokens.some((t) => t.slotId === slotId) ? appError : new AppError('TOKEN_NOT_PRESENT');
    }
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
    if (slotId && isSkfSlot(slotId)) return this.skfFor(slotId).certificates(slotId);
    const skf = slotId
      ? []
      : this.skf.flatMap((d) =>
          d
            .tokens()
            .map((t) => d.certificates(t.slotId))
            .flat(),
        );
    if (!this.driver && this.skf.length > 0) return skf;
    const driver = this.requireDriver();
    const slots = slotId ? [slotId] : driver.tokens().map((t) => t.slotId);
    return slots.flatMap((s) => driver.certificates(s)).concat(skf);
  }

  sign(request: HostRequest<'sign'>): Promise<HostOps['sign']['value']> {
    const { slotId, keyId, pin, data, mechanisms, holdMs } = request.args;
    const items = data.map((d) => Buffer.from(d, 'base64'));
    const progress = (done: number) => post({ event: 'progress', id: request.id, done, total: items.length });
    return this.exclusive(async () => {
      if (slotId.startsWith(FILE_SLOT_PREFIX)) {
        if (!this.files) throw new AppError('TOKEN_NOT_PRESENT');
        const signatures = this.files.sign(slotId, pin, items);
        progress(items.length);
        return { signatures: signatures.map((s) => s.toString('base64')) };
      }
      const job: SignJob = { keyId, items, mechanisms, progress };
      if (pin === '') return this.signHeld(slotId, job);
      // A PIN typed while a login is held starts afresh: the old login ends first.
      this.releaseHeld(slotId);
      const keep = (holdMs ?? 0) > 0 ? Date.now() + holdMs! : 0;
      if (isSkfSlot(slotId)) {
        const skf = this.skfFor(slotId);
        const session = skf.login(slotId, pin);
        return this.signThenKeep({ api: 'skf', driver: skf, session, until: keep }, job);
      }
      const driver = this.requireDriver();
      const session = driver.login(slotId, pin, false);
      return this.signThenKeep({ api: 'pkcs11', driver, session, until: keep }, job);
    }, slotId).finally(() => this.publishIfChanged());
  }

  /** Signs in a fresh login, then logs out — or keeps the login when the policy holds it. */
  private async signThenKeep(login: HeldLogin, job: SignJob): Promise<HostOps['sign']['value']> {
    let kept = false;
    try {
      const value = await this.signIn(login, job);
      if (login.until > Date.now()) {
        this.held.set(login.api === 'skf' ? login.session.slotId : slotIdOf(login.session.slot), login);
        kept = true;
      }
      return value;
    } finally {
      if (!kept) endLogin(login);
    }
  }

  private async signHeld(slotId: string, job: SignJob): Promise<HostOps['sign']['value']> {
    const held = this.held.get(slotId);
    if (!held || held.until <= Date.now() || !heldAlive(held)) {
      this.releaseHeld(slotId);
      throw new AppError('TOKEN_NOT_LOGGED_IN');
    }
    try {
      return await this.signIn(held, job);
    } catch (error) {
      // A held login that failed is not trusted again: the next signature asks for the PIN.
      this.releaseHeld(slotId);
      throw error;
    }
  }

  private async signIn(
    login: HeldLogin,
    { keyId, items, mechanisms, progress }: SignJob,
  ): Promise<HostOps['sign']['value']> {
    const signatures: string[] = [];
    if (login.api === 'skf') {
      // SM2 with the standard signer ID: the device hashes SM3(Z ‖ M) and returns r ‖ s.
      for (const item of items) {
        signatures.push((await login.driver.signSm2(login.session, keyId, item)).toString('base64'));
        progress(signatures.length);
      }
    } else {
      const key = login.driver.privateKey(login.session, keyId);
      for (const item of items) {
        signatures.push((await login.driver.sign(login.session, key, item, { mechanisms })).toString('base64'));
        progress(signatures.length);
      }
    }
    return { signatures };
  }

  private pendingFiles = new Map<string, (certDer: Buffer, password: string) => string>();

  provision(args: HostOps['provision']['args']): Promise<HostOps['provision']['value']> {
    return this.exclusive(async () => {
      // A new token is seen only after re-initialising the module, which no open session may stand in the way of.
      this.releaseHeld(args.slotId ?? undefined);
      if (this.files) {
        const created = await this.files.create(args.subject);
        const id = `pending:${args.subject.commonName}`;
        this.pendingFiles.set(id, created.finish);
        return { slotId: id, keyId: id, csrPem: created.csrPem };
      }
      if (args.keyType === 'sm2' || (args.slotId && isSkfSlot(args.slotId))) return this.provisionSkf(args);
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
        const key = await driver.generateKeyPair(session, args.keyType, args.keyLabel ?? args.subject.commonName);
        const csrPem = await driver.createCsr(session, key, args.keyType, args.subject);
        return { slotId: target, keyId: key.keyId, csrPem };
      });
    }, args.slotId);
  }

  /** An SM2 key on an SKF device (src-token/skf-provision.ts): a blank or simulated device issued first with `init`. */
  private async provisionSkf(args: HostOps['provision']['args']): Promise<HostOps['provision']['value']> {
    if (args.keyType !== 'sm2') throw new AppError('TOKEN_MECHANISM_UNSUPPORTED');
    if (!args.slotId && !args.init) throw new AppError('TOKEN_NOT_PRESENT');
    const target = args.slotId
      ? { driver: this.skfFor(args.slotId), slotId: args.slotId }
      : blankSkfDevice(this.skf, args.init!.label);
    return issueSm2Key(target.driver, target.slotId, {
      init: args.init,
      userPin: args.userPin,
      subject: args.subject,
      container: args.keyLabel,
      newDevice: !args.slotId,
    });
  }

  /** 修改 USB-KEY 密码: on the token itself; a wrong old PIN counts down the tries like any wrong PIN. */
  changePin(args: HostOps['changePin']['args']): Promise<HostOps['changePin']['value']> {
    return this.exclusive(async () => {
      this.releaseHeld(args.slotId);
      if (args.slotId.startsWith(FILE_SLOT_PREFIX)) throw new AppError('TOKEN_MECHANISM_UNSUPPORTED');
      if (isSkfSlot(args.slotId)) this.skfFor(args.slotId).changePin(args.slotId, args.oldPin, args.newPin);
      else await this.requireDriver().changePin(args.slotId, args.oldPin, args.newPin);
      return { slotId: args.slotId };
    }, args.slotId);
  }

  /** Loads a library the user names, as PKCS#11 and else as SKF, and says what it sees — without keeping it. */
  testLibrary(path: string): LibraryTest {
    if (!existsSync(path)) return { api: null, loaded: false, error: 'file not found / 文件不存在', tokens: 0 };
    // One already loaded is asked as it is: a second C_Initialize of the same module would be refused.
    if (this.driver && this.moduleInfo.path === path)
      return { api: 'pkcs11', loaded: true, error: null, tokens: this.driver.tokens().length };
    const loadedSkf = this.skf.find((d) => d.libraryPath === path);
    if (loadedSkf) return { api: 'skf', loaded: true, error: null, tokens: loadedSkf.tokens().length };
    const p11 = new Pkcs11Driver(path);
    let p11Error: string | null = null;
    try {
      p11.load();
      try {
        return { api: 'pkcs11', loaded: true, error: null, tokens: p11.tokens().length };
      } finally {
        p11.close();
      }
    } catch (error) {
      p11Error = toTokenError(error).message;
    }
    const skf = new SkfDriver(path);
    try {
      skf.load();
      try {
        return { api: 'skf', loaded: true, error: null, tokens: skf.tokens().length };
      } finally {
        skf.close();
      }
    } catch (error) {
      return { api: null, loaded: false, error: `${p11Error} · ${toTokenError(error).message}`, tokens: 0 };
    }
  }

  writeCertificate(args: HostOps['writeCertificate']['args']): Promise<HostOps['writeCertificate']['value']> {
    return this.exclusive(async () => {
      this.releaseHeld(args.slotId);
      const der = Buffer.from(args.certDer, 'base64');
      const finish = this.pendingFiles.get(args.slotId);
      if (finish) {
        this.pendingFiles.delete(args.slotId);
        return { slotId: finish(der, args.pin) };
      }
      if (isSkfSlot(args.slotId)) {
        const skf = this.skfFor(args.slotId);
        await skf.withLogin(args.slotId, args.pin, (session) => skf.writeCertificate(session, args.keyId, der));
        return { slotId: args.slotId };
      }
      const driver = this.requireDriver();
      await driver.withLogin(args.slotId, args.pin, true, async (session) =>
        driver.writeCertificate(session, args.keyId, der, args.label),
      );
      return { slotId: args.slotId };
    }, args.slotId).then((written) => {
      // A new certificate leaves the token list as it was: forget the last status so the next poll
      // publishes it anyway, and whoever listed the certificates (a login waiting for its KEY) reads them again.
      this.snapshot = '';
      return written;
    });
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
      case 'release':
        return this.exclusive(async () => ({
          released: this.releaseHeld((request.args as HostOps['release']['args']).slotId),
        })).finally(() => this.publishIfChanged());
      case 'changePin':
        return this.changePin(request.args as HostOps['changePin']['args']);
      case 'testLibrary':
        return this.exclusive(async () => this.testLibrary((request.args as HostOps['testLibrary']['args']).path));
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
