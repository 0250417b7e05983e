// The main process's services, the same in Electron and in the browser shell:
// settings and session cache, the embedded service, the settlement client, and
// the IPC handlers over them. Each shell only adds its transport.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import { EarlyReply } from '../../src-shared/early-reply';
import type { Lang } from '../../src-shared/errors';
import type { IpcEventName, IpcEventPayload, IpcOutput } from '../../src-shared/ipc/contract';
import { desktopRoutes } from '../../src-shared/routes';
import { provisionDemoTokens } from './demo-tokens';
import { dispatch } from './dispatch';
import { EmbeddedService, type ServiceSpawner } from './embedded-service';
import { MarketSimulator } from './market-sim';
import type { FileSaver } from './files';
import { createHandlers, type Handlers } from './handlers';
import { ensureDir } from './paths';
import { SessionCache, type CacheKeyProvider } from './session-cache';
import { SettlementClient } from './settlement-client';
import { TokenHostClient, type HostSpawner } from '../token/host-client';

export type { FileSaver } from './files';

export interface MainCoreOptions {
  userDataDir: string;
  version: string;
  /** The embedded default runs with demo data (and, once provisioned, demo tokens). */
  demo: boolean;
  spawnService: ServiceSpawner;
  /** The demo's market simulator's process (the embedded default starts it once its service listens). */
  spawnMarketSim?: ServiceSpawner;
  /** An embedded service already starting (the browser shell forks it before loading the rest); else one on spawnService. */
  embedded?: EmbeddedService;
  spawnTokenHost: HostSpawner;
  cacheKeys: (dir: string) => CacheKeyProvider;
  files: FileSaver;
}

export class MainCore {
  readonly cache: SessionCache;
  readonly embedded: EmbeddedService;
  readonly client: SettlementClient;
  readonly tokens: TokenHostClient;
  readonly handlers: Handlers;
  readonly events = new EventEmitter();
  readonly version: string;
  readonly demo: boolean;
  readonly files: FileSaver;
  /** The captcha shown last; only the test-mode hooks of the shells read it. */
  lastCaptchaId: string | null = null;
  /** The first login page's captcha, asked for by the shell as the service starts (askFirstCaptcha). */
  private readonly firstCaptcha = new EarlyReply<IpcOutput<'auth.captcha'>>(60_000);

  constructor(options: MainCoreOptions) {
    const dir = ensureDir(options.userDataDir);
    this.version = options.version;
    this.files = options.files;
    this.demo = options.demo;
    this.cache = new SessionCache(join(dir, 'client-cache.sqlite'), options.cacheKeys(dir));
    this.embedded =
      options.embedded ??
      new EmbeddedService({
        userDataDir: dir,
        demo: options.demo,
        spawn: options.spawnService,
        marketSim:
          options.demo && options.spawnMarketSim ? new MarketSimulator(dir, options.spawnMarketSim) : undefined,
      });
    this.client = new SettlementClient(
      () => this.serviceUrl(),
      () => this.language(),
    );
    this.client.onSessionEnded = (reason) => {
      // Idle timeout or ended by the bank: a USB-KEY kept logged in is logged out with the session.
      void this.tokens.releaseLogins();
      this.emit('session.ended', { reason });
    };
    this.tokens = new TokenHostClient(options.spawnTokenHost, () => ({
      modulePath: this.cache.getSettings().pkcs11Module || null,
      skfLibrary: this.cache.getSettings().skfLibrary || null,
      fileCertDir: join(dir, 'certificates'),
    }));
    this.tokens.pinPolicy = () => this.cache.getSettings().pinPolicy;
    this.tokens.on('status', (status) => this.emit('token.status', status));
    // Each handler module gets what it uses, not the core: the core holds no flow state for them.
    this.handlers = createHandlers({
      client: this.client,
      cache: this.cache,
      tokens: this.tokens,
      files: this.files,
      version: this.version,
      demo: this.demo,
      language: () => this.language(),
      signProgress: (done, total) => this.emit('token.progress', { done, total }),
      // Keyed on this core, so a login waits for a provisioning run the shell started at launch.
      deliverDemoTokens: () => provisionDemoTokens(this),
      captchaShown: (captchaId) => {
        this.lastCaptchaId = captchaId;
      },
      firstCaptcha: this.firstCaptcha,
      marketSim: () => (this.cache.getSettings().serviceMode === 'remote' ? null : this.embedded.marketSim),
    });
  }

  /**
   * At a start on the embedded service: the login page's first captcha is asked
   * for as soon as the service listens, so the page finds it ready instead of
   * waiting for it behind its own scripts. A remote service is not asked.
   */
  askFirstCaptcha(): void {
    if (this.cache.getSettings().serviceMode === 'remote') return;
    this.firstCaptcha.ask(() => this.client.route(desktopRoutes['auth.captcha']));
  }

  language(): Lang {
    return this.cache.getSettings().language;
  }

  private serviceUrl(): Promise<string> {
    const settings = this.cache.getSettings();
    return settings.serviceMode === 'remote' ? Promise.resolve(settings.remoteUrl) : this.embedded.url();
  }

  dispatch(method: unknown, arg: unknown) {
    return dispatch(this.handlers, method, arg, this.language(), (message, error) => console.error(message, error));
  }

  emit<E extends IpcEventName>(event: E, payload: IpcEventPayload<E>): void {
    this.events.emit('event', event, payload);
  }

  close(): void {
    this.tokens.stop();
    this.embedded.stop();
    this.cache.close();
  }
}
