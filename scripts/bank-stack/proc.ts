// Processes of the bank stack: commands run to their end, daemons started apart
// from this process (their logs in files, their pids recorded) so that a stop
// from another terminal, or after this process died, still finds them.
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, closeSync, openSync } from 'node:fs';
import { createServer } from 'node:net';

/** The PostgreSQL server binaries (initdb refuses root; pg_ctl, pg_basebackup). */
export const PG_BIN = process.env.SETTLEKEY_PG_BIN ?? '/usr/lib/postgresql/15/bin';

const isRoot = process.getuid?.() === 0;

/** Runs a command to its end; its output, or a throw with what it said. */
export function run(cmd: string, args: string[], env?: NodeJS.ProcessEnv): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: env ?? process.env });
  } catch (error) {
    const e = error as { stderr?: string; stdout?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')}: ${(e.stderr || e.stdout || e.message).trim()}`);
  }
}

/**
 * As the postgres system user: PostgreSQL's and PgBouncer's own processes refuse
 * root. Run by an ordinary user, the stack's clusters are that user's.
 */
export function asPostgres(cmd: string, args: string[]): string {
  return isRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args);
}

/** Gives a path to the postgres system user (when this is root). */
export function givePostgres(path: string): void {
  if (!isRoot) return;
  const uid = Number(run('id', ['-u', 'postgres']).trim());
  const gid = Number(run('id', ['-g', 'postgres']).trim());
  chownSync(path, uid, gid);
}

/** Starts a daemon apart from this process, its output appended to `log`; its pid. */
export function daemon(
  cmd: string,
  args: string[],
  options: { log: string; env?: NodeJS.ProcessEnv; asPostgresUser?: boolean },
): number {
  const fd = openSync(options.log, 'a', 0o600);
  const [c, a] = options.asPostgresUser && isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const child = spawn(c, a, { detached: true, stdio: ['ignore', fd, fd], env: options.env ?? process.env });
  closeSync(fd);
  child.unref();
  if (!child.pid) throw new Error(`${cmd} did not start`);
  return child.pid;
}

export function alive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Signals a process (not a group: runuser passes signals to its one child). */
export function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!alive(pid)) return;
  try {
    process.kill(pid!, sig);
  } catch {
    // gone meanwhile
  }
}

export async function waitFor<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | false> | T | false,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const result = await probe();
      if (result !== false) return result;
    } catch (error) {
      last = error;
    }
    if (Date.now() > until)
      throw new Error(`${what}: not within ${timeoutMs / 1000} s${last ? ` (${(last as Error).message})` : ''}`);
    await sleep(100);
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Ports free on loopback now (the machine's own services, 5432 among them, are left alone). */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  const servers = [];
  for (let i = 0; i < count; i++) {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    ports.push((server.address() as { port: number }).port);
    servers.push(server);
  }
  await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  return ports;
}
