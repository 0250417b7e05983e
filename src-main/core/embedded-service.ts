// The embedded settlement service: a separate process (a child process in the
// browser shell, a utilityProcess in Electron) on 127.0.0.1 with a random port
// and a SQLite file in the user-data folder. It never runs inside the main
// process's event loop, which a synchronous fsync would stall.
import { join } from 'node:path';
import { EMBEDDED_DATABASE_FILE } from '../../src-shared/user-data';

/** What a started service process looks like to us, whichever way it was spawned. */
export interface ServiceProcess {
  onMessage(listener: (message: unknown) => void): void;
  onExit(listener: (code: number | null) => void): void;
  kill(): void;
}

export type ServiceSpawner = (args: string[]) => ServiceProcess;

export interface EmbeddedServiceOptions {
  userDataDir: string;
  demo: boolean;
  spawn: ServiceSpawner;
  startTimeoutMs?: number;
}

export class EmbeddedService {
  private running: { process: ServiceProcess; url: string } | null = null;
  private starting: Promise<string> | null = null;

  constructor(private readonly options: EmbeddedServiceOptions) {}

  /** The service's URL, starting it (again) if it is not running. */
  url(): Promise<string> {
    if (this.running) return Promise.resolve(this.running.url);
    this.starting ??= this.start().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  stop(): void {
    this.running?.process.kill();
    this.running = null;
  }

  private start(): Promise<string> {
    const args = [
      '--db',
      join(this.options.userDataDir, EMBEDDED_DATABASE_FILE),
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'warn',
      ...(this.options.demo ? ['--demo'] : []),
    ];
    const child = this.options.spawn(args);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('the embedded settlement service did not start within the time limit'));
      }, this.options.startTimeoutMs ?? 60_000);
      child.onMessage((message) => {
        const m = message as { type?: string; url?: string };
        if (m?.type === 'settlekey-service-ready' && typeof m.url === 'string') {
          clearTimeout(timer);
          this.running = { process: child, url: m.url };
          resolve(m.url);
        }
      });
      child.onExit((code) => {
        clearTimeout(timer);
        if (this.running?.process === child) this.running = null;
        reject(new Error(`the embedded settlement service exited with code ${String(code)}`));
      });
    });
  }
}
