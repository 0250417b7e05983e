// The demo's market simulator (src-market-sim), a process of its own that the
// embedded default starts after its service: the service connects the demo's
// markets from the simulator's folder (as bank staff would with the counter
// tool), and the simulator is then told the service's URL. The app's demo tools act as a
// market through it — it signs their requests with the market's key and sends
// them through the market API, like any market's system. Its schemas load when
// first used: the shell imports this before it forks the service.
import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import type { MarketOperation, SimControlFile } from '../../src-shared/api/market-sim';
import { MARKET_SIM_FOLDER, SIM_BANK_LINK_FILE, SIM_CONTROL_FILE } from '../../src-shared/user-data';
import type { ServiceProcess, ServiceSpawner } from './embedded-service';

export class MarketSimulator {
  readonly dir: string;
  private running: { process: ServiceProcess; control: SimControlFile } | null = null;
  private starting: Promise<SimControlFile> | null = null;

  constructor(
    userDataDir: string,
    private readonly spawn: ServiceSpawner,
    private readonly startTimeoutMs = 30_000,
  ) {
    this.dir = join(userDataDir, MARKET_SIM_FOLDER);
  }

  /** Starts it (once); resolves when it listens and its folder holds what the bank needs. */
  start(): Promise<SimControlFile> {
    if (this.running) return Promise.resolve(this.running.control);
    this.starting ??= this.spawnAndWait().finally(() => {
      this.starting = null;
    });
    return this.starting;
  }

  /** The bank's service it sends its requests to. */
  async tellService(url: string): Promise<void> {
    const { simControlPaths } = await import('../../src-shared/api/market-sim');
    await this.control(simControlPaths.service, { url });
  }

  /** One market API operation as the market `market`: the bank's answer, or its refusal as an AppError. */
  async send(market: string, operation: MarketOperation, input: Record<string, unknown> = {}): Promise<unknown> {
    const { simControlPaths, SimSendReply } = await import('../../src-shared/api/market-sim');
    const { AppError, ERROR_MESSAGES } = await import('../../src-shared/errors');
    const { status, body } = SimSendReply.parse(await this.control(simControlPaths.send(market), { operation, input }));
    if (status >= 200 && status < 300) return body;
    const error = (body as { error?: { code?: string; params?: Record<string, unknown> } }).error;
    const code = error?.code && error.code in ERROR_MESSAGES ? (error.code as keyof typeof ERROR_MESSAGES) : 'INTERNAL';
    throw new AppError(code, error?.params as never);
  }

  stop(): void {
    this.running?.process.kill();
    this.running = null;
  }

  /**
   * What an earlier run handed the bank is not this run's: a service started now waits for the new
   * one. A simulator still running (the service alone restarted) keeps its link, which still holds.
   */
  forgetLink(): void {
    if (this.running || this.starting) return;
    rmSync(join(this.dir, SIM_BANK_LINK_FILE), { force: true });
  }

  private spawnAndWait(): Promise<SimControlFile> {
    const child = this.spawn(['serve', '--data', this.dir]);
    return new Promise<SimControlFile>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill();
        reject(new Error('the market simulator did not start within the time limit'));
      }, this.startTimeoutMs);
      child.onMessage((message) => {
        if ((message as { type?: string })?.type !== 'settlekey-market-sim-ready') return;
        clearTimeout(timer);
        void import('../../src-shared/api/market-sim').then(({ SimControlFile }) => {
          const control = SimControlFile.parse(JSON.parse(readFileSync(join(this.dir, SIM_CONTROL_FILE), 'utf8')));
          this.running = { process: child, control };
          resolve(control);
        }, reject);
      });
      child.onExit((code) => {
        clearTimeout(timer);
        if (this.running?.process === child) this.running = null;
        reject(new Error(`the market simulator exited with code ${String(code)}`));
      });
    });
  }

  /** A control request over HTTPS, the simulator's own certificate the only one trusted. */
  private async control(path: string, body: unknown): Promise<unknown> {
    const sim = await this.start();
    const bytes = JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        new URL(path, sim.url),
        {
          method: 'POST',
          ca: readFileSync(sim.ca, 'utf8'),
          headers: {
            authorization: `Bearer ${sim.token}`,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(bytes),
          },
          timeout: 60_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200)
              return reject(new Error(`the market simulator answered ${res.statusCode}: ${text}`));
            resolve(JSON.parse(text));
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('the market simulator did not answer in time')));
      req.on('error', reject);
      req.end(bytes);
    });
  }
}
