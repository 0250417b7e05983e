// The settlement service instances: the production bundle (no test or demo
// routes), each on its own port with HTTPS, all on one database through
// PgBouncer and one HSM token; stateless, so any of them may die.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { alive, daemon, signal, waitFor } from './proc';
import { Agent, request } from 'undici';

export interface InstanceSpec {
  name: string;
  port: number;
  metricsPort: number;
  dir: string;
}

export interface InstanceEnv {
  /** The service role's URL through PgBouncer (no password: the passfile has it). */
  database: string;
  env: NodeJS.ProcessEnv;
}

/** The production bundle (npm run build:node): the instances and the bank's tools run it. */
export const BUNDLE = resolve('dist/service/cli.cjs');

export function start(spec: InstanceSpec, shared: InstanceEnv): number {
  mkdirSync(spec.dir, { recursive: true, mode: 0o700 });
  if (!existsSync(BUNDLE)) throw new Error(`${BUNDLE}: the production build is missing (npm run build:node)`);
  const pid = daemon(
    process.execPath,
    [BUNDLE, '--db', shared.database, '--host', '127.0.0.1', '--port', String(spec.port), '--migrations-by-owner'],
    {
      log: join(spec.dir, 'service.log'),
      env: {
        ...shared.env,
        NODE_ENV: 'production',
        SETTLEKEY_DATA_DIR: spec.dir,
        SETTLEKEY_METRICS_PORT: String(spec.metricsPort),
      },
    },
  );
  writeFileSync(join(spec.dir, 'pid'), String(pid));
  return pid;
}

export function pidOf(spec: InstanceSpec): number | undefined {
  const file = join(spec.dir, 'pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8')) || undefined : undefined;
}

/** Ready as the load balancer sees it: /health/ready over HTTPS, checked against the internal CA. */
export async function ready(spec: InstanceSpec, internalCa: string, timeoutMs = 90_000): Promise<void> {
  const dispatcher = new Agent({ connect: { ca: internalCa } });
  try {
    await waitFor(`instance ${spec.name} ready`, timeoutMs, async () => {
      if (!alive(pidOf(spec))) throw new Error(`it exited: see ${join(spec.dir, 'service.log')}`);
      const reply = await request(`https://127.0.0.1:${spec.port}/health/ready`, { dispatcher });
      await reply.body.dump();
      return reply.statusCode === 200;
    });
  } finally {
    await dispatcher.close();
  }
}

/** SIGTERM: drains (readiness 503 first), finishes what it holds, exits. */
export async function stop(spec: InstanceSpec, how: NodeJS.Signals = 'SIGTERM', timeoutMs = 30_000): Promise<void> {
  const pid = pidOf(spec);
  signal(pid, how);
  await waitFor(`instance ${spec.name} stopped`, timeoutMs, () => !alive(pid));
}
