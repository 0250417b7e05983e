// Opens the store, migrates, seeds the demo when asked, and listens.
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { PIN_HOLD_MINUTES_MAX } from '../src-shared/token';
import { connectDemoMarkets } from './demo/market-sim-link';
import { seedDemo } from './demo/seed';
import { expireStale } from './instructions/service';
import { expireTrades } from './markets/trades';
import { buildApp, type ServedTls } from './http/app';
import { readSecretFile } from './bank-keys/settings';
import { serveMetrics } from './http/metrics';
import { createContext, isTestMode, type ServiceContext } from './context';
import { openStore } from './store/db';
import { migrateToLatest } from './store/migrations';
import { requireMigrated } from './store/roles';
import { ACCEPTANCE_TIMEOUT_MS } from './markets/acceptance';
import { dispatchSettings, millisecondsSetting, NoticeDispatcher } from './markets/notices';
import { fileEndedDay } from './markets/reconciliation-file';

export const SERVICE_VERSION = '0.1.0';

export interface StartOptions {
  /** A SQLite path or a postgres:// URL. */
  database: string;
  host: string;
  port: number;
  demo: boolean;
  logLevel?: string;
  /** Told the service's URL as soon as it listens (for a demo, before the bank's keys are open). */
  onListening?: (url: string) => void;
  /** A demo's market simulator folder: its markets are connected as bank staff would connect them. */
  demoMarketSim?: string;
  /**
   * false: the schema's owner runs the migrations (`service migrate`) and the service,
   * connected as a role that may change no table, only checks it is not behind.
   */
  migrate?: boolean;
}

export interface RunningService {
  app: FastifyInstance;
  ctx: ServiceContext;
  url: string;
  close(): Promise<void>;
}

/** SETTLEKEY_NOTICE_CA_FILE: CA certificates (PEM) the markets' servers (notices, acceptance) are checked against, besides the system's. */
function noticeCa(also?: string): string | undefined {
  const file = process.env.SETTLEKEY_NOTICE_CA_FILE;
  const cas = [file ? readFileSync(file, 'utf8') : undefined, also].filter(Boolean);
  return cas.length ? cas.join('\n') : undefined;
}

/** SETTLEKEY_MARKET_REQUESTS_PER_MINUTE: a whole number from 1 to 1,000,000; unset, the default. */
function wholeNumberSetting(name: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name} must be a whole number from ${min} to ${max}: ${value}`);
  return n;
}

/** SETTLEKEY_TRUSTED_PROXIES: the load balancers' IPs or CIDRs, comma-separated. */
function trustedProxiesSetting(value: string | undefined): string[] | undefined {
  if (!value) return undefined;
  const list = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const entry of list)
    if (!/^[0-9a-fA-F.:]+(\/\d{1,3})?$/.test(entry))
      throw new Error(`SETTLEKEY_TRUSTED_PROXIES lists IP addresses or CIDRs, comma-separated: ${entry}`);
  return list;
}

/**
 * SETTLEKEY_TLS_CERT_FILE and SETTLEKEY_TLS_KEY_FILE: the instance serves HTTPS (the hop from the
 * load balancer is encrypted and checked too); the key file must be its owner's alone. Neither: http.
 */
export function servedTlsSetting(env: NodeJS.ProcessEnv = process.env): ServedTls | undefined {
  const certFile = env.SETTLEKEY_TLS_CERT_FILE;
  const keyFile = env.SETTLEKEY_TLS_KEY_FILE;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile)
    throw new Error('SETTLEKEY_TLS_CERT_FILE and SETTLEKEY_TLS_KEY_FILE are set together, or neither');
  return { cert: readFileSync(certFile, 'utf8'), key: readSecretFile(keyFile) };
}

export async function startService(options: StartOptions): Promise<RunningService> {
  const store = openStore(options.database);
  try {
    if (options.migrate === false) await requireMigrated(store);
    else await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  const ctx = createContext(store, {
    demo: options.demo,
    testMode: isTestMode(),
    version: SERVICE_VERSION,
    // The back office's key comes from the environment, never the command line.
    bankKey: process.env.SETTLEKEY_BANK_KEY || undefined,
    marketRequestsPerMinute: wholeNumberSetting(
      'SETTLEKEY_MARKET_REQUESTS_PER_MINUTE',
      process.env.SETTLEKEY_MARKET_REQUESTS_PER_MINUTE,
      1,
      1_000_000,
    ),
    pinHoldMaxMinutes: wholeNumberSetting(
      'SETTLEKEY_PIN_HOLD_MAX_MINUTES',
      process.env.SETTLEKEY_PIN_HOLD_MAX_MINUTES,
      0,
      PIN_HOLD_MINUTES_MAX,
    ),
    marketCa: noticeCa(),
    acceptanceTimeoutMs: millisecondsSetting(process.env, 'SETTLEKEY_ACCEPTANCE_TIMEOUT_MS', ACCEPTANCE_TIMEOUT_MS),
    trustedProxies: trustedProxiesSetting(process.env.SETTLEKEY_TRUSTED_PROXIES),
  });
  // The bank's keys are opened (and made, the first time) before the start is done:
  // a start without them — no HSM settings and no --demo — ends here. Opening them
  // (an HSM worker thread, a login on the token) runs while the demo is seeded and
  // the routes are built, which need no key.
  const opening = ctx.bankKeys.ready();
  opening.catch(() => undefined);
  let keys: Awaited<typeof opening>;
  let app: FastifyInstance | undefined;
  let url: string | undefined;
  const listen = async (served: FastifyInstance) => {
    const address = await served.listen({ host: options.host, port: options.port });
    options.onListening?.(address);
    ctx.captchas.preload();
    return address;
  };
  try {
    if (options.demo) await seedDemo(ctx);
    // The demo's markets are connected once their simulator, which the app starts after this
    // service listens, has handed over its folder; the login page does not wait, the notices do.
    const connecting =
      options.demo && options.demoMarketSim
        ? connectDemoMarkets(ctx, options.demoMarketSim, (ca) => noticeCa(ca))
        : Promise.resolve();
    app = await buildApp(ctx, { level: options.logLevel ?? 'info' }, servedTlsSetting());
    // A demo (the desktop's embedded service) listens while its stand-in keys
    // are still opening: its user waits for the login page, which needs no key,
    // and every use of a key waits for the opening. A production start listens
    // only once the bank's HSM is open: nothing may be sent to a service that
    // cannot sign, and a start that cannot open it must never have listened.
    if (options.demo) url = await listen(app);
    keys = await opening;
    await connecting;
  } catch (error) {
    await app?.close();
    await opening.then(() => ctx.bankKeys.close()).catch(() => undefined);
    await store.close();
    throw error;
  }
  // Instructions not reviewed on their business day, and trades not reviewed in 30 days, expire;
  // each market's reconciliation file of the day that ended is made.
  const sweep = setInterval(() => {
    void expireStale(ctx).catch((error: unknown) => app.log.error({ err: error }, 'instruction expiry sweep failed'));
    void expireTrades(ctx).catch((error: unknown) => app.log.error({ err: error }, 'trade expiry sweep failed'));
    void fileEndedDay(ctx).catch((error: unknown) => app.log.error({ err: error }, 'reconciliation files failed'));
  }, 60_000);
  sweep.unref();
  // Notices to the markets, from the outbox, once the bank's document key can sign them.
  const notices = new NoticeDispatcher(ctx, dispatchSettings(process.env, ctx.options.marketCa));
  notices.start();
  url ??= await listen(app);
  // /metrics on an internal port only (SETTLEKEY_METRICS_PORT; the host defaults to loopback)
  const metricsPort = process.env.SETTLEKEY_METRICS_PORT;
  if (metricsPort && !/^\d{1,5}$/.test(metricsPort))
    throw new Error(`SETTLEKEY_METRICS_PORT must be a port number: ${metricsPort}`);
  const metrics = metricsPort
    ? await serveMetrics(ctx, process.env.SETTLEKEY_METRICS_HOST || '127.0.0.1', Number(metricsPort))
    : null;
  if (metrics) app.log.info({ metrics: metrics.url }, 'metrics served');
  ctx.lifecycle.phase = 'ready';
  app.log.info({ database: store.describe, demo: options.demo, bankKeys: keys }, 'settlement service ready');
  const drainMs = millisecondsSetting(process.env, 'SETTLEKEY_DRAIN_MS', 0);
  let closing: Promise<void> | null = null;
  return {
    app,
    ctx,
    url,
    /**
     * A graceful stop: readiness says 'draining' at once, so the load balancer sends no
     * more; after SETTLEKEY_DRAIN_MS (its health-check interval) the listener closes and
     * the requests in flight finish, then the outbox batch in hand, then the keys and store.
     */
    close() {
      closing ??= (async () => {
        ctx.lifecycle.phase = 'draining';
        app.log.info({ drainMs }, 'settlement service draining');
        if (drainMs > 0) await new Promise((resolve) => setTimeout(resolve, drainMs));
        clearInterval(sweep);
        // A keep-alive connection (the load balancer keeps its own open) ends as soon as it
        // has nothing in flight; without this it would hold the close until it timed out.
        const idle = setInterval(() => app.server.closeIdleConnections?.(), 100);
        await app.close().finally(() => clearInterval(idle));
        app.log.info('requests in flight finished; listener closed');
        await metrics?.close();
        await notices.stop();
        app.log.info('outbox batch in hand finished');
        await ctx.bankKeys.close();
        await store.close();
        app.log.info('settlement service stopped');
      })();
      return closing;
    },
  };
}
