// A real settlement service (Fastify app, real database, demo data) driven
// through fastify.inject: no sockets, everything else as in production.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { Clock } from '../../src-service/clock';
import { createContext, type ServiceContext } from '../../src-service/context';
import { seedDemo } from '../../src-service/demo/seed';
import { buildApp } from '../../src-service/http/app';
import { SERVICE_VERSION } from '../../src-service/server';
import { openStore } from '../../src-service/store/db';
import { migrateToLatest } from '../../src-service/store/migrations';
import type { DatabaseKind, TestDatabase } from './databases';

export interface Harness {
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
  /** Logs in and returns the token; throws with the reply when refused. */
  login(loginName: string, password: string): Promise<{ token: string; body: any }>;
  close(): Promise<void>;
}

export async function startHarness(kind: DatabaseKind, options: { demo?: boolean } = {}): Promise<Harness> {
  const database: TestDatabase = await kind.create();
  const store = openStore(database.setting);
  await migrateToLatest(store.db, store.dialect);
  const clock = new Clock(true);
  const ctx = createContext(store, { demo: options.demo ?? true, testMode: true, version: SERVICE_VERSION }, clock);
  if (options.demo ?? true) await seedDemo(ctx);
  const app = await buildApp(ctx);
  await app.ready();

  const harness: Harness = {
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
    async login(loginName, password) {
      const res = await harness.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName, password, ...(await harness.captcha()) },
      });
      if (res.statusCode !== 200) throw new Error(`login ${loginName} refused: ${res.statusCode} ${res.body}`);
      const body = res.json();
      return { token: body.token as string, body };
    },
    async close() {
      await app.close();
      await store.close();
      await database.drop();
    },
  };
  return harness;
}
