// PgBouncer in transaction pooling mode between the service instances and the
// primary: TLS on both sides (the instances verify it, it verifies the server),
// scram-sha-256 for the clients. A failover rewrites where it points and reloads
// it (SIGHUP): the instances keep their address and reconnect without a restart.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { alive, daemon, givePostgres, signal, waitFor } from './proc';
import { createConnection } from 'node:net';

export interface BouncerLayout {
  dir: string;
  port: number;
  tlsDir: string;
}

function ini(layout: BouncerLayout, primaryPort: number): string {
  const tls = (f: string) => join(layout.tlsDir, f);
  return `;; settlekey bank stack — written by scripts/bank-stack; a failover rewrites [databases]
[databases]
settlekey = host=127.0.0.1 port=${primaryPort} dbname=settlekey

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = ${layout.port}
unix_socket_dir =
pidfile = ${join(layout.dir, 'pgbouncer.pid')}
auth_type = scram-sha-256
auth_file = ${join(layout.dir, 'userlist.txt')}
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 40
reserve_pool_size = 5
;; a failover or restart is waited out by the clients' retries, not by a 15 s pause here
server_login_retry = 1
server_connect_timeout = 3
query_wait_timeout = 30
client_tls_sslmode = require
client_tls_key_file = ${tls('server.key')}
client_tls_cert_file = ${tls('server.pem')}
client_tls_ca_file = ${tls('ca.pem')}
server_tls_sslmode = verify-full
server_tls_ca_file = ${tls('ca.pem')}
log_connections = 0
log_disconnections = 0
`;
}

export function writeConfig(layout: BouncerLayout, primaryPort: number, users: Record<string, string>): void {
  writeFileSync(join(layout.dir, 'pgbouncer.ini'), ini(layout, primaryPort), { mode: 0o600 });
  givePostgres(join(layout.dir, 'pgbouncer.ini'));
  const list = Object.entries(users)
    .map(([user, password]) => `"${user}" "${password}"`)
    .join('\n');
  writeFileSync(join(layout.dir, 'userlist.txt'), `${list}\n`, { mode: 0o600 });
  givePostgres(join(layout.dir, 'userlist.txt'));
}

export function pid(layout: BouncerLayout): number | undefined {
  const file = join(layout.dir, 'pgbouncer.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').trim()) || undefined : undefined;
}

export async function start(layout: BouncerLayout): Promise<void> {
  daemon('pgbouncer', [join(layout.dir, 'pgbouncer.ini')], {
    log: join(layout.dir, 'pgbouncer.log'),
    asPostgresUser: true,
  });
  await waitFor('PgBouncer listening', 20_000, () => listening(layout.port));
}

export async function stop(layout: BouncerLayout, how: 'SIGINT' | 'SIGTERM' = 'SIGINT'): Promise<void> {
  const p = pid(layout);
  signal(p, how);
  await waitFor('PgBouncer stopped', 20_000, () => !alive(p));
}

/** Points it at another primary: rewritten, then reloaded (SIGHUP); connections to the old one are dropped. */
export function repoint(layout: BouncerLayout, primaryPort: number): void {
  const file = join(layout.dir, 'pgbouncer.ini');
  const text = readFileSync(file, 'utf8').replace(
    /^settlekey = .*$/m,
    `settlekey = host=127.0.0.1 port=${primaryPort} dbname=settlekey`,
  );
  writeFileSync(file, text);
  signal(pid(layout), 'SIGHUP');
}

export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}
