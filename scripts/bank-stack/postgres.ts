// The stack's own PostgreSQL: a primary and a synchronous streaming standby made
// with initdb and pg_basebackup, TLS on every connection (replication included,
// verify-full), scram-sha-256 passwords, run by the postgres system user with
// pg_ctl. The machine's PostgreSQL on 5432 belongs to the test suite: never used.
import { appendFileSync, copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PG_BIN, asPostgres, givePostgres, waitFor } from './proc';

export interface Cluster {
  /** 'a' or 'b': which data folder; the primary's changes at each failover. */
  name: string;
  port: number;
  dir: string;
}

export interface PgLayout {
  root: string;
  /** Where the servers' sockets are (the postgres user administers its clusters through them). */
  socketDir: string;
  /** The postgres user's TLS files: server certificate and key, the internal CA. */
  tlsDir: string;
  /** The postgres user's password file, for replication. */
  passfile: string;
}

export const STANDBY_NAME = 'standby';

export function pgLayout(root: string): PgLayout {
  return { root, socketDir: join(root, 'sock'), tlsDir: join(root, 'tls'), passfile: join(root, 'pgpass') };
}

/** A superuser statement through the cluster's socket (peer authentication: the postgres user). */
export function psql(layout: PgLayout, port: number, statement: string, database = 'postgres'): string {
  return asPostgres(join(PG_BIN, 'psql'), [
    '-X',
    '-q',
    '-A',
    '-t',
    '-v',
    'ON_ERROR_STOP=1',
    '-h',
    layout.socketDir,
    '-p',
    String(port),
    '-d',
    database,
    '-c',
    statement,
  ]).trim();
}

function settings(layout: PgLayout, port: number): string {
  return [
    '',
    '# settlekey bank stack',
    `listen_addresses = '127.0.0.1'`,
    `port = ${port}`,
    `unix_socket_directories = '${layout.socketDir}'`,
    'ssl = on',
    `ssl_cert_file = '${join(layout.tlsDir, 'server.pem')}'`,
    `ssl_key_file = '${join(layout.tlsDir, 'server.key')}'`,
    `ssl_ca_file = '${join(layout.tlsDir, 'ca.pem')}'`,
    `ssl_min_protocol_version = 'TLSv1.2'`,
    `password_encryption = 'scram-sha-256'`,
    'wal_level = replica',
    'max_wal_senders = 5',
    'wal_keep_size = 256MB',
    'hot_standby = on',
    // An acknowledged commit is on the standby's disk too (the standby is named once it streams).
    'synchronous_commit = on',
    'max_connections = 200',
    'shared_buffers = 128MB',
    `log_line_prefix = '%m [%p] %a %u@%d '`,
    // Statements carry the request id (as a comment): a slow one names the request it served.
    'log_min_duration_statement = 1000',
    '',
  ].join('\n');
}

const HBA = [
  '# settlekey bank stack: TLS and scram-sha-256 for everyone but the postgres user on its socket',
  'local   all          postgres                 peer',
  'hostssl all          all         127.0.0.1/32 scram-sha-256',
  'hostssl replication  replicator  127.0.0.1/32 scram-sha-256',
  '',
].join('\n');

export interface Passwords {
  owner: string;
  app: string;
  replicator: string;
}

/** initdb, settings, start, the roles and the database: the primary. */
export async function makePrimary(layout: PgLayout, cluster: Cluster, passwords: Passwords): Promise<void> {
  mkdirSync(layout.socketDir, { recursive: true });
  givePostgres(layout.socketDir);
  asPostgres(join(PG_BIN, 'initdb'), [
    '-D',
    cluster.dir,
    '-U',
    'postgres',
    '--auth-local=peer',
    '--auth-host=scram-sha-256',
    '-E',
    'UTF8',
    '--no-locale',
    '--data-checksums',
  ]);
  appendFileSync(join(cluster.dir, 'postgresql.conf'), settings(layout, cluster.port));
  writeFileSync(join(cluster.dir, 'pg_hba.conf'), HBA);
  start(layout, cluster);
  await ready(layout, cluster);
  psql(layout, cluster.port, `create role settlekey_owner login password '${passwords.owner}'`);
  psql(layout, cluster.port, `create role settlekey_app login password '${passwords.app}'`);
  psql(layout, cluster.port, `create role replicator login replication password '${passwords.replicator}'`);
  psql(layout, cluster.port, 'create database settlekey owner settlekey_owner');
  psql(layout, cluster.port, 'revoke connect on database settlekey from public', 'postgres');
  psql(layout, cluster.port, 'grant connect on database settlekey to settlekey_app', 'postgres');
}

/** pg_basebackup from the primary over TLS (verify-full), then started as its synchronous standby. */
export async function makeStandby(layout: PgLayout, primary: Cluster, standby: Cluster): Promise<void> {
  const conninfo = [
    'host=127.0.0.1',
    `port=${primary.port}`,
    'user=replicator',
    `passfile=${layout.passfile}`,
    'sslmode=verify-full',
    `sslrootcert=${join(layout.tlsDir, 'ca.pem')}`,
    `application_name=${STANDBY_NAME}`,
  ].join(' ');
  asPostgres(join(PG_BIN, 'pg_basebackup'), [
    '-d',
    conninfo,
    '-D',
    standby.dir,
    '-R',
    '-X',
    'stream',
    '--checkpoint=fast',
  ]);
  // The copy says the primary's port; the later line wins.
  appendFileSync(join(standby.dir, 'postgresql.conf'), `\nport = ${standby.port}\n`);
  start(layout, standby);
  await ready(layout, standby);
  await waitFor(
    'the standby streaming',
    30_000,
    () =>
      psql(
        layout,
        primary.port,
        `select count(*) from pg_stat_replication where application_name = '${STANDBY_NAME}' and state = 'streaming'`,
      ) === '1',
  );
  // Only now: named before it streams, every commit would wait for it.
  psql(layout, primary.port, `alter system set synchronous_standby_names = '${STANDBY_NAME}'`);
  psql(layout, primary.port, 'select pg_reload_conf()');
  await waitFor(
    'the standby synchronous',
    30_000,
    () =>
      psql(
        layout,
        primary.port,
        `select sync_state from pg_stat_replication where application_name = '${STANDBY_NAME}'`,
      ) === 'sync',
  );
}

export function start(layout: PgLayout, cluster: Cluster): void {
  asPostgres(join(PG_BIN, 'pg_ctl'), [
    '-D',
    cluster.dir,
    '-l',
    join(layout.root, `${cluster.name}.log`),
    '-w',
    '-t',
    '60',
    'start',
  ]);
}

export async function ready(layout: PgLayout, cluster: Cluster): Promise<void> {
  await waitFor(`PostgreSQL ${cluster.name} accepting connections`, 60_000, () => {
    asPostgres(join(PG_BIN, 'pg_isready'), ['-q', '-h', layout.socketDir, '-p', String(cluster.port)]);
    return true;
  });
}

export function stop(cluster: Cluster, mode: 'fast' | 'immediate' = 'fast'): void {
  if (!existsSync(join(cluster.dir, 'postmaster.pid'))) return;
  try {
    asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', cluster.dir, '-m', mode, '-w', '-t', '60', 'stop']);
  } catch {
    // not running (a stale pid file)
  }
}

/** The postmaster's pid, to kill it as a crash would. */
export function postmasterPid(cluster: Cluster): number | undefined {
  try {
    return Number(readFileSync(join(cluster.dir, 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

export function isUp(layout: PgLayout, cluster: Cluster): boolean {
  try {
    asPostgres(join(PG_BIN, 'pg_isready'), ['-q', '-h', layout.socketDir, '-p', String(cluster.port)]);
    return true;
  } catch {
    return false;
  }
}

/**
 * The old primary can never come back as a primary: stopped if it still runs,
 * marked a standby (standby.signal, with no primary to follow), and its folder
 * renamed so nothing starts it by its old name. Its files stay, for inquiry.
 */
export function fence(cluster: Cluster): string {
  stop(cluster, 'immediate');
  const fenced = `${cluster.dir}.fenced-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  if (existsSync(cluster.dir)) {
    writeFileSync(join(cluster.dir, 'standby.signal'), '');
    writeFileSync(
      join(cluster.dir, 'FENCED'),
      `fenced at ${new Date().toISOString()}: a former primary, never to be started as one\n`,
    );
    renameSync(cluster.dir, fenced);
  }
  return fenced;
}

/** Promotes the standby and waits until it takes writes. */
export async function promote(layout: PgLayout, standby: Cluster): Promise<void> {
  asPostgres(join(PG_BIN, 'pg_ctl'), ['-D', standby.dir, '-w', '-t', '60', 'promote']);
  await waitFor(
    'the promoted standby out of recovery',
    60_000,
    () => psql(layout, standby.port, 'select pg_is_in_recovery()') === 'f',
  );
}

/** A primary with no standby must not wait for one: otherwise every commit would hang. */
export function clearSynchronousStandby(layout: PgLayout, cluster: Cluster): void {
  psql(layout, cluster.port, `alter system set synchronous_standby_names = ''`);
  psql(layout, cluster.port, 'select pg_reload_conf()');
}

/** The TLS files a cluster reads, owned by the postgres user (it refuses a key others may read). */
export function installTls(layout: PgLayout, pkiDir: string): void {
  mkdirSync(layout.tlsDir, { recursive: true, mode: 0o700 });
  for (const [from, to] of [
    ['postgres.pem', 'server.pem'],
    ['postgres.key', 'server.key'],
    ['ca.pem', 'ca.pem'],
  ]) {
    copyFileSync(join(pkiDir, from), join(layout.tlsDir, to));
    givePostgres(join(layout.tlsDir, to));
  }
  givePostgres(layout.tlsDir);
}
