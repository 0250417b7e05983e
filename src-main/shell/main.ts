// `npm run start:shell` (or `npm start` without the Electron binary): the
// browser shell on 127.0.0.1, printing the URL to open.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MainCore } from '../core/main-core';
import { defaultUserDataDir, ensureDir } from '../core/paths';
import { fileKeyProvider } from '../core/session-cache';
import { demoSoftHsmConf, provisionDemoTokens } from '../core/demo-tokens';
import { childProcessSpawner, childTokenHostSpawner } from '../core/spawn-child';
import { APP_VERSION } from '../core/version';
import { Downloads } from './downloads';
import { startShell } from './host';

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
  // The demo's SoftHSM2 tokens live in the user-data folder, unless SOFTHSM2_CONF says otherwise.
  const tokenEnv = { ...process.env };
  if (demo && !tokenEnv.SOFTHSM2_CONF) tokenEnv.SOFTHSM2_CONF = demoSoftHsmConf(userDataDir);
  const downloads = new Downloads();
  const core = new MainCore({
    userDataDir,
    version: APP_VERSION,
    demo,
    spawnService: childProcessSpawner(join(userDataDir, 'service.log')),
    spawnTokenHost: childTokenHostSpawner(join(userDataDir, 'token-host.log'), () => tokenEnv),
    cacheKeys: fileKeyProvider,
    files: downloads,
  });
  const shell = await startShell({
    core,
    downloads,
    rendererDir: rendererDir(),
    port: Number(values.port),
    testMode: demo && process.env.NODE_ENV === 'test',
  });
  // Start the embedded service now rather than at the first click: the login page needs it (its captcha).
  await core.client.currentUrl().catch((error: unknown) => console.error(String(error)));
  // The demo's USB-KEYs are checked (and made, the first time) off the path to the login page: a login
  // waits for this same run (auth.login → deliverDemoTokens), and nothing needs them sooner.
  if (demo) {
    void provisionDemoTokens(core)
      .then((provisioned) => {
        if (provisioned.length > 0)
          process.stdout.write(`Demo USB-KEYs provisioned for: ${provisioned.join(', ')} (PIN 123456)\n`);
      })
      .catch((error: unknown) => console.error(`demo tokens could not be provisioned: ${String(error)}`));
  }
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
