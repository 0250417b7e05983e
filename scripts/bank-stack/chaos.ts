// `npm run bank-stack:chaos [-- --short] [--clients 32,128] [--keep]`: the bank
// stack under load while its parts are killed in turn — a service instance
// (SIGKILL), another (SIGTERM), PgBouncer (restarted), the PostgreSQL primary
// (SIGKILL, then the failover to the synchronous standby). Every outcome the
// clients got is recorded; afterwards the checker (own SQL) must find lost 0,
// doubled 0, and prove on a tampered restored copy that it would say otherwise.
// Bounded in time; prints figures; exits non-zero when a target is missed.
// --short (the test command's run): 8 clients, one instance kill and one failover.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { check, verdictLine, type Verdict } from './checker';
import { Harness } from './harness';
import * as instances from './instances';
import { Load, type Acknowledged, type Outcome } from './load';
import * as bouncer from './pgbouncer';
import * as pg from './postgres';
import { signal, sleep, waitFor } from './proc';
import { selfTest } from './selftest';
import { bouncerLayout, down, failover, rebuildStandby, startInstance, stackPaths, up, type Stack } from './stack';

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    clients: { type: 'string' },
    keep: { type: 'boolean', default: false },
  },
});
const SHORT = values.short;
const LEVELS = (values.clients ?? (SHORT ? '8' : '32,128')).split(',').map((n) => {
  const v = Number(n);
  if (!Number.isInteger(v) || v < 1 || v > 512)
    throw new Error(`--clients: whole numbers 1–512, comma-separated: ${n}`);
  return v;
});
/** Targets of the issue: seconds with no request answered. */
const TARGET = { instance: 2, failover: 30 };

const say = (line: string) => process.stdout.write(`${line}\n`);
/** Seconds and milliseconds with one decimal, for the figures (never money). */
const dec1 = (n: number) => (Number.isFinite(n) ? String(Math.round(n * 10) / 10) : '–');

interface Fault {
  phase: string;
  /** 'instance': a SIGKILL (the issue's target, ≤ 2 s); 'drain': a SIGTERM, reported, no target */
  kind: 'instance' | 'drain' | 'bouncer' | 'failover';
  /** ms on the load's clock when the fault was made, and when its phase ended */
  at: number;
  end: number;
  note: string;
}

function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))];
}

/** The longest time from the fault on with no request answered, in seconds. */
function unavailable(outcomes: Outcome[], fault: Fault): number {
  const times = outcomes.filter((o) => o.ok && o.t >= fault.at && o.t <= fault.end).map((o) => o.t);
  const points = [fault.at, ...times.sort((a, b) => a - b), fault.end];
  let gap = 0;
  for (let i = 1; i < points.length; i++) gap = Math.max(gap, points[i] - points[i - 1]);
  return gap / 1000;
}

async function level(
  stack: Stack,
  sessions: Awaited<ReturnType<Harness['sessions']>>,
  market: Awaited<ReturnType<Harness['market']>>,
  clients: number,
) {
  const load = new Load(stack.url, stack.bankCa, clients + 1);
  const faults: Fault[] = [];
  const errors: string[] = [];
  const running = [
    ...Array.from({ length: clients }, (_, i) => load.client(sessions, i)),
    load.market(market.key, market.code, market.payer, market.payee, `C${clients}`),
  ].map((p) =>
    p.catch((error: unknown) => {
      errors.push((error as Error).message);
    }),
  );
  const phase = async (name: string, seconds: number) => {
    load.phase = name;
    await sleep(seconds * 1000);
  };
  const fault = async (name: string, kind: Fault['kind'], make: () => Promise<string>, settleSeconds: number) => {
    load.phase = name;
    const f: Fault = { phase: name, kind, at: load.now(), end: 0, note: '' };
    f.note = await make();
    await sleep(settleSeconds * 1000);
    f.end = load.now();
    faults.push(f);
  };
  const [first, second] = stack.state.instances;
  await phase('steady', SHORT ? 4 : 8);
  await fault(
    'instance SIGKILL',
    'instance',
    async () => {
      const t = performance.now();
      signal(instances.pidOf(first), 'SIGKILL');
      await sleep(1000);
      await startInstance(stack, first);
      return `${first.name} killed (SIGKILL); restarted by the script, ready ${dec1((performance.now() - t) / 1000)} s after the kill`;
    },
    SHORT ? 3 : 5,
  );
  if (!SHORT) {
    await fault(
      'instance SIGTERM',
      'drain',
      async () => {
        await instances.stop(second);
        await startInstance(stack, second);
        return `${second.name} drained and stopped, restarted`;
      },
      5,
    );
    await fault(
      'PgBouncer restart',
      'bouncer',
      async () => {
        const layout = bouncerLayout(stack.state);
        await bouncer.stop(layout, 'SIGTERM');
        await bouncer.start(layout);
        return 'PgBouncer stopped at once (SIGTERM) and started again';
      },
      5,
    );
  }
  await fault(
    'primary SIGKILL + failover',
    'failover',
    async () => {
      const primary = stack.state.clusters[stack.state.primary];
      const t = performance.now();
      signal(pg.postmasterPid(primary), 'SIGKILL');
      // The watchdog: the primary is seen gone, then the failover command runs.
      const layout = pg.pgLayout(stackPaths(stack.state.dir).pg);
      await waitFor('the primary seen down', 10_000, () => !pg.isUp(layout, primary));
      const seen = (performance.now() - t) / 1000;
      const lines: string[] = [];
      await failover(stack.state, (l) => lines.push(l));
      for (const l of lines) say(`    failover: ${l}`);
      return `primary ${primary.name} killed; seen down after ${dec1(seen)} s; failover done ${dec1((performance.now() - t) / 1000)} s after the kill`;
    },
    SHORT ? 8 : 12,
  );
  load.phase = 'after';
  load.stop();
  await Promise.all(running);
  await load.close();
  return { load, faults, errors };
}

function report(clients: number, load: Load, faults: Fault[]): { misses: string[] } {
  const misses: string[] = [];
  const phases = [...new Set(load.outcomes.map((o) => o.phase))];
  say('');
  say(`== ${clients} concurrent clients ==`);
  say(
    `${'phase'.padEnd(28)}${'requests'.padStart(9)}${'ok'.padStart(8)}${'failed'.padStart(8)}${'retried'.padStart(9)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'unavailable s'.padStart(15)}`,
  );
  for (const name of phases) {
    const o = load.outcomes.filter((x) => x.phase === name);
    const ok = o.filter((x) => x.ok);
    const f = faults.find((x) => x.phase === name);
    const gap = f ? unavailable(load.outcomes, f) : undefined;
    const ms = ok.map((x) => x.ms);
    const counts = [o.length, ok.length, o.length - ok.length, o.filter((x) => x.retry).length];
    say(
      name.padEnd(28) +
        counts.map((n, k) => String(n).padStart([9, 8, 8, 9][k])).join('') +
        dec1(percentile(ms, 50)).padStart(9) +
        dec1(percentile(ms, 99)).padStart(9) +
        (gap === undefined ? '' : dec1(gap)).padStart(15),
    );
    if (f && gap !== undefined) {
      const target = f.kind === 'failover' ? TARGET.failover : f.kind === 'instance' ? TARGET.instance : undefined;
      if (target !== undefined && gap > target)
        misses.push(`${clients} clients, ${name}: ${dec1(gap)} s unavailable, target ≤ ${target} s`);
    }
  }
  for (const f of faults) say(`  ${f.phase}: ${f.note}`);
  const why = new Map<string, number>();
  for (const o of load.outcomes) if (!o.ok) why.set(`${o.step} ${o.why}`, (why.get(`${o.step} ${o.why}`) ?? 0) + 1);
  say(`  failed, and why: ${[...why].map(([w, n]) => `${w} ×${n}`).join('; ') || 'none'}`);
  say(
    `  acknowledged: ${load.acknowledged.submitted.size} instructions taken, ${load.acknowledged.executed.size} executed (posted); the market's clearing lines posted ${load.acknowledged.cleared.size}; requests left unanswered at the end ${load.abandoned}`,
  );
  return { misses };
}

async function main(): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync('/var/tmp/sk-chaos-');
  say(`bank-stack:chaos ${SHORT ? '(short) ' : ''}— clients ${LEVELS.join(', then ')}; the stack in ${dir}`);
  let stack: Stack | undefined;
  let harness: Harness | undefined;
  const misses: string[] = [];
  try {
    stack = await up(dir, { instances: SHORT ? 2 : 3, say: (l) => say(`  ${l}`) });
    harness = Harness.open(stack);
    const sessions = await harness.sessions();
    const market = await harness.market();
    const served = harness.servedBy();
    say(
      `  one user's login and contract, ${harness.requestIds.length} requests, served by ${[...served].map(([s, n]) => `${s} ×${n}`).join(', ')} (haproxy's log)`,
    );
    if (served.size < 2) misses.push('one user’s requests did not go to more than one instance');
    say(
      `  enrolled, signed in through the load balancer; contract ${sessions.contractId} signed ${dec1((performance.now() - started) / 1000)} s after the start`,
    );
    const all: Acknowledged = { submitted: new Map(), executed: new Set(), cleared: new Set() };
    for (const [i, clients] of LEVELS.entries()) {
      if (i > 0) await rebuildStandby(stack.state, (l) => say(`  ${l}`));
      const { load, faults, errors } = await level(stack, sessions, market, clients);
      misses.push(...report(clients, load, faults).misses);
      for (const e of errors) misses.push(`a client stopped: ${e}`);
      for (const [k, v] of load.acknowledged.submitted) all.submitted.set(k, v);
      for (const id of load.acknowledged.executed) all.executed.add(id);
      for (const k of load.acknowledged.cleared) all.cleared.add(k);
    }
    await harness.close();
    harness = undefined;
    const password = readFileSync(stack.ownerPasswordFile, 'utf8').trim();
    const verdict: Verdict = await check(stack.ownerUrl(), password, all);
    say('');
    say(
      `checker (its own SQL on the new primary): ${verdict.instructions} deposit and withdrawal instructions, ${verdict.postings} of their postings, ${verdict.clearingPostings} clearing postings`,
    );
    say(
      `  ${verdictLine(verdict)}; half-executed ${verdict.halfExecuted}; ledger breaks ${verdict.ledgerBreaks.length}; verify-audit breaks ${verdict.auditBreaks.length}`,
    );
    for (const b of [...verdict.ledgerBreaks, ...verdict.auditBreaks].slice(0, 10)) say(`  BREAK: ${b}`);
    if (
      verdict.lost ||
      verdict.doubled ||
      verdict.halfExecuted ||
      verdict.ledgerBreaks.length ||
      verdict.auditBreaks.length
    )
      misses.push(
        `checker: ${verdictLine(verdict)}, half-executed ${verdict.halfExecuted}, breaks ${verdict.ledgerBreaks.length + verdict.auditBreaks.length}`,
      );
    const self = await selfTest(stack, all);
    say(
      `checker self-test (pg_dump → pg_restore into a fresh database, one posting deleted, one duplicated): ${verdictLine(self.verdict)} (${dec1(self.seconds)} s)`,
    );
    if (self.verdict.lost !== 1 || self.verdict.doubled !== 1)
      misses.push(`the checker's self-test said ${verdictLine(self.verdict)}, not lost 1, doubled 1`);
  } finally {
    await harness?.close().catch(() => undefined);
    if (stack) await down(stack.state, () => undefined).catch((e: unknown) => say(`stop: ${(e as Error).message}`));
    if (!values.keep) rmSync(dir, { recursive: true, force: true });
  }
  say('');
  say(
    `bank-stack:chaos ${misses.length === 0 ? 'PASSED' : 'FAILED'} in ${dec1((performance.now() - started) / 1000)} s`,
  );
  for (const m of misses) say(`  MISSED: ${m}`);
  process.exitCode = misses.length === 0 ? 0 : 1;
}

main().catch((error: unknown) => {
  say(`bank-stack:chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
});
