// `npm run bench:ledger`: approved postings per second over HTTP (each one a
// decision challenge and a signed approval that posts a deposit) at 1 and 32
// concurrent clients, on SQLite (synchronous=FULL) and PostgreSQL, next to the
// raw database's rate for one balanced transfer per commit measured in the same
// run; then the p50/p95 time to fetch a history page with 1,000,000 journal
// rows present.
import BetterSqlite3 from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Clock } from '../src-service/clock';
import { createContext } from '../src-service/context';
import { seedDemo } from '../src-service/demo/seed';
import { SERVICE_VERSION } from '../src-service/server';
import { openStore } from '../src-service/store/db';
import { migrateToLatest } from '../src-service/store/migrations';
import { payloadOf } from '../tests/support/instructions';
import { postgres as pgKind } from '../tests/support/databases';
import { issueSoftKey, signEnvelope, type SoftKey } from '../tests/support/soft-certificates';
import { allRoutes } from '../src-shared/routes';
import { requestOf } from '../src-shared/routes/define';

/** A route's path from the service's tables, its parameters filled in. */
const at = (key: keyof typeof allRoutes, params?: Record<string, unknown>) =>
  requestOf(allRoutes[key], params ? params : undefined).url;

const PASSWORD = 'Demo1234';
const NEW_PASSWORD = 'Bench2026go';

function median(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
function p95(xs: number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * 0.95))];
}
const round = (n: number) => Math.round(n);

/** CPU seconds a process has used so far (Linux /proc), to tell the service's share from the client's. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return Number.NaN;
  }
}
/** n with d decimals, for printing timings and ratios (never money). */
const dec = (n: number, d: number) => String(Math.round(n * 10 ** d) / 10 ** d);

// Two demo settlement accounts with opening balances: a contra account keeps no row balance (its CHECK refuses one).
const RAW_FROM = 9;
const RAW_TO = 10;

/** One balanced transfer per commit, straight on the database: the baseline. */
async function rawRate(setting: string, n: number): Promise<number> {
  if (setting.startsWith('postgres')) {
    const url = new URL(setting);
    const schema = url.searchParams.get('schema')!;
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
    await client.connect();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      await client.query('begin');
      await client.query(`update accounts set balance = balance - 1 where id = ${RAW_FROM}`);
      await client.query(`update accounts set balance = balance + 1 where id = ${RAW_TO}`);
      const e = await client.query(
        "insert into journal_entries (serial, kind, business_date, created_at, memo) values ($1, 'raw', '2026-01-01', 'x', '') returning id",
        [`RAW${i}`],
      );
      await client.query(
        `insert into journal_lines (entry_id, account_id, debit, credit) values ($1, ${RAW_FROM}, 1, 0), ($1, ${RAW_TO}, 0, 1)`,
        [e.rows[0].id],
      );
      await client.query('commit');
    }
    const rate = (n * 1000) / (performance.now() - t0);
    await client.end();
    return rate;
  }
  const db = new BetterSqlite3(setting);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const debit = db.prepare(`update accounts set balance = balance - 1 where id = ${RAW_FROM}`);
  const credit = db.prepare(`update accounts set balance = balance + 1 where id = ${RAW_TO}`);
  const entry = db.prepare(
    "insert into journal_entries (serial, kind, business_date, created_at, memo) values (?, 'raw', '2026-01-01', 'x', '')",
  );
  const lines = db.prepare(
    `insert into journal_lines (entry_id, account_id, debit, credit) values (?, ${RAW_FROM}, 1, 0), (?, ${RAW_TO}, 0, 1)`,
  );
  const transfer = db.transaction((i: number) => {
    debit.run();
    credit.run();
    const id = entry.run(`RAW${i}`).lastInsertRowid;
    lines.run(id, id);
  });
  const t0 = performance.now();
  for (let i = 0; i < n; i++) transfer(i);
  const rate = (n * 1000) / (performance.now() - t0);
  db.close();
  return rate;
}

async function startService(setting: string): Promise<{ child: ChildProcess; url: string }> {
  // BENCH_PROFILE=dir writes a CPU profile of the service there.
  const profile = process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : [];
  // --demo: the bench has no HSM, so the bank's keys are the demo's stand-in (made by prepare()).
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
    env: { ...process.env, NODE_ENV: 'test' },
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

async function call(url: string, path: string, token: string | null, method = 'GET', body?: unknown) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as any;
  if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function login(url: string, loginName: string, key: SoftKey): Promise<string> {
  const captcha = await call(url, at('auth.captcha'), null, 'POST', {});
  const answer = (await call(url, at('test.captcha', { id: captcha.captchaId }), null)).answer;
  let reply = await fetch(`${url}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ loginName, password: NEW_PASSWORD, captchaId: captcha.captchaId, captchaAnswer: answer }),
  }).then((r) => r.json() as Promise<any>);
  let first = false;
  if (reply.error) {
    const c2 = await call(url, at('auth.captcha'), null, 'POST', {});
    const a2 = (await call(url, at('test.captcha', { id: c2.captchaId }), null)).answer;
    reply = await call(url, at('auth.login'), null, 'POST', {
      loginName,
      password: PASSWORD,
      captchaId: c2.captchaId,
      captchaAnswer: a2,
    });
    first = true;
  }
  const step = reply.certificateStep;
  const signature = signEnvelope(
    key,
    payloadOf(
      step.step === 'signOff' ? 'signOff' : 'login',
      { loginName, certSerial: key.serial },
      step.challenge,
      new Date().toISOString(),
    ),
  );
  await call(url, at('auth.certificate'), reply.token, 'POST', { step: step.step, signature });
  if (first)
    await call(url, at('auth.changePassword'), reply.token, 'POST', {
      oldPassword: PASSWORD,
      newPassword: NEW_PASSWORD,
      confirmPassword: NEW_PASSWORD,
    });
  return reply.token;
}

async function prepare(setting: string) {
  const store = openStore(setting);
  await migrateToLatest(store);
  const ctx = createContext(store, { demo: true, testMode: false, version: SERVICE_VERSION }, new Clock(false));
  await seedDemo(ctx);
  const opKey = await issueSoftKey(ctx, 'trade.operator', { keyType: 'ec' });
  const revKey = await issueSoftKey(ctx, 'trade.reviewer', { keyType: 'ec' });
  await ctx.bankKeys.close();
  await store.close();
  return { opKey, revKey };
}

async function approvals(
  url: string,
  op: string,
  rev: string,
  opKey: SoftKey,
  revKey: SoftKey,
  contractId: number,
  count: number,
  clients: number,
) {
  // Pending deposits, made before the clock starts.
  const ids: number[] = [];
  const makers = Array.from({ length: 8 }, async () => {
    while (ids.length < count) {
      const draft = { kind: 'deposit', contractId, amount: 1 };
      const p = await call(url, at('instructions.preview'), op, 'POST', draft);
      const signature = signEnvelope(opKey, payloadOf('deposit', p.fields, p.challenge, new Date().toISOString()));
      ids.push(
        (await call(url, at('instructions.submit'), op, 'POST', { draft, idempotencyKey: p.serial, signature })).id,
      );
    }
  });
  await Promise.all(makers);
  const queue = ids.slice(0, count);
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let id = queue.pop(); id !== undefined; id = queue.pop()) {
        const ch = await call(url, at('instructions.decisionChallenge', { id }), rev, 'POST', { decision: 'approve' });
        const signature = signEnvelope(
          revKey,
          payloadOf('decision', ch.fields, ch.challenge, new Date().toISOString()),
        );
        const done = await call(url, at('instructions.decision', { id }), rev, 'POST', {
          decision: 'approve',
          signature,
        });
        if (done.state !== 'executed') throw new Error(`instruction ${id} ended ${done.state}`);
      }
    }),
  );
  return (count * 1000) / (performance.now() - t0);
}

async function fillHistory(setting: string, detailAccountId: number, entries: number, mine: number): Promise<void> {
  // Balanced entries of two lines each: the first `mine` of them credit the member account
  // (its history over a year), the rest move money between two other accounts.
  const isPg = setting.startsWith('postgres');
  const day = isPg
    ? `to_char(date '2026-11-27' - (n % 365) * interval '1 day', 'YYYY-MM-DD')`
    : `date('2026-11-27', '-' || (n % 365) || ' days')`;
  const series = isPg
    ? `generate_series(1, ${entries}) as n`
    : `(with recursive c(n) as (select 1 union all select n + 1 from c where n < ${entries}) select n from c)`;
  const statements = [
    `create table bench_base as select coalesce(max(id), 0) as base from journal_entries`,
    `insert into journal_entries (serial, kind, business_date, created_at, memo) select 'F' || n, case when n <= ${mine} then 'marketDeposit' else 'clearing' end, ${day}, '2026-01-01T00:00:00.000Z', '' from ${series}`,
    `insert into journal_lines (entry_id, account_id, debit, credit, balance_after, business_date, kind)
       select e.id, case when e.id - b.base <= ${mine} then ${detailAccountId} else 1 end, 0, 1, 0, e.business_date, e.kind from journal_entries e, bench_base b where e.id > b.base`,
    `insert into journal_lines (entry_id, account_id, debit, credit, balance_after, business_date, kind)
       select e.id, 2, 1, 0, 0, e.business_date, e.kind from journal_entries e, bench_base b where e.id > b.base`,
    `drop table bench_base`,
    `analyze`,
  ];
  if (isPg) {
    const url = new URL(setting);
    const schema = url.searchParams.get('schema')!;
    url.searchParams.delete('schema');
    const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
    await client.connect();
    for (const sql of statements) await client.query(sql);
    await client.end();
  } else {
    const db = new BetterSqlite3(setting);
    for (const sql of statements) db.exec(sql);
    db.close();
  }
}

async function benchDatabase(name: string, setting: string, raw: string) {
  const { opKey, revKey } = await prepare(setting);
  const rawRate1 = await rawRate(raw, 300);
  const { child, url } = await startService(setting);
  try {
    const op = await login(url, 'trade.operator', opKey);
    const rev = await login(url, 'trade.reviewer', revKey);
    const markets = await call(url, at('accounts.markets'), op);
    const account = (await call(url, at('ebank.accounts'), op))[0].id;
    const signDraft = {
      kind: 'sign',
      marketId: markets.find((m: any) => m.code === 'EXCH01').id,
      memberCode: 'EX1002',
      boundAccountId: account,
    };
    const p = await call(url, at('instructions.preview'), op, 'POST', signDraft);
    const s = await call(url, at('instructions.submit'), op, 'POST', {
      draft: signDraft,
      idempotencyKey: p.serial,
      signature: signEnvelope(opKey, payloadOf('sign', p.fields, p.challenge, new Date().toISOString())),
    });
    const ch = await call(url, at('instructions.decisionChallenge', { id: s.id }), rev, 'POST', {
      decision: 'approve',
    });
    await call(url, at('instructions.decision', { id: s.id }), rev, 'POST', {
      decision: 'approve',
      signature: signEnvelope(revKey, payloadOf('decision', ch.fields, ch.challenge, new Date().toISOString())),
    });
    const contract = (await call(url, at('accounts.list'), op))[0];

    const one = await approvals(url, op, rev, opKey, revKey, contract.contractId, 150, 1);
    const cpu0 = cpuSeconds(child.pid!);
    const self0 = process.cpuUsage();
    const many = await approvals(url, op, rev, opKey, revKey, contract.contractId, 600, 32);
    const serviceCpu = cpuSeconds(child.pid!) - cpu0;
    const self1 = process.cpuUsage(self0);
    console.log(
      `${name.padEnd(10)} raw: one balanced transfer per commit      ${String(round(rawRate1)).padStart(6)} /s`,
    );
    console.log(
      `${name.padEnd(10)} HTTP approvals, 1 client                   ${String(round(one)).padStart(6)} /s  = ${dec(one / rawRate1, 2)}× raw`,
    );
    console.log(
      `${name.padEnd(10)} HTTP approvals, 32 clients                 ${String(round(many)).padStart(6)} /s  = ${dec(many / rawRate1, 2)}× raw`,
    );
    console.log(
      `${name.padEnd(10)} CPU in the 32-client phase (600 submissions + 600 approvals): service ${dec(serviceCpu, 1)} s, bench client ${dec((self1.user + self1.system) / 1e6, 1)} s`,
    );

    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const detail = await (async () => {
      const store = openStore(setting);
      const row = await store.db
        .selectFrom('contracts')
        .select('detail_account_id')
        .where('id', '=', contract.contractId)
        .executeTakeFirstOrThrow();
      await store.close();
      return row.detail_account_id;
    })();
    const t0 = performance.now();
    await fillHistory(setting, detail, 500_000, 2_500);
    console.log(`${name.padEnd(10)} 1,000,000 journal rows written in ${round((performance.now() - t0) / 1000)} s`);
    const again = await startService(setting);
    try {
      const op2 = await login(again.url, 'trade.operator', opKey);
      const times: number[] = [];
      const deep: number[] = [];
      for (let i = 0; i < 60; i++) {
        const a = performance.now();
        await call(
          again.url,
          `${at('accounts.transactions', { contractId: contract.contractId })}?period=history&from=2025-11-28&to=2026-11-27&category=all&page=1&pageSize=20`,
          op2,
        );
        times.push(performance.now() - a);
        const b = performance.now();
        await call(
          again.url,
          `${at('accounts.transactions', { contractId: contract.contractId })}?period=history&from=2025-11-28&to=2026-11-27&category=all&page=${1 + (i % 200)}&pageSize=20`,
          op2,
        );
        deep.push(performance.now() - b);
      }
      const warm = times.slice(10);
      const warmDeep = deep.slice(10);
      console.log(
        `${name.padEnd(10)} history page 1 (a year, 2,500 of 1,000,000 rows): p50 ${dec(median(warm), 1)} ms, p95 ${dec(p95(warm), 1)} ms`,
      );
      console.log(
        `${name.padEnd(10)} history pages 1–200:                              p50 ${dec(median(warmDeep), 1)} ms, p95 ${dec(p95(warmDeep), 1)} ms`,
      );
    } finally {
      again.child.kill('SIGTERM');
      await new Promise((r) => again.child.once('exit', r));
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGTERM');
  }
}

async function main() {
  const only = process.env.BENCH_ONLY; // 'sqlite' or 'postgres'
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-ledger-'));
  // The demo's stand-in bank keys of every database go here (a PostgreSQL one has no folder of its own).
  process.env.SETTLEKEY_DATA_DIR = dir;
  try {
    // The raw baseline runs on a database of the same schema.
    const rawSqlite = join(dir, 'raw.sqlite');
    await prepare(rawSqlite);
    if (only !== 'postgres') await benchDatabase('SQLite', join(dir, 'service.sqlite'), rawSqlite);
    if (only === 'sqlite') return;
    if ((await pgKind.available()) === true) {
      const svc = await pgKind.create();
      const raw = await pgKind.create();
      await prepare(raw.setting);
      try {
        await benchDatabase('PostgreSQL', svc.setting, raw.setting);
      } finally {
        await svc.drop();
        await raw.drop();
      }
    } else {
      console.log('PostgreSQL not reachable on 127.0.0.1:5432: skipped');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
