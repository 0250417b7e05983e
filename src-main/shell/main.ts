// `npm run start:shell` (or `npm start` without the Electron binary): the
// browser shell on 127.0.0.1, printing the URL to open.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EMBEDDED_DATABASE_FILE } from '../../src-shared/user-data';
import { EmbeddedService } from '../core/embedded-service';
import { MarketSimulator } from '../core/market-sim';
import { defaultUserDataDir, ensureDir } from '../core/paths';
import { childProcessSpawner, childTokenHostSpawner } from '../core/spawn-child';
import { APP_VERSION } from '../core/version';
// Only what starts the embedded service is imported above; the rest of the shell (Fastify, the
// core's route tables and schemas) loads while the service starts — see main().

/** When no login page has asked for a captcha by then, the demo's USB-KEYs are checked anyway. */
const DEMO_CHECK_FALLBACK_MS = 5_000;
/** The token host's start takes a core for a moment: not while the login page draws its captcha. */
const DEMO_CHECK_AFTER_CAPTCHA_MS = 1_000;

function rendererDir(): string {
  // dist/shell/main.cjs → dist/renderer ; src-main/shell/main.ts → dist/renderer
  return __filename.endsWith('.ts')
    ? join(__dirname, '..', '..', 'dist', 'renderer')
    : join(__dirname, '..', 'renderer');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string', default: process.env.SETTLEKEY_SHELL_PORT ?? '0' },
      'user-data': { type: 'string', default: defaultUserDataDir() },
      'no-demo': { type: 'boolean', default: false },
    },
  });
  const userDataDir = ensureDir(values['user-data']);
  const demo = !values['no-demo'];
  const firstStart = !existsSync(join(userDataDir, EMBEDDED_DATABASE_FILE));
  // The embedded service is the slowest part of a start (~1 s) and the login page's captcha needs it: it
  // is forked first, the rest of the shell loads meanwhile, and the shell serves the renderer while the
  // service finishes starting (a call to it waits for this same start).
  const embedded = new EmbeddedService({
    userDataDir,
    demo,
    spawn: childProcessSpawner(join(userDataDir, 'service.log')),
    marketSim: demo
      ? new MarketSimulator(userDataDir, childProcessSpawner(join(userDataDir, 'market-sim.log'), 'marketSim'))
      : undefined,
  });
  const serviceStart = embedded.url();
  serviceStart.catch(() => undefined); // said below, once the core is there
  const [{ MainCore }, { fileKeyProvider }, { demoTokenEnv, provisionDemoTokens }, { Downloads }, { startShell }] =
    await Promise.all([
      import('../core/main-core'),
      import('../core/session-cache'),
      import('../core/demo-tokens'),
      import('./downloads'),
      import('./host'),
    ]);
  const tokenEnv = demo ? demoTokenEnv(userDataDir, process.env) : { ...process.env };
  const downloads = new Downloads();
  const core = new MainCore({
    userDataDir,
    version: APP_VERSION,
    demo,
    embedded,
    spawnService: childProcessSpawner(join(userDataDir, 'service.log')),
    spawnTokenHost: childTokenHostSpawner(join(userDataDir, 'token-host.log'), () => tokenEnv),
    cacheKeys: fileKeyProvider,
    files: downloads,
  });
  core.askFirstCaptcha();
  // A remote service is set: the embedded one was started for nothing, and stops once it is up.
  if (core.cache.getSettings().serviceMode === 'remote')
    void serviceStart.then(
      () => embedded.stop(),
      () => undefined,
    );
  const serviceUp = core.client.currentUrl().then(
    () => true,
    (error: unknown) => {
      console.error(String(error));
      return false;
    },
  );
  // The demo's USB-KEYs are checked off the path to the login page: a second after the first captcha has
  // been served (the page has drawn it by then), or a while after the service is up if no page opens. A login waits for this
  // same run (auth.login → deliverDemoTokens), and nothing needs them sooner. At the first start, when
  // they are made (seconds of key generation), they are made as soon as the service is up, as before.
  let demoCheck: Promise<void> | null = null;
  const checkDemoTokens = () => {
    demoCheck ??= serviceUp.then(async (up) => {
      if (!up) return;
      try {
        const provisioned = await provisionDemoTokens(core);
        if (provisioned.length > 0)
          process.stdout.write(`Demo USB-KEYs provisioned for: ${provisioned.join(', ')} (PIN 123456)\n`);
      } catch (error) {
        console.error(`demo tokens could not be provisioned: ${String(error)}`);
      }
    });
  };
  const shell = await startShell({
    core,
    downloads,
    rendererDir: rendererDir(),
    port: Number(values.port),
    testMode: demo && process.env.NODE_ENV === 'test',
    afterCall: (method) => {
      if (demo && method === 'auth.captcha') setTimeout(checkDemoTokens, DEMO_CHECK_AFTER_CAPTCHA_MS).unref();
    },
  });
  if (demo && firstStart) void serviceUp.then(checkDemoTokens);
  else if (demo) void serviceUp.then(() => setTimeout(checkDemoTokens, DEMO_CHECK_FALLBACK_MS).unref());
  process.stdout.write(`SettleKey browser shell ready. Open: ${shell.launchUrl}\n`);
  const stop = () => {
    void shell.close().finally(() => {
      core.close();
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((error: unknown) => {
  console.error(`SettleKey browser shell failed to start: ${error instanceof Error ? error.stack : String(error)}`);
  process.exit(1);
});
