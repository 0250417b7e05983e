// Electron's main process. It adds to the shared core only what Electron does
// differently: the window and its security settings, IPC over ipcMain with the
// sender checked, the settlement service as a utilityProcess, and the cache key
// kept by the OS (safeStorage). Electron's security checklist is followed by
// number in the comments.
import { app, BrowserWindow, dialog, ipcMain, powerMonitor, safeStorage, session, utilityProcess } from 'electron';
import { writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  DEEP_LINK_SCHEME,
  deepLinkInArgs,
  deepLinkRoute,
  parseDeepLink,
  type DeepLink,
} from '../../src-shared/deep-link';
import { AppError } from '../../src-shared/errors';
import { IPC_CHANNEL, IPC_EVENT_CHANNEL } from '../../src-shared/ipc/contract';
import { testRoutes } from '../../src-shared/routes/testing';
import { CONTENT_SECURITY_POLICY } from '../core/csp';
import { isTrustedRendererUrl } from '../core/ipc-sender';
import { demoTokenEnv, provisionDemoTokens } from '../core/demo-tokens';
import { MainCore, type FileSaver } from '../core/main-core';
import type { ServiceSpawner } from '../core/embedded-service';
import { fileKeyProvider, type CacheKeyProvider } from '../core/session-cache';
import { APP_VERSION } from '../core/version';

declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;

const rendererIndex = join(__dirname, `../renderer/${MAIN_WINDOW_VITE_NAME}/index.html`);

/** The cache key sealed by the OS keychain; a 0600 file where the OS offers none. */
function safeStorageKeys(dir: string): CacheKeyProvider {
  if (!safeStorage.isEncryptionAvailable()) return fileKeyProvider(dir);
  const path = join(dir, 'cache.key.sealed');
  return {
    key() {
      if (!existsSync(path)) {
        writeFileSync(path, safeStorage.encryptString(randomBytes(32).toString('base64')), { mode: 0o600 });
      }
      return Buffer.from(safeStorage.decryptString(readFileSync(path)), 'base64');
    },
  };
}

/** Electron saves where the user chooses, and prints receipts to PDF (printToPDF). */
const electronFiles: FileSaver = {
  async save(filename, _mime, data) {
    const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
    const choice = await dialog.showSaveDialog(win, { defaultPath: join(app.getPath('downloads'), filename) });
    if (choice.canceled || !choice.filePath) return { cancelled: true };
    await writeFile(choice.filePath, data);
    return { saved: choice.filePath };
  },
  async print(title) {
    const win = BrowserWindow.getFocusedWindow() ?? BrowserWindow.getAllWindows()[0];
    const pdf = await win.webContents.printToPDF({ printBackground: true, pageSize: 'A4' });
    return electronFiles.save(`${title}.pdf`, 'application/pdf', pdf);
  },
};

/** A process of ours, built beside this file, in an Electron utility process. */
function utilitySpawner(file: string, serviceName: string): ServiceSpawner {
  return (args) => {
    const child = utilityProcess.fork(join(__dirname, file), args, { serviceName, stdio: 'inherit' });
    return {
      onMessage: (listener) => void child.on('message', listener),
      onExit: (listener) => void child.on('exit', (code) => listener(code)),
      kill: () => void child.kill(),
    };
  };
}

function startCore(): MainCore {
  const demo = process.env.SETTLEKEY_NO_DEMO !== '1';
  const userDataDir = app.getPath('userData');
  const tokenEnv = demo ? demoTokenEnv(userDataDir, process.env) : { ...process.env };
  return new MainCore({
    userDataDir,
    version: APP_VERSION,
    demo,
    cacheKeys: safeStorageKeys,
    files: electronFiles,
    // The settlement service (src-service/commands/service/cli.ts, built beside this file as
    // cli.js) runs in its own utility process, never in this event loop; so does the demo's
    // market simulator (src-market-sim/market-sim.ts).
    spawnService: utilitySpawner('cli.js', 'SettleKey settlement service'),
    spawnMarketSim: utilitySpawner('market-sim.js', 'SettleKey market simulator'),
    // PKCS#11 lives in its own utility process: a vendor library that blocks or crashes takes only it down.
    spawnTokenHost: () => {
      const child = utilityProcess.fork(join(__dirname, 'host.js'), [], {
        serviceName: 'SettleKey token host',
        stdio: 'inherit',
        env: tokenEnv,
      });
      return {
        pid: child.pid,
        send: (message) => child.postMessage(message),
        onMessage: (listener) => void child.on('message', listener),
        onExit: (listener) => void child.on('exit', (code) => listener(code)),
        kill: () => void child.kill(),
      };
    },
  });
}

function createWindow(core: MainCore, link: DeepLink | null = null): BrowserWindow {
  const win = new BrowserWindow({
    width: 1366,
    height: 860,
    minWidth: 1100,
    minHeight: 700,
    title: 'SettleKey',
    show: false,
    webPreferences: {
      preload: join(__dirname, 'preload.js'),
      contextIsolation: true, // 3
      sandbox: true, // 4
      nodeIntegration: false, // 2
      nodeIntegrationInWorker: false,
      webSecurity: true, // 5
      allowRunningInsecureContent: false, // 8
      experimentalFeatures: false, // 9
      enableBlinkFeatures: undefined, // 10
      webviewTag: false, // 12
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());

  // 13: navigation stays on our page; 14: no new windows.
  win.webContents.on('will-navigate', (event, url) => {
    if (!isTrustedRendererUrl(url, MAIN_WINDOW_VITE_DEV_SERVER_URL, rendererIndex)) event.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  win.webContents.on('will-attach-webview', (event) => event.preventDefault());

  const forward = (event: string, payload: unknown) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, event, payload);
  };
  core.events.on('event', forward);
  win.on('closed', () => core.events.off('event', forward));

  // A link the client was started with opens its page directly; later ones go as an event.
  const hash = link ? deepLinkRoute(link) : undefined;
  if (MAIN_WINDOW_VITE_DEV_SERVER_URL) void win.loadURL(`${MAIN_WINDOW_VITE_DEV_SERVER_URL}${hash ? `#${hash}` : ''}`);
  else void win.loadFile(rendererIndex, hash ? { hash } : undefined);
  return win;
}

function hardenSession(): void {
  const ses = session.defaultSession;
  // 6: a CSP header as well as the page's meta tag.
  ses.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
    });
  });
  // 5: no camera, microphone, notifications, geolocation … for anyone.
  ses.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  ses.setPermissionCheckHandler(() => false);
}

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.enableSandbox();
  // A market's registration link (settlekey://register?market=…) starts or focuses the client.
  // (Run unpackaged, the OS must start Electron with our entry script as well.)
  if (process.defaultApp && process.argv[1])
    app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, process.execPath, [resolve(process.argv[1])]);
  else app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
  let openLink: ((link: DeepLink) => void) | null = null;
  let linkAtStart = deepLinkInArgs(process.argv);
  // macOS hands links over as an event, possibly before the window exists.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const link = parseDeepLink(url);
    if (!link) return;
    if (openLink) openLink(link);
    else linkAtStart = link;
  });
  void app.whenReady().then(() => {
    hardenSession();
    const core = startCore();
    core.askFirstCaptcha();
    // The screen locked or the machine asleep: a USB-KEY kept logged in (the PIN policy) is logged out.
    for (const event of ['lock-screen', 'suspend'] as const)
      powerMonitor.on(event as 'lock-screen', () => void core.tokens.releaseLogins());
    // 17: every message's sender is checked before anything runs.
    ipcMain.handle(IPC_CHANNEL, (event, method: unknown, arg: unknown) => {
      const frameUrl = event.senderFrame?.url ?? '';
      if (!isTrustedRendererUrl(frameUrl, MAIN_WINDOW_VITE_DEV_SERVER_URL, rendererIndex)) {
        return { ok: false, error: new AppError('IPC_FORBIDDEN').toShape(core.language()) };
      }
      return core.dispatch(method, arg);
    });
    if (core.demo && process.env.NODE_ENV === 'test') {
      // Test mode of the demo only: Playwright's _electron reads the shown captcha's answer here.
      (globalThis as Record<string, unknown>).__settlekeyTest = {
        captchaAnswer: async () =>
          core.lastCaptchaId ? core.client.route(testRoutes['test.captcha'], { id: core.lastCaptchaId }) : null,
      };
    }
    if (core.demo) void provisionDemoTokens(core).catch((error: unknown) => console.error('demo tokens:', error));
    let win = createWindow(core, linkAtStart);
    const open = (link: DeepLink) => {
      core.emit('app.deepLink', link);
      if (win.isMinimized()) win.restore();
      win.focus();
    };
    openLink = open;
    app.on('second-instance', (_event, argv) => {
      const link = deepLinkInArgs(argv);
      if (link) return open(link);
      if (win.isMinimized()) win.restore();
      win.focus();
    });
    app.on('activate', () => {
      if (BrowserWindow.getAllWindows().length === 0) win = createWindow(core);
    });
    app.on('before-quit', () => core.close());
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
}
