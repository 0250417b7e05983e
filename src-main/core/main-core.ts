// The main process's services, the same in Electron and in the browser shell:
// settings and session cache, the embedded service, the settlement client, and
// the IPC handlers over them. Each shell only adds its transport.
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import type { Lang } from '../../src-shared/errors';
import type { IpcEventName, IpcEventPayload } from '../../src-shared/ipc/contract';
import { dispatch } from './dispatch';
import { EmbeddedService, type ServiceSpawner } from './embedded-service';
import { createHandlers, type Handlers } from './handlers';
import { ensureDir } from './paths';
import { SessionCache, type CacheKeyProvider } from './session-cache';
import { SettlementClient } from './settlement-client';
import { TokenHostClient, type HostSpawner } from '../token/host-client';
import type { CertificateStep } from '../../src-shared/api/auth';
import type { InstructionDraft, InstructionPreview } from '../../src-shared/api/settlement';
import type { SavedFile } from '../../src-shared/ipc/contract';

/** What each shell does with files: Electron asks where to save and prints to PDF; the browser shell serves downloads. */
export interface FileSaver {
  save(filename: string, mime: string, data: Buffer): Promise<SavedFile>;
  print(title: string): Promise<SavedFile | { browserPrint: true }>;
}

export interface MainCoreOptions {
  userDataDir: string;
  version: string;
  /** The embedded default runs with demo data (and, once provisioned, demo tokens). */
  demo: boolean;
  spawnService: ServiceSpawner;
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
  /** The USB-KEY step the service asked for at login, and when it arrived (for the service's time). */
  pendingCertificateStep: { step: CertificateStep; loginName: string; receivedAt: number } | null = null;
  readonly events = new EventEmitter();
  readonly version: string;
  readonly demo: boolean;
  readonly files: FileSaver;
  /** Instructions previewed and not yet signed, by serial: what is signed is what the service read. */
  readonly previews = new Map<string, { draft: InstructionDraft; preview: InstructionPreview; receivedAt: number }>();
  /** The captcha shown last; only the test-mode hook of the browser shell reads it. */
  lastCaptchaId: string | null = null;

  constructor(options: MainCoreOptions) {
    const dir = ensureDir(options.userDataDir);
    this.version = options.version;
    this.files = options.files;
    this.demo = options.demo;
    this.cache = new SessionCache(join(dir, 'client-cache.sqlite'), options.cacheKeys(dir));
    this.embedded = new EmbeddedService({ userDataDir: dir, demo: options.demo, spawn: options.spawnService });
    this.client = new SettlementClient(
      () => this.serviceUrl(),
      () => this.language(),
    );
    this.client.onSessionEnded = (reason) => this.emit('session.ended', { reason });
    this.tokens = new TokenHostClient(options.spawnTokenHost, () => ({
      modulePath: this.cache.getSettings().pkcs11Module || null,
      fileCertDir: join(dir, 'certificates'),
    }));
    this.tokens.on('status', (status) => this.emit('token.status', status));
    this.handlers = createHandlers(this);
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
