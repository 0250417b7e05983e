// The embedded settlement service: a separate process (a child process in the
// browser shell, a utilityProcess in Electron) on 127.0.0.1 with a random port
// and a SQLite file in the user-data folder. It never runs inside the main
// process's event loop, which a synchronous fsync would stall.
import { join } from 'node:path';
import { EMBEDDED_DATABASE_FILE } from '../../src-shared/user-data';
import type { MarketSimulator } from './market-sim';

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
  /** A demo's markets: started once the service listens, connected by it from their folder, told its URL. */
  marketSim?: MarketSimulator;
}

/** How long after the service listens the demo's market simulator starts. */
const MARKET_SIM_DELAY_MS = 1_000;

export class EmbeddedService {
  private running: { process: ServiceProcess; url: string } | null = null;
  private starting: Promise<string> | null = null;

  constructor(private readonly options: EmbeddedServiceOptions) {}

  /** The demo's market simulator, when this embedded service runs one. */
  get marketSim(): MarketSimulator | null {
    return this.options.demo ? (this.options.marketSim ?? null) : null;
  }

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
    this.options.marketSim?.stop();
  }

  private async start(): Promise<string> {
    const sim = this.options.demo ? this.options.marketSim : undefined;
    // The service connects the demo's markets when the simulator has handed over its folder; what an
    // earlier start left there is not that.
    sim?.forgetLink();
    const url = await this.startService(sim ? ['--demo-market-sim', sim.dir] : []);
    // The simulator starts once the login page has had the machine: nothing on that page needs it.
    if (sim) setTimeout(() => void this.startMarketSim(sim, url), MARKET_SIM_DELAY_MS).unref();
    return url;
  }

  private async startMarketSim(sim: MarketSimulator, url: string): Promise<void> {
    try {
      await sim.start();
      await sim.tellService(url);
    } catch (error) {
      console.error('the demo market simulator did not start; the demo markets are not connected', error);
    }
  }

  private startService(extra: string[]): Promise<string> {
    const args = [
      '--db',
      join(this.options.userDataDir, EMBEDDED_DATABASE_FILE),
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--log-level',
      'warn',
      ...(this.options.demo ? ['--demo', ...extra] : []),
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
