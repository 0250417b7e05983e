// The bank's HSM, driven from a worker thread: every PKCS#11 call blocks its
// caller, and the service's event loop serves every request, so none is made
// there. One logged-in session is held for the worker's life; operations on it
// run one at a time (a PKCS#11 session does one operation at a time).
import { parentPort } from 'node:worker_threads';
import { AppError } from '../../src-shared/errors';
import type { KeyType } from '../../src-shared/token';
import { Pkcs11Driver, type LoggedIn } from '../../src-token/pkcs11-driver';
import { toTokenError } from '../../src-token/pkcs11-errors';
import type { HsmOpenArgs, HsmOps, HsmReply, HsmRequest } from './hsm-messages';

interface Connection {
  driver: Pkcs11Driver;
  session: LoggedIn;
  release: () => void;
  held: Promise<void>;
  keys: Map<string, { handle: Buffer; keyType: KeyType }>;
}

let settings: HsmOpenArgs | null = null;
let connection: Connection | null = null;
/** Set when the token refused the PIN: no further login is tried, each could bring the token nearer to locking. */
let pinRefused = false;
let queue: Promise<unknown> = Promise.resolve();

/** Failures after which a fresh session may succeed (the HSM restarted, the session was dropped). */
const SESSION_LOST = new Set(['TOKEN_NOT_PRESENT', 'TOKEN_NOT_LOGGED_IN', 'TOKEN_DEVICE_ERROR']);

async function connect(args: HsmOpenArgs): Promise<Connection> {
  if (pinRefused)
    throw new AppError('BANK_HSM_FAILED', { token: args.tokenLabel, cause: 'the PIN was refused; not tried again' });
  const driver = new Pkcs11Driver(args.module);
  driver.load();
  try {
    let token = driver.tokens().find((t) => t.label === args.tokenLabel);
    if (!token && args.initSoPin) {
      const blank = driver.uninitializedSlots()[0];
      if (!blank) throw new AppError('BANK_HSM_TOKEN_NOT_FOUND', { token: args.tokenLabel, module: args.module });
      driver.initToken(blank, args.tokenLabel, args.initSoPin, args.pin);
      // SoftHSM2 moves the new token to a slot of its own, seen after C_Initialize.
      driver.reinitialize();
      token = driver.tokens().find((t) => t.label === args.tokenLabel);
    }
    if (!token) throw new AppError('BANK_HSM_TOKEN_NOT_FOUND', { token: args.tokenLabel, module: args.module });
    const slotId = token.slotId;
    let loggedIn!: (session: LoggedIn) => void;
    const sessionReady = new Promise<LoggedIn>((resolve) => (loggedIn = resolve));
    let release = () => {};
    const held = driver.withLogin(slotId, args.pin, true, (session) => {
      loggedIn(session);
      return new Promise<void>((end) => (release = end));
    });
    const session = await Promise.race([
      sessionReady,
      held.then(() => Promise.reject(new AppError('BANK_HSM_FAILED', { token: args.tokenLabel, cause: 'logged out' }))),
    ]);
    return { driver, session, release: () => release(), held, keys: new Map() };
  } catch (error) {
    driver.close();
    if (toTokenError(error).code.startsWith('TOKEN_PIN')) pinRefused = true;
    throw error;
  }
}

async function disconnect(): Promise<void> {
  const current = connection;
  connection = null;
  if (!current) return;
  current.release();
  await current.held.catch(() => undefined);
  current.driver.close();
}

async function withSession<T>(work: (c: Connection) => Promise<T>): Promise<T> {
  if (!settings) throw new AppError('BANK_HSM_FAILED', { token: '', cause: 'not opened' });
  connection ??= await connect(settings);
  try {
    return await work(connection);
  } catch (error) {
    const appError = toTokenError(error);
    if (!SESSION_LOST.has(appError.code)) throw appError;
    // Once, with a new session: a login is not retried in a loop, which could lock the token.
    await disconnect();
    connection = await connect(settings);
    return work(connection);
  }
}

function keyOf(c: Connection, keyId: string): { handle: Buffer; keyType: KeyType } {
  let key = c.keys.get(keyId);
  if (!key) {
    key = c.driver.privateKey(c.session, keyId);
    c.keys.set(keyId, key);
  }
  return key;
}

async function handle(request: HsmRequest): Promise<unknown> {
  switch (request.op) {
    case 'open': {
      await disconnect();
      pinRefused = false;
      settings = request.args as HsmOpenArgs;
      connection = await connect(settings);
      const info = connection.driver.tokens().find((t) => t.label === settings!.tokenLabel);
      return { tokenSerial: info?.serial ?? '', model: info?.model ?? '' } satisfies HsmOps['open']['value'];
    }
    case 'generate': {
      const { label } = request.args as HsmOps['generate']['args'];
      return withSession(async (c) => {
        // RSA-2048, generated on the token: sensitive and not extractable (the driver's template).
        const key = await c.driver.generateKeyPair(c.session, 'rsa', label);
        const spki = await c.driver.publicKeySpki(c.session, key.keyId);
        if (!spki) throw new AppError('BANK_HSM_FAILED', { token: settings!.tokenLabel, cause: 'no public key' });
        return { keyId: key.keyId, spki: new Uint8Array(spki) } satisfies HsmOps['generate']['value'];
      });
    }
    case 'publicKey': {
      const { keyId } = request.args as HsmOps['publicKey']['args'];
      return withSession(async (c) => {
        const spki = await c.driver.publicKeySpki(c.session, keyId);
        if (!spki) return { spki: null };
        // A public half without its private key is no key to sign with.
        try {
          keyOf(c, keyId);
        } catch (error) {
          if (error instanceof AppError && error.code === 'TOKEN_KEY_NOT_FOUND') return { spki: null };
          throw error;
        }
        return { spki: new Uint8Array(spki) } satisfies HsmOps['publicKey']['value'];
      });
    }
    case 'sign': {
      const { keyId, data } = request.args as HsmOps['sign']['args'];
      return withSession(async (c) => {
        const signature = await c.driver.sign(c.session, keyOf(c, keyId), Buffer.from(data));
        return { signature: new Uint8Array(signature) } satisfies HsmOps['sign']['value'];
      });
    }
    case 'protection': {
      const { keyId } = request.args as HsmOps['protection']['args'];
      return withSession(async (c) => c.driver.privateKeyProtection(c.session, keyId));
    }
    case 'close':
      await disconnect();
      settings = null;
      return null;
    default:
      throw new AppError('NOT_FOUND');
  }
}

function reply(message: HsmReply): void {
  parentPort!.postMessage(message);
}

parentPort!.on('message', (request: HsmRequest) => {
  const run = queue.then(() => handle(request));
  queue = run.catch(() => undefined);
  run.then(
    (value) => reply({ id: request.id, ok: true, value }),
    (error: unknown) => {
      const appError = toTokenError(error);
      // The PIN is in the open request: nothing of a request is ever logged here.
      reply({ id: request.id, ok: false, error: { code: appError.code, params: appError.params } });
    },
  );
});
