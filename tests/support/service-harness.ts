// A real settlement service (Fastify app, real database, demo data) driven
// through fastify.inject: no sockets, everything else as in production.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { Clock } from '../../src-service/clock';
import { createContext, type ServiceContext } from '../../src-service/context';
import { seedDemo } from '../../src-service/demo/seed';
import { buildApp } from '../../src-service/http/app';
import { SERVICE_VERSION } from '../../src-service/server';
import { openStore, type Store } from '../../src-service/store/db';
import { migrateToLatest } from '../../src-service/store/migrations';
import { DEMO_PASSWORD } from '../../src-service/demo/data';

/** The password demo users get in tests after the forced change. */
export const READY_PASSWORD = 'Ready2026go';
import { bankHsmEnv, testBankHsm } from './bank-hsm';
import type { DatabaseKind, TestDatabase } from './databases';
import { issueSoftKey, signEnvelopeWith, type HeldKey, type SoftKey, type TestKey } from './soft-certificates';

export interface Harness {
  /** The database setting (a SQLite path or a postgres URL), for CLIs that open it too. */
  database: string;
  /** What a service process started on this database needs to reach the same bank keys. */
  keysEnv: NodeJS.ProcessEnv;
  app: FastifyInstance;
  ctx: ServiceContext;
  clock: Clock;
  request(options: {
    method: 'GET' | 'POST' | 'PUT' | 'DELETE';
    url: string;
    body?: unknown;
    token?: string;
    lang?: 'zh-CN' | 'en';
    headers?: Record<string, string>;
  }): Promise<LightMyRequestResponse>;
  /** A fresh captcha and its answer, read through the test-mode hook. */
  captcha(): Promise<{ captchaId: string; captchaAnswer: string }>;
  /**
   * Logs in and returns the token; throws with the reply when refused. A
   * corporate user also passes the certificate step with a software key issued
   * for them on first use (sign-off), unless `certificate: false`.
   */
  login(
    loginName: string,
    password: string,
    options?: { certificate?: boolean },
  ): Promise<{ token: string; body: any }>;
  /**
   * A fully signed-in session for a demo user: password, captcha, certificate
   * step, and (the first time) the forced password change to READY_PASSWORD.
   */
  signedIn(loginName: string): Promise<string>;
  /** The software key of a user, issued on first use. */
  keyOf(loginName: string): Promise<SoftKey>;
  /** From now on the helpers (login, instructions, member operations) sign for the user with this token's key. */
  useKey(loginName: string, key: HeldKey): void;
  /** The key the helpers sign with for the user: the token's given to useKey, else keyOf's. */
  signerOf(loginName: string): Promise<TestKey>;
  /**
   * Answers a login's USB-KEY step: `step` as the client names it, signed by `key` (a test may
   * pass someone else's) as `kind` (by default the one that step asks for).
   */
  certificateAnswer(
    token: string,
    answer: {
      step: 'signOff' | 'signIn';
      key: TestKey;
      loginName: string;
      challenge: string;
      kind?: 'signOff' | 'login';
    },
  ): Promise<LightMyRequestResponse>;
  /** The newest SMS the simulator "sent" to a phone. */
  lastSms(phone: string): Promise<string>;
  /** The one-time code in the newest SMS to a phone. */
  smsCode(phone: string): Promise<string>;
  close(): Promise<void>;
}

export async function startHarness(
  kind: DatabaseKind,
  options: {
    demo?: boolean;
    bankKey?: string;
    marketRequestsPerMinute?: number;
    marketCa?: string;
    acceptanceTimeoutMs?: number;
    /**
     * Where the bank's CA and document keys are: 'hsm' (default) a SoftHSM2 token
     * through the service's HSM worker; 'file' the demo's encrypted key files, for
     * test files whose own SoftHSM2 use would share the one PKCS#11 library of the process.
     */
    keys?: 'hsm' | 'file';
    /** How the new database gets its schema: the upgrade test makes one as an older release did. */
    migrate?: (store: Store) => Promise<unknown>;
  } = {},
): Promise<Harness> {
  const database: TestDatabase = await kind.create();
  const store = openStore(database.setting);
  await (options.migrate ?? migrateToLatest)(store);
  const clock = new Clock(true);
  // PostgreSQL has no folder of its own for the demo's key files.
  const keyDir = store.file ? undefined : mkdtempSync(join(tmpdir(), 'sk-keys-'));
  const hsm = (options.keys ?? 'hsm') === 'hsm';
  const ctx = createContext(
    store,
    {
      demo: options.demo ?? true,
      testMode: true,
      version: SERVICE_VERSION,
      bankKey: options.bankKey,
      marketRequestsPerMinute: options.marketRequestsPerMinute,
      marketCa: options.marketCa,
      acceptanceTimeoutMs: options.acceptanceTimeoutMs,
      keys: hsm
        ? { hsm: testBankHsm(), dataDir: keyDir }
        : { hsm: null, demo: true, demoStore: 'demo-file', dataDir: keyDir },
    },
    clock,
  );
  if (options.demo ?? true) await seedDemo(ctx);
  await ctx.bankKeys.ready();
  const app = await buildApp(ctx);
  await app.ready();

  const keys = new Map<string, SoftKey>();
  const held = new Map<string, HeldKey>();
  const changed = new Set<string>();
  const corporate = async (loginName: string) => {
    const user = await ctx.db.selectFrom('users').selectAll().where('login_name', '=', loginName).executeTakeFirst();
    if (!user) return false;
    const { needsCertificate } = await import('../../src-service/certificates/login');
    return needsCertificate(ctx, user);
  };
  const harness: Harness = {
    database: database.setting,
    keysEnv: hsm ? bankHsmEnv() : {},
    app,
    ctx,
    clock,
    request({ method, url, body, token, lang, headers }) {
      return app.inject({
        method,
        url,
        ...(body === undefined ? {} : { payload: body as object }),
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(lang ? { 'accept-language': lang } : {}),
          ...headers,
        },
      });
    },
    async captcha() {
      const res = await harness.request({ method: 'POST', url: '/auth/captcha' });
      const { captchaId } = res.json() as { captchaId: string };
      const answer = await harness.request({ method: 'GET', url: `/__test/captcha/${captchaId}` });
      return { captchaId, captchaAnswer: (answer.json() as { answer: string }).answer };
    },
    async login(loginName, password, options = {}) {
      // Issue the key before the login so the service already knows a certificate.
      if (options.certificate !== false && !keys.has(loginName) && !held.has(loginName) && (await corporate(loginName)))
        await harness.keyOf(loginName);
      const res = await harness.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName, password, ...(await harness.captcha()) },
      });
      if (res.statusCode !== 200) throw new Error(`login ${loginName} refused: ${res.statusCode} ${res.body}`);
      const body = res.json();
      const token = body.token as string;
      if (body.otpStep && options.certificate !== false) {
        // An individual's first login: the code goes to the registered phone.
        const member = await ctx.db
          .selectFrom('users')
          .innerJoin('members', 'members.id', 'users.member_id')
          .select('members.phone')
          .where('users.login_name', '=', loginName)
          .executeTakeFirstOrThrow();
        const sent = await harness.request({ method: 'POST', url: '/auth/otp/send', token });
        if (sent.statusCode !== 200) throw new Error(`otp of ${loginName} not sent: ${sent.body}`);
        const code = await harness.smsCode(member.phone);
        const verified = await harness.request({
          method: 'POST',
          url: '/auth/otp',
          token,
          body: { codeId: sent.json().codeId, code },
        });
        if (verified.statusCode !== 200) throw new Error(`otp of ${loginName} refused: ${verified.body}`);
        return { token, body: { ...body, ...verified.json() } };
      }
      const step = body.certificateStep as { step: 'signOff' | 'signIn'; challenge: string; issuedAt: string } | null;
      if (!step || options.certificate === false) return { token, body };
      const key = await harness.signerOf(loginName);
      const verified = await harness.certificateAnswer(token, { ...step, key, loginName });
      if (verified.statusCode !== 200)
        throw new Error(`certificate step of ${loginName} refused: ${verified.statusCode} ${verified.body}`);
      return { token, body: { ...body, ...verified.json() } };
    },
    async signedIn(loginName) {
      const password = changed.has(loginName) ? READY_PASSWORD : DEMO_PASSWORD;
      const { token, body } = await harness.login(loginName, password);
      if (body.profile.mustChangePassword) {
        const res = await harness.request({
          method: 'POST',
          url: '/auth/password',
          token,
          body: { oldPassword: password, newPassword: READY_PASSWORD, confirmPassword: READY_PASSWORD },
        });
        if (res.statusCode !== 200) throw new Error(`password change of ${loginName} refused: ${res.body}`);
        changed.add(loginName);
      }
      return token;
    },
    async certificateAnswer(token, { step, key, loginName, challenge, kind }) {
      const signature = await signEnvelopeWith(key, {
        kind: kind ?? (step === 'signOff' ? 'signOff' : 'login'),
        loginName,
        certSerial: key.serial,
        challenge,
        time: clock.nowIso(),
      });
      return harness.request({ method: 'POST', url: '/auth/certificate', token, body: { step, signature } });
    },
    useKey(loginName, key) {
      held.set(loginName, key);
    },
    async signerOf(loginName) {
      return held.get(loginName) ?? harness.keyOf(loginName);
    },
    async keyOf(loginName) {
      const existing = keys.get(loginName);
      if (existing) return existing;
      const key = await issueSoftKey(ctx, loginName);
      keys.set(loginName, key);
      return key;
    },
    async lastSms(phone) {
      const row = await ctx.db
        .selectFrom('sms_outbox')
        .select('text')
        .where('phone', '=', phone)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (!row) throw new Error(`no SMS to ${phone}`);
      return row.text;
    },
    async smsCode(phone) {
      const match = /动态码 (\d{6})/.exec(await harness.lastSms(phone));
      if (!match) throw new Error(`no code in the last SMS to ${phone}`);
      return match[1];
    },
    async close() {
      await app.close();
      await ctx.bankKeys.close();
      await store.close();
      await database.drop();
      if (keyDir) rmSync(keyDir, { recursive: true, force: true });
    },
  };
  return harness;
}

/**
 * The harness of a describe block, for blocks that need one service from first
 * test to last: started before the block's own beforeAll hooks (registered after
 * this call) and closed after its afterAll hooks. Use it inside hooks and tests.
 */
export function harnessFor(kind: DatabaseKind, options?: Parameters<typeof startHarness>[1]): Harness {
  let started: Harness | undefined;
  beforeAll(async () => {
    started = await startHarness(kind, options);
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as Harness, {
    get(_target, member) {
      // not a promise: `await` and `return` must not take the harness for one
      if (member === 'then') return undefined;
      if (!started) throw new Error('the harness starts in beforeAll: use it inside hooks and tests');
      const value: unknown = Reflect.get(started, member);
      return typeof value === 'function' ? value.bind(started) : value;
    },
  });
}
