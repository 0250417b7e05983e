// Opens the store, migrates, seeds the demo when asked, and listens.
import type { FastifyInstance } from 'fastify';
import { seedDemo } from './demo/seed';
import { expireStale } from './instructions/service';
import { expireTrades } from './markets/trades';
import { buildApp } from './http/app';
import { createContext, isTestMode, type ServiceContext } from './context';
import { openStore } from './store/db';
import { migrateToLatest } from './store/migrations';

export const SERVICE_VERSION = '0.1.0';

export interface StartOptions {
  /** A SQLite path or a postgres:// URL. */
  database: string;
  host: string;
  port: number;
  demo: boolean;
  logLevel?: string;
}

export interface RunningService {
  app: FastifyInstance;
  ctx: ServiceContext;
  url: string;
  close(): Promise<void>;
}

export async function startService(options: StartOptions): Promise<RunningService> {
  const store = openStore(options.database);
  await migrateToLatest(store);
  const ctx = createContext(store, {
    demo: options.demo,
    testMode: isTestMode(),
    version: SERVICE_VERSION,
    // The back office's key comes from the environment, never the command line.
    bankKey: process.env.SETTLEKEY_BANK_KEY || undefined,
  });
  // The bank's keys are opened (and made, the first time) before anything is served:
  // a start without them — no HSM settings and no --demo — ends here. Opening them
  // (an HSM worker thread, a login on the token) runs while the demo is seeded and
  // the routes are built, which need no key.
  const opening = ctx.bankKeys.ready();
  opening.catch(() => undefined);
  let keys: Awaited<typeof opening>;
  let app: FastifyInstance | undefined;
  try {
    if (options.demo) await seedDemo(ctx);
    app = await buildApp(ctx, { level: options.logLevel ?? 'info' });
    keys = await opening;
  } catch (error) {
    await app?.close();
    await opening.then(() => ctx.bankKeys.close()).catch(() => undefined);
    await store.close();
    throw error;
  }
  // Instructions not reviewed on their business day, and trades not reviewed in 30 days, expire.
  const sweep = setInterval(() => {
    void expireStale(ctx).catch((error: unknown) => app.log.error({ err: error }, 'instruction expiry sweep failed'));
    void expireTrades(ctx).catch((error: unknown) => app.log.error({ err: error }, 'trade expiry sweep failed'));
  }, 60_000);
  sweep.unref();
  const address = await app.listen({ host: options.host, port: options.port });
  ctx.captchas.preload();
  app.log.info({ database: store.describe, demo: options.demo, bankKeys: keys }, 'settlement service ready');
  return {
    app,
    ctx,
    url: address,
    async close() {
      clearInterval(sweep);
      await app.close();
      await ctx.bankKeys.close();
      await store.close();
    },
  };
}
