// The bank's deployment on one machine, on loopback: haproxy → service instances
// (HTTPS) → PgBouncer (TLS, transaction pooling) → a PostgreSQL primary with a
// synchronous standby (TLS replication). Its folder holds everything, a state file
// says what runs where, so `stop` and `failover` work from another terminal.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Agent, request } from 'undici';
import { softHsmConfIn } from '../../src-token/softhsm-conf';
import { SETTLEKEY_APPLICATION, SkfDriver } from '../../src-token/skf-driver';
import { skfSimulatorLibrary } from '../../src-token/skf-libraries';
import * as haproxy from './haproxy';
import * as instances from './instances';
import * as bouncer from './pgbouncer';
import { internalPki, publicKeyAndCsr } from './pki';
import * as pg from './postgres';
import { PG_BIN, alive, freePorts, givePostgres, run, waitFor } from './proc';

export const DEFAULT_STACK_DIR = '/var/tmp/settlekey-bank-stack';
const HSM_MODULE = process.env.SETTLEKEY_HSM_MODULE_PATH ?? '/usr/lib/softhsm/libsofthsm2.so';
const HSM_TOKEN = 'SettleKey bank HSM';

export interface StackState {
  dir: string;
  lbPort: number;
  bouncerPort: number;
  clusters: Record<'a' | 'b', pg.Cluster>;
  primary: 'a' | 'b';
  standby: 'a' | 'b' | null;
  instances: instances.InstanceSpec[];
  haproxyPid?: number;
  /** Old primaries' folders, fenced at failovers. */
  fenced: string[];
}

export interface Stack {
  state: StackState;
  /** The public address (haproxy, HTTPS). */
  url: string;
  /** The bank CA the desktops and the load client pin. */
  bankCa: string;
  internalCa: string;
  /** The schema owner's URL straight to the primary (migrations, the bank's tools, the checker). */
  ownerUrl(database?: string): string;
  /** The environment of a process that uses the bank's HSM. */
  env: NodeJS.ProcessEnv;
  /** The schema owner's password (0600), for SETTLEKEY_DB_PASSWORD_FILE. */
  ownerPasswordFile: string;
}

const paths = (dir: string) => ({
  secrets: join(dir, 'secrets'),
  pki: join(dir, 'pki'),
  hsm: join(dir, 'hsm'),
  pg: join(dir, 'pg'),
  bouncer: join(dir, 'pgbouncer'),
  proxy: join(dir, 'haproxy'),
  state: join(dir, 'state.json'),
});

export function readState(dir: string): StackState | null {
  const file = paths(dir).state;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as StackState) : null;
}

function save(state: StackState): void {
  writeFileSync(paths(state.dir).state, JSON.stringify(state, null, 2));
}

const secret = () => randomBytes(18).toString('base64url');

function writeSecret(file: string, value: string): void {
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export function running(state: StackState): string[] {
  const p = paths(state.dir);
  const names: string[] = [];
  if (alive(state.haproxyPid)) names.push('haproxy');
  for (const i of state.instances) if (alive(instances.pidOf(i))) names.push(i.name);
  if (alive(bouncer.pid({ dir: p.bouncer, port: state.bouncerPort, tlsDir: '' }))) names.push('pgbouncer');
  for (const c of Object.values(state.clusters))
    if (existsSync(join(c.dir, 'postmaster.pid'))) names.push(`postgres ${c.name}`);
  return names;
}

export function stackOf(state: StackState): Stack {
  const p = paths(state.dir);
  const internalCaFile = join(p.pki, 'ca.pem');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SOFTHSM2_CONF: join(p.hsm, 'softhsm2.conf'),
    SETTLEKEY_HSM_MODULE: HSM_MODULE,
    SETTLEKEY_HSM_TOKEN: HSM_TOKEN,
    SETTLEKEY_HSM_PIN_FILE: join(p.secrets, 'hsm.pin'),
    // The SM2 CA's HSM: the SKF simulator's device of the stack, standing in for the bank's SM2 HSM.
    ...(existsSync(join(p.hsm, 'sm2-device'))
      ? {
          SETTLEKEY_SM2_HSM_LIBRARY: skfSimulatorLibrary() ?? '',
          SETTLEKEY_SM2_HSM_DEVICE: join(p.hsm, 'sm2-device'),
          SETTLEKEY_SM2_HSM_PIN_FILE: join(p.secrets, 'sm2-hsm.pin'),
        }
      : {}),
  };
  const tlsQuery = `sslmode=verify-full&sslrootcert=${encodeURIComponent(internalCaFile)}`;
  return {
    state,
    url: `https://127.0.0.1:${state.lbPort}`,
    bankCa: existsSync(join(p.pki, 'bank-ca.pem')) ? readFileSync(join(p.pki, 'bank-ca.pem'), 'utf8') : '',
    internalCa: readFileSync(internalCaFile, 'utf8'),
    ownerUrl: (database = 'settlekey') =>
      `postgres://settlekey_owner@127.0.0.1:${state.clusters[state.primary].port}/${database}?${tlsQuery}`,
    env,
    ownerPasswordFile: join(p.secrets, 'owner.password'),
  };
}

function serviceUrl(state: StackState): string {
  const ca = join(paths(state.dir).pki, 'ca.pem');
  return `postgres://settlekey_app@127.0.0.1:${state.bouncerPort}/settlekey?sslmode=verify-full&sslrootcert=${encodeURIComponent(ca)}`;
}

function instanceEnv(stack: Stack): instances.InstanceEnv {
  const pki = paths(stack.state.dir).pki;
  return {
    database: serviceUrl(stack.state),
    env: {
      ...stack.env,
      SETTLEKEY_DB_PASSWORD_FILE: join(paths(stack.state.dir).secrets, 'app.password'),
      SETTLEKEY_TLS_CERT_FILE: join(pki, 'instance.pem'),
      SETTLEKEY_TLS_KEY_FILE: join(pki, 'instance.key'),
      SETTLEKEY_TRUSTED_PROXIES: '127.0.0.1',
      // haproxy's two failed 500 ms checks and one to spare: it has stopped sending before the listener closes
      SETTLEKEY_DRAIN_MS: '2000',
      SETTLEKEY_LOG: 'info',
    },
  };
}

/** The bank's tools (migrate, tls-certificate) from the production bundle. */
function bankTool(stack: Stack, args: string[]): string {
  return run(process.execPath, [instances.BUNDLE, ...args], {
    ...stack.env,
    NODE_ENV: 'production',
    SETTLEKEY_DB_PASSWORD_FILE: stack.ownerPasswordFile,
  });
}

export type Say = (line: string) => void;

/** Makes and starts the whole stack in an empty folder. */
export async function up(dir: string, options: { instances: number; say: Say }): Promise<Stack> {
  const say = options.say;
  const missing = ['haproxy', 'pgbouncer', 'openssl', 'softhsm2-util', join(PG_BIN, 'initdb')].filter(
    (cmd) => spawnSync(cmd.includes('/') ? cmd : 'which', cmd.includes('/') ? ['--version'] : [cmd]).status !== 0,
  );
  if (missing.length)
    throw new Error(
      `missing: ${missing.join(', ')} — apt-get install -y haproxy pgbouncer openssl softhsm2 postgresql (bash scripts/test.sh installs them)`,
    );
  dir = resolve(dir);
  const old = readState(dir);
  if (old && running(old).length > 0)
    throw new Error(`a stack runs in ${dir} (${running(old).join(', ')}): npm run bank-stack -- stop --dir ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const p = paths(dir);
  for (const d of [p.secrets, p.pki, p.hsm]) mkdirSync(d, { mode: 0o700 });
  for (const d of [p.pg, p.bouncer]) {
    mkdirSync(d, { mode: 0o700 });
    givePostgres(d);
  }
  mkdirSync(p.proxy, { mode: 0o700 });

  say('production build (npm run build:node)…');
  run('node', ['scripts/build-node.mjs']);

  const ports = await freePorts(4 + options.instances * 2);
  const [lbPort, bouncerPort, portA, portB] = ports;
  const state: StackState = {
    dir,
    lbPort,
    bouncerPort,
    clusters: {
      a: { name: 'a', port: portA, dir: join(p.pg, 'a') },
      b: { name: 'b', port: portB, dir: join(p.pg, 'b') },
    },
    primary: 'a',
    standby: null,
    instances: Array.from({ length: options.instances }, (_, i) => ({
      name: `instance-${i + 1}`,
      port: ports[4 + i * 2],
      metricsPort: ports[5 + i * 2],
      dir: join(dir, `instance-${i + 1}`),
    })),
    fenced: [],
  };
  save(state);

  say('secrets (0600) and certificates: the internal CA for the hops behind the load balancer…');
  const passwords = { owner: secret(), app: secret(), replicator: secret() };
  const hsmPin = randomBytes(6).toString('hex');
  writeSecret(join(p.secrets, 'hsm.pin'), hsmPin);
  writeSecret(join(p.secrets, 'owner.password'), passwords.owner);
  writeSecret(join(p.secrets, 'app.password'), passwords.app);
  internalPki(p.pki, ['postgres', 'pgbouncer', 'instance']);
  for (const f of readdirSync(p.pki)) if (f.endsWith('.key')) chmodSync(join(p.pki, f), 0o600);

  say('the bank HSM: a SoftHSM2 token of the stack, shared by the instances…');
  const conf = softHsmConfIn(p.hsm);
  run(
    'softhsm2-util',
    ['--init-token', '--free', '--label', HSM_TOKEN, '--so-pin', randomBytes(6).toString('hex'), '--pin', hsmPin],
    {
      ...process.env,
      SOFTHSM2_CONF: conf,
    },
  );

  const sm2Library = skfSimulatorLibrary();
  if (sm2Library) {
    say('the bank SM2 HSM (for SM2 USB-KEY certificates): a device of the SKF simulator, standing in for one…');
    const sm2Pin = randomBytes(6).toString('hex');
    writeSecret(join(p.secrets, 'sm2-hsm.pin'), sm2Pin);
    const skf = new SkfDriver(sm2Library);
    skf.load();
    try {
      const slot = skf.createDevice(join(p.hsm, 'sm2-device'), 'STACKSM2HSM');
      skf.initApplication(slot, SETTLEKEY_APPLICATION, randomBytes(6).toString('hex'), sm2Pin, 10);
    } finally {
      skf.close();
    }
  }

  say(`PostgreSQL primary (port ${portA}) and synchronous standby (port ${portB}), as the postgres user…`);
  const layout = pg.pgLayout(p.pg);
  pg.installTls(layout, p.pki);
  writeSecret(layout.passfile, `127.0.0.1:*:replication:replicator:${passwords.replicator}`);
  givePostgres(layout.passfile);
  await pg.makePrimary(layout, state.clusters.a, passwords);
  await pg.makeStandby(layout, state.clusters.a, state.clusters.b);
  state.standby = 'b';
  save(state);
  const stack = stackOf(state);

  say('migrations, by the schema owner; the service role granted rows only (journal and audit insert-only)…');
  bankTool(stack, ['migrate', '--db', stack.ownerUrl(), '--grant', 'settlekey_app']);

  say(`PgBouncer (port ${bouncerPort}), transaction pooling…`);
  const bl = bouncerLayout(state);
  mkdirSync(bl.tlsDir, { mode: 0o700 });
  givePostgres(bl.tlsDir);
  for (const [from, to] of [
    ['pgbouncer.pem', 'server.pem'],
    ['pgbouncer.key', 'server.key'],
    ['ca.pem', 'ca.pem'],
  ]) {
    writeFileSync(join(bl.tlsDir, to), readFileSync(join(p.pki, from)), { mode: 0o600 });
    givePostgres(join(bl.tlsDir, to));
  }
  bouncer.writeConfig(bl, portA, { settlekey_app: passwords.app, settlekey_owner: passwords.owner });
  await bouncer.start(bl);

  const env = instanceEnv(stack);
  const [first, ...rest] = state.instances;
  say(`${first.name} (port ${first.port}): the first start makes the bank's CA and document keys on the HSM…`);
  instances.start(first, env);
  await instances.ready(first, stack.internalCa);

  say('the public certificate: the bank CA (in the HSM) signs it; the desktops pin that CA…');
  const { key, csr } = publicKeyAndCsr(p.pki);
  chmodSync(key, 0o600);
  bankTool(stack, [
    'tls-certificate',
    '--db',
    stack.ownerUrl(),
    '--csr',
    csr,
    '--name',
    '127.0.0.1',
    '--name',
    'localhost',
    '--out',
    join(p.pki, 'lb.pem'),
    '--ca-out',
    join(p.pki, 'bank-ca.pem'),
  ]);
  writeSecret(
    join(p.proxy, 'lb.pem'),
    `${readFileSync(join(p.pki, 'lb.pem'), 'utf8').trim()}\n${readFileSync(key, 'utf8').trim()}`,
  );

  for (const i of rest) instances.start(i, env);
  for (const i of rest) await instances.ready(i, stack.internalCa);

  say(`haproxy (https://127.0.0.1:${lbPort})…`);
  state.haproxyPid = await haproxy.start(proxyLayout(state));
  save(state);
  const started = stackOf(state);
  await publicReady(started);
  return started;
}

export function bouncerLayout(state: StackState): bouncer.BouncerLayout {
  const dir = paths(state.dir).bouncer;
  return { dir, port: state.bouncerPort, tlsDir: join(dir, 'tls') };
}

function proxyLayout(state: StackState): haproxy.ProxyLayout {
  const p = paths(state.dir);
  return {
    dir: p.proxy,
    port: state.lbPort,
    pem: join(p.proxy, 'lb.pem'),
    internalCa: join(p.pki, 'ca.pem'),
    instances: state.instances.map((i) => ({ name: i.name, port: i.port })),
  };
}

/** /health/ready through haproxy, the bank CA pinned: the stack answers as a desktop sees it. */
export async function publicReady(stack: Stack, timeoutMs = 30_000): Promise<void> {
  const dispatcher = new Agent({ connect: { ca: stack.bankCa } });
  try {
    await waitFor('the load balancer answering', timeoutMs, async () => {
      const reply = await request(`${stack.url}/health/ready`, { dispatcher });
      await reply.body.dump();
      return reply.statusCode === 200;
    });
  } finally {
    await dispatcher.close();
  }
}

export async function startInstance(stack: Stack, spec: instances.InstanceSpec): Promise<void> {
  instances.start(spec, instanceEnv(stack));
  await instances.ready(spec, stack.internalCa);
}

/** Stops everything, the load balancer first so that nothing new arrives. */
export async function down(state: StackState, say: Say): Promise<void> {
  if (state.haproxyPid) await haproxy.stop(state.haproxyPid);
  await Promise.all(state.instances.map((i) => instances.stop(i).catch(() => undefined)));
  await bouncer.stop(bouncerLayout(state)).catch(() => undefined);
  if (state.standby) pg.stop(state.clusters[state.standby]);
  pg.stop(state.clusters[state.primary]);
  say(`stopped: nothing of the stack runs (its folder ${state.dir} is kept)`);
}

/**
 * The standby takes over: the old primary fenced, the standby promoted, the
 * synchronous standby setting cleared on it, PgBouncer pointed at it.
 */
export async function failover(state: StackState, say: Say): Promise<void> {
  if (!state.standby)
    throw new Error('no standby to fail over to: rebuild one first (npm run bank-stack -- rebuild-standby)');
  const layout = pg.pgLayout(paths(state.dir).pg);
  const old = state.clusters[state.primary];
  const next = state.clusters[state.standby];
  const fenced = pg.fence(old);
  state.fenced.push(fenced);
  say(
    `fenced the old primary ${old.name}: stopped, marked a standby, its folder now ${fenced} — it can never start as a primary`,
  );
  await pg.promote(layout, next);
  say(`promoted ${next.name} (port ${next.port}): it takes writes`);
  pg.clearSynchronousStandby(layout, next);
  say(
    `cleared synchronous_standby_names on ${next.name}: with no standby left a synchronous commit would wait for ever; until a standby is rebuilt (npm run bank-stack -- rebuild-standby) an acknowledged posting is on ONE disk`,
  );
  bouncer.repoint(bouncerLayout(state), next.port);
  say(`PgBouncer now points at ${next.name}; the instances reconnect through it, no restart`);
  state.primary = next.name as 'a' | 'b';
  state.standby = null;
  save(state);
}

/** A new synchronous standby from the current primary, in the fenced one's place. */
export async function rebuildStandby(state: StackState, say: Say): Promise<void> {
  if (state.standby) throw new Error(`a standby exists: ${state.standby}`);
  const layout = pg.pgLayout(paths(state.dir).pg);
  const name = state.primary === 'a' ? 'b' : 'a';
  const cluster = state.clusters[name];
  if (existsSync(cluster.dir)) throw new Error(`${cluster.dir} exists: fence or remove it first`);
  await pg.makeStandby(layout, state.clusters[state.primary], cluster);
  state.standby = name;
  save(state);
  say(
    `rebuilt ${name} (port ${cluster.port}) from the primary with pg_basebackup; it streams, and is named synchronous again`,
  );
}

export { paths as stackPaths };
