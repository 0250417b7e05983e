// What the service benches share: the settlement service started as its own
// process on a database (as a bank runs it), its CPU read from /proc, and an
// HTTP client that costs the shared cores as little as it can.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool, type Dispatcher } from 'undici';
import { postgres as pgKind } from '../tests/support/databases';

/** CPU seconds a process has used so far (Linux /proc), to tell the service's share from the client's. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}

/** n with d decimals, for printing timings and ratios (never money). */
export const dec = (n: number, d: number) => String(Math.round(n * 10 ** d) / 10 ** d);

/** pool: connections per instance (SETTLEKEY_DB_POOL); undefined leaves the service's default. */
export async function startService(
  setting: string,
  pool?: number,
  env: NodeJS.ProcessEnv = {},
): Promise<{ child: ChildProcess; url: string }> {
  // BENCH_PROFILE=dir writes a CPU profile of the service there.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // --demo: the bench has no HSM, so the bank's keys are the demo's stand-in.
  const service = [
    'src-service/commands/service/cli.ts',
    '--db',
    setting,
    '--port',
    '0',
    '--log-level',
    'error',
    '--demo',
  ];
  const child = spawn(process.execPath, [...profile, '--import', 'tsx', ...service], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      ...(pool === undefined ? {} : { SETTLEKEY_DB_POOL: String(pool) }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`service exited ${code}`)));
  });
  return { child, url };
}

export async function stopService(child: ChildProcess, url?: string): Promise<void> {
  if (url) {
    await clientPools.get(url)?.close();
    clientPools.delete(url);
  }
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Keep-alive connections per service, up to the bench's 32 clients. undici's own
 * request API, not fetch: on this 2-core machine the client shares the cores with
 * the service, and fetch spent 0.22–0.32 ms of CPU per request against 0.05 ms
 * for a Pool (both driving a bare Fastify route) — time the service's figure lost.
 */
const clientPools = new Map<string, Pool>();

/** A request to the service; the reply's JSON, or a throw naming the status. */
export async function send(
  url: string,
  request: { path: string; method?: string; headers?: Record<string, string>; body?: string },
): Promise<{ status: number; json: any }> {
  let pool = clientPools.get(url);
  if (!pool) {
    pool = new Pool(url, { connections: 32 });
    clientPools.set(url, pool);
  }
  const res = await pool.request({
    path: request.path,
    method: (request.method ?? 'GET') as Dispatcher.HttpMethod,
    headers: { 'content-type': 'application/json', ...request.headers },
    body: request.body,
  });
  return { status: res.statusCode, json: await res.body.json() };
}

/** A JSON call with a session token; throws unless the service answers 200. */
export async function call(url: string, path: string, token: string | null, method = 'GET', body?: unknown) {
  const res = await send(url, {
    path,
    method,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.json)}`);
  return res.json;
}

/**
 * Runs a bench on SQLite (files in a folder of its own) and on PostgreSQL (two
 * fresh schemas), each with a database for the service and one for the raw
 * baseline; BENCH_ONLY=sqlite|postgres runs one. The demo's stand-in bank keys
 * of every database go into the folder (a PostgreSQL one has no folder of its own).
 */
export async function onEachDatabase(
  name: string,
  bench: (label: 'SQLite' | 'PostgreSQL', setting: string, raw: string) => Promise<void>,
): Promise<void> {
  const only = process.env.BENCH_ONLY;
  const dir = mkdtempSync(join(tmpdir(), `sk-bench-${name}-`));
  process.env.SETTLEKEY_DATA_DIR = dir;
  try {
    if (only !== 'postgres') await bench('SQLite', join(dir, 'service.sqlite'), join(dir, 'raw.sqlite'));
    if (only === 'sqlite') return;
    if ((await pgKind.available()) !== true) {
      console.log('PostgreSQL not reachable on 127.0.0.1:5432: skipped');
      return;
    }
    const svc = await pgKind.create();
    const raw = await pgKind.create();
    try {
      await bench('PostgreSQL', svc.setting, raw.setting);
    } finally {
      await svc.drop();
      await raw.drop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
