// `npm run bench:market`: batch clearing over the market API — signed requests
// to a service started as its own process — at batches of 1, 100 and 8,190
// lines, on SQLite (synchronous=FULL) and PostgreSQL, each beside the raw
// database's rate for the same rows written in one transaction per batch in the
// same run: the entries, their lines with the balance after, and one balance
// update per account touched. Lines posted per second, the ratio, and the
// service's CPU per line. A market sends its batches one after another. Then
// notices delivered per second from the outbox to a market answering at once.
//
// BENCH_ONLY=sqlite|postgres runs one database. The market's signing is done
// before the clock starts: it is the market's time, not the bank's.
import BetterSqlite3 from 'better-sqlite3';
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Clock } from '../src-service/clock';
import { createContext } from '../src-service/context';
import { seedDemo } from '../src-service/demo/seed';
import { marketMoney } from '../src-service/markets/events';
import { registerMarketKey } from '../src-service/markets/keys';
import { enqueueNotice, NoticeDispatcher, setMarketUrl } from '../src-service/markets/notices';
import { setSignedIn } from '../src-service/markets/markets';
import { SERVICE_VERSION } from '../src-service/server';
import { openStore } from '../src-service/store/db';
import { migrateToLatest } from '../src-service/store/migrations';
import { signMarketRequest, type MarketKey } from '../src-market-sim/signing';
import type { Fen } from '../src-shared/money';
import { contractDemoMembers } from '../tests/support/market-members';
import { marketTls } from '../tests/support/market-tls';
import { cpuSeconds, dec, onEachDatabase, send, startService, stopService } from './service-process';

const A = 'EX2001';
const B = 'EX2002';
const PATH = '/market-api/v1/markets/EXCH01/clearing-batches';
/** Batch sizes, and how many batches of each are timed (about the same number of lines at 100 and 8,190). */
const RUNS: readonly [size: number, batches: number][] = [
  [1, 500],
  [100, 80],
  [8_190, 3],
];

/** Migrated, seeded, the two members contracted on EXCH01 and funded, the market signed in with a key. */
async function prepare(setting: string): Promise<{ key: MarketKey; pair: [number, number] }> {
  const store = openStore(setting);
  await migrateToLatest(store);
  const ctx = createContext(store, { demo: true, testMode: false, version: SERVICE_VERSION }, new Clock(false));
  try {
    await seedDemo(ctx);
    await contractDemoMembers(ctx, 'EXCH01', { corporate: A, individual: B });
    await setSignedIn(ctx, 'EXCH01', true);
    await marketMoney(ctx, {
      marketCode: 'EXCH01',
      direction: 'deposit',
      memberCode: A,
      amount: 100_000_000 as Fen,
      key: 'bench-fund',
    });
    const pair = generateKeyPairSync('ed25519');
    const registered = await registerMarketKey(ctx, {
      marketCode: 'EXCH01',
      publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      by: 'bench',
    });
    const accounts = await store.db
      .selectFrom('contracts')
      .select(['member_code', 'detail_account_id'])
      .where('member_code', 'in', [A, B])
      .execute();
    const id = (code: string) => accounts.find((a) => a.member_code === code)!.detail_account_id;
    return {
      key: { keyId: registered.keyId, algorithm: 'ed25519', privateKey: pair.privateKey },
      pair: [id(A), id(B)],
    };
  } finally {
    await ctx.bankKeys.close();
    await store.close();
  }
}

let lineKeys = 0;
function batchBody(size: number): string {
  const lines = Array.from({ length: size }, () => ({
    key: `L${++lineKeys}`,
    payerCode: A,
    payeeCode: B,
    amount: 1,
  }));
  return JSON.stringify({ key: `B${++lineKeys}`, lines });
}

/** Lines posted per second through the service, and its CPU per line. */
async function serviceRate(setting: string, key: MarketKey, size: number, batches: number) {
  const { child, url } = await startService(setting);
  try {
    // One batch first, untimed: the JIT and the statement caches warm up.
    const requests = await Promise.all(
      Array.from({ length: batches + 1 }, async () => {
        const body = batchBody(size);
        return { body, headers: await signMarketRequest(key, { method: 'POST', path: PATH, body }) };
      }),
    );
    const post = async (r: (typeof requests)[number]) => {
      const res = await send(url, { path: PATH, method: 'POST', headers: r.headers, body: r.body });
      if (res.status !== 200 || res.json.posted !== size)
        throw new Error(`batch of ${size}: ${res.status} ${JSON.stringify(res.json).slice(0, 300)}`);
    };
    await post(requests[0]);
    const cpu0 = cpuSeconds(child.pid!);
    const t0 = performance.now();
    for (const r of requests.slice(1)) await post(r);
    const seconds = (performance.now() - t0) / 1000;
    const cpuMs = ((cpuSeconds(child.pid!) - cpu0) * 1000) / (size * batches);
    return { rate: (size * batches) / seconds, cpuMs };
  } finally {
    await stopService(child, url);
  }
}

let rawSerials = 0;
/** The rows a batch of `size` lines posts, as multi-row statements of at most 2,000 rows. */
function rawRows(size: number, [from, to]: [number, number], balances: { from: number; to: number }) {
  const at = new Date().toISOString();
  const day = at.slice(0, 10);
  const entries = Array.from({ length: size }, () => [`RAW${++rawSerials}`, 'clearing', day, at, `${A} → ${B}`]);
  const lines = entries.flatMap(([serial], i) => [
    [serial, from, 1, 0, balances.from - (i + 1), day, 'clearing'],
    [serial, to, 0, 1, balances.to + (i + 1), day, 'clearing'],
  ]);
  balances.from -= size;
  balances.to += size;
  return { entries, lines };
}

const chunks = <T>(rows: T[], n = 2_000) =>
  Array.from({ length: Math.ceil(rows.length / n) }, (_, i) => rows.slice(i * n, (i + 1) * n));

function rawSqlite(file: string, pair: [number, number], size: number, batches: number): number {
  const db = new BetterSqlite3(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  const balance = (id: number) =>
    Number((db.prepare('select balance from accounts where id = ?').get(id) as { balance: number }).balance);
  const balances = { from: balance(pair[0]), to: balance(pair[1]) };
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const { entries, lines } = rawRows(size, pair, balances);
    db.transaction(() => {
      const ids = new Map<string, number>();
      for (const part of chunks(entries)) {
        const rows = db
          .prepare(
            `insert into journal_entries (serial, kind, business_date, created_at, memo) values ${part.map(() => '(?, ?, ?, ?, ?)').join(', ')} returning id, serial`,
          )
          .all(...part.flat()) as { id: number; serial: string }[];
        for (const row of rows) ids.set(row.serial, row.id);
      }
      for (const part of chunks(lines))
        db.prepare(
          `insert into journal_lines (entry_id, account_id, debit, credit, balance_after, business_date, kind) values ${part.map(() => '(?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        ).run(...part.flatMap(([serial, ...rest]) => [ids.get(serial as string), ...rest]));
      db.prepare('update accounts set balance = ? where id = ?').run(balances.from, pair[0]);
      db.prepare('update accounts set balance = ? where id = ?').run(balances.to, pair[1]);
    })();
  }
  const rate = (size * batches * 1000) / (performance.now() - t0);
  db.close();
  return rate;
}

async function rawPostgres(setting: string, pair: [number, number], size: number, batches: number) {
  const url = new URL(setting);
  const schema = url.searchParams.get('schema')!;
  url.searchParams.delete('schema');
  const c = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
  await c.connect();
  const balance = async (id: number) =>
    Number((await c.query('select balance from accounts where id = $1', [id])).rows[0].balance);
  const balances = { from: await balance(pair[0]), to: await balance(pair[1]) };
  const params = (rows: unknown[][], width: number) =>
    rows.map((_, r) => `(${Array.from({ length: width }, (_, k) => `$${r * width + k + 1}`).join(', ')})`).join(', ');
  const t0 = performance.now();
  for (let b = 0; b < batches; b++) {
    const { entries, lines } = rawRows(size, pair, balances);
    await c.query('begin');
    await c.query('select id from accounts where id = any($1) order by id for update', [pair]);
    const ids = new Map<string, number>();
    for (const part of chunks(entries)) {
      const { rows } = await c.query(
        `insert into journal_entries (serial, kind, business_date, created_at, memo) values ${params(part, 5)} returning id, serial`,
        part.flat(),
      );
      for (const row of rows) ids.set(row.serial, row.id);
    }
    for (const part of chunks(lines))
      await c.query(
        `insert into journal_lines (entry_id, account_id, debit, credit, balance_after, business_date, kind) values ${params(part, 7)}`,
        part.flatMap(([serial, ...rest]) => [ids.get(serial as string), ...rest]),
      );
    await c.query('update accounts set balance = $1 where id = $2', [balances.from, pair[0]]);
    await c.query('update accounts set balance = $1 where id = $2', [balances.to, pair[1]]);
    await c.query('commit');
  }
  const rate = (size * batches * 1000) / (performance.now() - t0);
  await c.end();
  return rate;
}

/** Notices delivered per second to a market's HTTPS server that answers at once: NOTICES over 100 members. */
const NOTICES = 2_000;
async function noticeRate(setting: string): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-bench-notices-'));
  const tls = marketTls(dir);
  const server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const store = openStore(setting);
  const ctx = createContext(store, { demo: true, testMode: false, version: SERVICE_VERSION }, new Clock(false));
  const dispatcher = new NoticeDispatcher(ctx, {
    intervalMs: 5,
    backoffMs: 100,
    maxBackoffMs: 1_000,
    timeoutMs: 5_000,
    ca: tls.ca,
  });
  try {
    await setMarketUrl(ctx, 'EXCH01', 'notice', `https://127.0.0.1:${(server.address() as AddressInfo).port}/notices`);
    const market = await store.db
      .selectFrom('markets')
      .select('id')
      .where('code', '=', 'EXCH01')
      .executeTakeFirstOrThrow();
    // Whatever the batches left is taken as delivered: only these are counted.
    await store.db.updateTable('market_notices').set({ delivered_at: new Date().toISOString() }).execute();
    const at = new Date().toISOString();
    for (let i = 0; i < NOTICES; i++)
      await enqueueNotice(store.db, at, {
        marketId: market.id,
        memberCode: `M${i % 100}`,
        kind: 'money.in',
        payload: { serial: `N${i}`, amount: 1 },
      });
    const left = async () =>
      Number(
        (
          await store.db
            .selectFrom('market_notices')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('delivered_at', 'is', null)
            .executeTakeFirstOrThrow()
        ).n,
      );
    const t0 = performance.now();
    dispatcher.start();
    while ((await left()) > 0) await new Promise((r) => setTimeout(r, 20));
    return (NOTICES * 1000) / (performance.now() - t0);
  } finally {
    await dispatcher.stop();
    await ctx.bankKeys.close();
    await store.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchDatabase(name: string, setting: string, raw: string) {
  const label = name.padEnd(10);
  const svc = await prepare(setting);
  const base = await prepare(raw);
  console.log(`${label} every line moves 1 fen from ${A} to ${B} on EXCH01 (accounts ${svc.pair.join(' → ')})`);
  for (const [size, batches] of RUNS) {
    const rawRate = raw.startsWith('postgres')
      ? await rawPostgres(raw, base.pair, size, batches)
      : rawSqlite(raw, base.pair, size, batches);
    const { rate, cpuMs } = await serviceRate(setting, svc.key, size, batches);
    console.log(
      `${label} batches of ${String(size).padStart(5)}: service ${String(Math.round(rate)).padStart(6)} lines/s = ${dec(rate / rawRate, 2).padEnd(4)}× raw ${String(Math.round(rawRate)).padStart(6)} lines/s; service CPU ${dec(cpuMs, 3)} ms per line`,
    );
  }
  console.log(
    `${label} notices delivered: ${Math.round(await noticeRate(setting))} /s (${NOTICES} over 100 members, signed, to an HTTPS server answering at once)`,
  );
}

async function main() {
  console.log('raw: the same entries, lines (balance after) and one update per account, one transaction a batch');
  await onEachDatabase('market', benchDatabase);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
