// `npm run bench:ledger`: approved postings per second over HTTP (each one a
// signed approval that posts a deposit) at 1 and 32 concurrent clients, on
// SQLite (synchronous=FULL) and PostgreSQL, beside the raw database's rate for
// the same rows over the same two accounts at the same concurrency
// (bench/ledger-raw.ts); the service's CPU per approved posting; then the
// p50/p95 time to fetch a history page with 1,000,000 journal rows present.
//
// BENCH_ONLY=sqlite|postgres runs one database. BENCH_PROFILE=dir writes the
// service's CPU profiles there. BENCH_HISTORY=0 leaves out the history phase
// (a minute of filling on each database) when only the rates are wanted. BENCH_POOLS=5,10,20 repeats the PostgreSQL
// service phase once per pool size (SETTLEKEY_DB_POOL), so the default pool
// is chosen by measurement; unset, the service's own default is used.
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { Clock } from '../src-service/clock';
import { createContext } from '../src-service/context';
import { seedDemo } from '../src-service/demo/seed';
import { SERVICE_VERSION } from '../src-service/server';
import { openStore, poolSize } from '../src-service/store/db';
import { migrateToLatest } from '../src-service/store/migrations';
import { payloadOf } from '../tests/support/instructions';
import { issueSoftKey, signEnvelope, type SoftKey } from '../tests/support/soft-certificates';
import { allRoutes } from '../src-shared/routes';
import { requestOf } from '../src-shared/routes/define';
import { rawPostgres, rawSqlite, type AccountPair } from './ledger-raw';
import { call, cpuSeconds, dec, onEachDatabase, startService, stopService } from './service-process';

/** A route's path from the service's tables, its parameters filled in. */
const at = (key: keyof typeof allRoutes, params?: Record<string, unknown>) =>
  requestOf(allRoutes[key], params ? params : undefined).url;

const PASSWORD = 'Demo1234';
/** Approvals timed at 32 clients (BENCH_APPROVALS): long enough that the JIT and the machine's noise settle. */
const APPROVALS = Number(process.env.BENCH_APPROVALS ?? 2000);
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

interface Sessions {
  url: string;
  op: string;
  rev: string;
  opKey: SoftKey;
  revKey: SoftKey;
}

interface ApprovalFigures {
  /** Decisions posted per second: the service's figure. */
  rate: number;
  /** Challenges fetched and signed per second by the bench client, ahead of the timed phase. */
  prepared: number;
  /** Service CPU per approved posting, in ms, over the timed phase only. */
  serviceCpuMs: number;
  /** The bench client's CPU over the timed phase, in s: shows it was not the bottleneck. */
  clientCpu: number;
}

/** Runs `count` workers at most `clients` at a time, each taking the next index. */
async function inParallel(count: number, clients: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (let i = next++; i < count; i = next++) await work(i);
    }),
  );
}

async function approvals(
  s: Sessions,
  servicePid: number,
  contractId: number,
  count: number,
  clients: number,
): Promise<ApprovalFigures> {
  // Pending deposits, made before the clock starts.
  const ids: number[] = [];
  await inParallel(count, 8, async () => {
    const draft = { kind: 'deposit', contractId, amount: 1 };
    const p = await call(s.url, at('instructions.preview'), s.op, 'POST', draft);
    const signature = signEnvelope(s.opKey, payloadOf('deposit', p.fields, p.challenge, new Date().toISOString()));
    ids.push(
      (await call(s.url, at('instructions.submit'), s.op, 'POST', { draft, idempotencyKey: p.serial, signature })).id,
    );
  });
  // The reviewer's challenges, fetched and signed ahead: signing is the key holder's
  // time, not the service's (a challenge lives five minutes, plenty for this).
  const signed: { id: number; signature: unknown }[] = [];
  const p0 = performance.now();
  await inParallel(count, clients, async (i) => {
    const id = ids[i];
    const ch = await call(s.url, at('instructions.decisionChallenge', { id }), s.rev, 'POST', { decision: 'approve' });
    signed.push({
      id,
      signature: signEnvelope(s.revKey, payloadOf('decision', ch.fields, ch.challenge, new Date().toISOString())),
    });
  });
  const prepared = (count * 1000) / (performance.now() - p0);
  const cpu0 = cpuSeconds(servicePid);
  const self0 = process.cpuUsage();
  const t0 = performance.now();
  await inParallel(count, clients, async (i) => {
    const { id, signature } = signed[i];
    const done = await call(s.url, at('instructions.decision', { id }), s.rev, 'POST', {
      decision: 'approve',
      signature,
    });
    if (done.state !== 'executed') throw new Error(`instruction ${id} ended ${done.state}`);
  });
  const rate = (count * 1000) / (performance.now() - t0);
  const serviceCpuMs = ((cpuSeconds(servicePid) - cpu0) * 1000) / count;
  const self = process.cpuUsage(self0);
  return { rate, prepared, serviceCpuMs, clientCpu: (self.user + self.system) / 1e6 };
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

async function sessionsOn(url: string, opKey: SoftKey, revKey: SoftKey): Promise<Sessions> {
  const op = await login(url, 'trade.operator', opKey);
  const rev = await login(url, 'trade.reviewer', revKey);
  return { url, op, rev, opKey, revKey };
}

/** Signs member EX1002 of market EXCH01, bound to the enterprise's first settlement account; the contract's id. */
async function signContract(s: Sessions): Promise<number> {
  const markets = await call(s.url, at('accounts.markets'), s.op);
  const account = (await call(s.url, at('ebank.accounts'), s.op))[0].id;
  const signDraft = {
    kind: 'sign',
    marketId: markets.find((m: any) => m.code === 'EXCH01').id,
    memberCode: 'EX1002',
    boundAccountId: account,
  };
  const p = await call(s.url, at('instructions.preview'), s.op, 'POST', signDraft);
  const submitted = await call(s.url, at('instructions.submit'), s.op, 'POST', {
    draft: signDraft,
    idempotencyKey: p.serial,
    signature: signEnvelope(s.opKey, payloadOf('sign', p.fields, p.challenge, new Date().toISOString())),
  });
  const ch = await call(s.url, at('instructions.decisionChallenge', { id: submitted.id }), s.rev, 'POST', {
    decision: 'approve',
  });
  await call(s.url, at('instructions.decision', { id: submitted.id }), s.rev, 'POST', {
    decision: 'approve',
    signature: signEnvelope(s.revKey, payloadOf('decision', ch.fields, ch.challenge, new Date().toISOString())),
  });
  return (await call(s.url, at('accounts.list'), s.op))[0].contractId;
}

/**
 * What a deposit on the contract posts between (markets/money.ts postDeposit):
 * the bound settlement account is debited, the detail sub-account credited.
 */
async function depositPair(setting: string, contractId: number): Promise<AccountPair & { detail: number }> {
  const store = openStore(setting);
  try {
    const row = await store.db
      .selectFrom('contracts')
      .select(['bound_account_id', 'detail_account_id'])
      .where('id', '=', contractId)
      .executeTakeFirstOrThrow();
    if (row.bound_account_id === null) throw new Error(`contract ${contractId} has no bound settlement account`);
    return { from: row.bound_account_id, to: row.detail_account_id, detail: row.detail_account_id };
  } finally {
    await store.close();
  }
}

/**
 * A database in the state the approvals start from: migrated, seeded, the
 * bench's keys issued and the contract signed. The raw baseline's database is
 * made the same way, so its transfers move money between the same accounts.
 */
async function ready(setting: string) {
  const { opKey, revKey } = await prepare(setting);
  const { child, url } = await startService(setting);
  try {
    const contractId = await signContract(await sessionsOn(url, opKey, revKey));
    return { opKey, revKey, contractId, pair: await depositPair(setting, contractId) };
  } finally {
    await stopService(child, url);
  }
}

const rate = (n: number) => `${String(round(n)).padStart(5)} /s`;

async function benchDatabase(name: string, setting: string, raw: string, pools: (number | undefined)[]) {
  const isPg = setting.startsWith('postgres');
  const label = name.padEnd(10);
  const svc = await ready(setting);
  const base = await ready(raw);
  console.log(
    `${label} every posting debits account ${svc.pair.from} and credits ${svc.pair.to} (raw run: ${base.pair.from} → ${base.pair.to}): one contract, one account pair`,
  );
  // The raw runs go first and again last, with no service running to share the two
  // cores with; the service is held against their mean, as this VM's speed drifts
  // by a fifth within a minute and one raw run before it misstated the ratio.
  const rawRates = async () => ({
    one: isPg ? await rawPostgres(raw, base.pair, 1, 600) : rawSqlite(raw, base.pair, 3000),
    // SQLite has one writer however many clients wait: its one raw rate stands beside both service rates.
    many: isPg ? await rawPostgres(raw, base.pair, 32, 3000) : undefined,
  });
  const before = await rawRates();
  const rawName1 = isPg ? 'raw 1 conn' : 'raw one writer';
  const rawName32 = isPg ? 'raw 32 conns' : 'raw one writer';
  const column = (text: string) => `${label} ${text.padEnd(34)}`;
  const runs: { pool: number | undefined; one: ApprovalFigures; many: ApprovalFigures }[] = [];
  for (const pool of pools) {
    const { child, url } = await startService(setting, pool);
    try {
      const s = await sessionsOn(url, svc.opKey, svc.revKey);
      const one = await approvals(s, child.pid!, svc.contractId, 150, 1);
      runs.push({ pool, one, many: await approvals(s, child.pid!, svc.contractId, APPROVALS, 32) });
    } finally {
      await stopService(child, url);
    }
  }
  const after = await rawRates();
  const raw1 = (before.one + after.one) / 2;
  const raw32 = isPg ? (before.many! + after.many!) / 2 : raw1;
  const both = (a: number, b: number) => `${rate((a + b) / 2)} (${round(a)} before, ${round(b)} after the service)`;
  console.log(`${label} raw: entry, 2 lines, 2 conditional balance updates and 1 audit row per commit`);
  if (isPg) {
    console.log(`${column('raw, 1 connection')}${both(before.one, after.one)}`);
    console.log(`${column('raw, 32 connections')}${both(before.many!, after.many!)}`);
  } else {
    console.log(`${column('raw, one writer')}${both(before.one, after.one)}`);
  }
  const byPool: string[] = [];
  for (const { pool, one, many } of runs) {
    const who = isPg ? `pool ${pool ?? poolSize()}, ` : '';
    for (const [clients, f, r, rawName] of [
      ['1 client', one, raw1, rawName1],
      ['32 clients', many, raw32, rawName32],
    ] as const) {
      console.log(
        `${column(`${who}service, ${clients}`)}${rate(f.rate)} = ${dec(f.rate / r, 2).padEnd(4)}× ${`${rawName};`.padEnd(16)}service CPU ${dec(f.serviceCpuMs, 2)} ms per posting`,
      );
    }
    console.log(
      `${label} ${who}untimed, ahead of those: challenges fetched + signed ${round(one.prepared)} /s (1 client), ${round(many.prepared)} /s (32 clients); bench client CPU in the timed phases ${dec(one.clientCpu, 1)} s, ${dec(many.clientCpu, 1)} s`,
    );
    byPool.push(`${pool ?? poolSize()} → ${round(many.rate)} /s (${dec(many.rate / raw32, 2)}×)`);
  }
  if (byPool.length > 1) console.log(`${label} by pool size, 32 clients: ${byPool.join(', ')}`);
  if (process.env.BENCH_HISTORY === '0') return;

  const t0 = performance.now();
  await fillHistory(setting, svc.pair.detail, 500_000, 2_500);
  console.log(`${label} 1,000,000 journal rows written in ${round((performance.now() - t0) / 1000)} s`);
  const again = await startService(setting);
  try {
    const op2 = await login(again.url, 'trade.operator', svc.opKey);
    const times: number[] = [];
    const deep: number[] = [];
    for (let i = 0; i < 60; i++) {
      const a = performance.now();
      await call(
        again.url,
        `${at('accounts.transactions', { contractId: svc.contractId })}?period=history&from=2025-11-28&to=2026-11-27&category=all&page=1&pageSize=20`,
        op2,
      );
      times.push(performance.now() - a);
      const b = performance.now();
      await call(
        again.url,
        `${at('accounts.transactions', { contractId: svc.contractId })}?period=history&from=2025-11-28&to=2026-11-27&category=all&page=${1 + (i % 200)}&pageSize=20`,
        op2,
      );
      deep.push(performance.now() - b);
    }
    const warm = times.slice(10);
    const warmDeep = deep.slice(10);
    console.log(
      `${label} history page 1 (a year, 2,500 of 1,000,000 rows): p50 ${dec(median(warm), 1)} ms, p95 ${dec(p95(warm), 1)} ms`,
    );
    console.log(
      `${label} history pages 1–200:                              p50 ${dec(median(warmDeep), 1)} ms, p95 ${dec(p95(warmDeep), 1)} ms`,
    );
  } finally {
    await stopService(again.child, again.url);
  }
}

/** BENCH_POOLS=5,10,20: the pool sizes to measure; unset, the service's default alone. */
function poolsToMeasure(): (number | undefined)[] {
  const setting = process.env.BENCH_POOLS;
  if (!setting) return [undefined];
  return setting.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n < 1 || n > 200) throw new Error(`BENCH_POOLS: not a pool size: ${part}`);
    return n;
  });
}

async function main() {
  const pools = poolsToMeasure();
  // SQLite keeps one connection whatever the pool: BENCH_POOLS is PostgreSQL's alone.
  await onEachDatabase('ledger', (label, setting, raw) =>
    benchDatabase(label, setting, raw, label === 'SQLite' ? [undefined] : pools),
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
