// Issue 12: the audit log in 16 hash chains, each transaction's records queued
// and written at once just before its commit. On both databases: real work in
// parallel leaves every chain intact (on PostgreSQL, spread over several chains,
// each transaction's records together in one); verify-audit finds every kind of
// tampering — a record removed from the middle or the end of a chain, altered,
// reordered, moved to another chain, a head rewound; a work rolled back to its
// savepoint leaves no record; a SQLite group-commit batch with a failing work
// keeps the others' records; and a database upgraded from before the chains
// keeps its records valid and carries on with database-assigned ids.
import { spawnSync } from 'node:child_process';
import type { Kysely, Selectable, Transaction } from 'kysely';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { recordHash } from '../../src-service/audit/hash';
import { appendAudit, verifyAuditChain, type AuditInput } from '../../src-service/audit/log';
import { verifyAudit } from '../../src-service/audit/verify';
import { openStore } from '../../src-service/store/db';
import { migrateTo, migrateToLatest } from '../../src-service/store/migrations';
import type { AuditLogTable, Database } from '../../src-service/store/schema';
import { atomically } from '../../src-service/store/tx';
import { checkAvailable, DATABASE_KINDS, sqlite } from '../support/databases';
import { decide, submitInstruction, tradeDesk } from '../support/instructions';
import { harnessFor, startHarness } from '../support/service-harness';

type Row = Selectable<AuditLogTable>;

const ROLLBACK = new Error('rolled back on purpose');

/** The breaks verify-audit finds after `change`, which is then rolled back. */
async function breaksAfter(db: Kysely<Database>, change: (trx: Transaction<Database>) => Promise<void>) {
  let breaks: string[] = [];
  await db
    .transaction()
    .execute(async (trx) => {
      await change(trx);
      breaks = (await verifyAuditChain(trx)).breaks;
      throw ROLLBACK;
    })
    .catch((error) => {
      if (error !== ROLLBACK) throw error;
    });
  return breaks;
}

const chainRows = (db: Kysely<Database>, chain: number) =>
  db.selectFrom('audit_log').selectAll().where('chain', '=', chain).orderBy('seq').execute();

const content = (r: Row) => ({
  at: r.at,
  actor: r.actor,
  action: r.action,
  entity: r.entity,
  entity_id: r.entity_id,
  details: r.details,
});

const note = (entityId: string, action: string): AuditInput => ({
  at: new Date().toISOString(),
  actor: 'test',
  action,
  entity: 'test',
  entityId,
});

const actionsOf = async (db: Kysely<Database>, entityId: string) =>
  (
    await db
      .selectFrom('audit_log')
      .select(['action', 'chain', 'seq'])
      .where('entity_id', '=', entityId)
      .orderBy('id')
      .execute()
  ).map((r) => r.action);

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);

  describe.skipIf(!run)(`audit chains on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let op: string;
    let rev: string;
    let contract: number;
    /** The chain with the most records after the parallel work, and its records in seq order. */
    let chain: number;
    let rows: Row[];

    beforeAll(async () => {
      ({ op, rev, contract } = await tradeDesk(h));
    });

    it('32 parallel signed deposits and approvals: each transaction in one chain, every chain intact', async () => {
      const submitted = await Promise.all(
        Array.from({ length: 32 }, () =>
          submitInstruction(h, op, 'trade.operator', { kind: 'deposit', contractId: contract, amount: 1_00 }),
        ),
      );
      expect(submitted.map((s) => s.status)).toEqual(submitted.map(() => 200));
      const decided = await Promise.all(submitted.map((s) => decide(h, rev, 'trade.reviewer', s.body.id, 'approve')));
      expect(decided.map((d) => d.body.state)).toEqual(decided.map(() => 'executed'));

      // An approval's two records were written together: one chain, consecutive places.
      for (const s of submitted) {
        const records = await h.ctx.db
          .selectFrom('audit_log')
          .select(['action', 'chain', 'seq'])
          .where('entity_id', '=', s.body.serial)
          .where('action', 'in', ['instruction.approved', 'instruction.executed'])
          .orderBy('seq')
          .execute();
        expect(records.map((r) => r.action)).toEqual(['instruction.approved', 'instruction.executed']);
        expect(records[1].chain).toBe(records[0].chain);
        expect(records[1].seq).toBe(records[0].seq + 1);
      }

      const chains = await h.ctx.db
        .selectFrom('audit_log')
        .select(['chain', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('chain')
        .execute();
      if (kind.name === 'postgres') expect(chains.length).toBeGreaterThan(1);
      else expect(chains.map((c) => c.chain)).toEqual([1]);
      chain = [...chains].sort((a, b) => Number(b.n) - Number(a.n))[0].chain;
      rows = await chainRows(h.ctx.db, chain);
      expect(rows.length).toBeGreaterThanOrEqual(4);

      const report = await verifyAudit(h.ctx.db);
      expect(report.breaks).toEqual([]);
      const total = await h.ctx.db
        .selectFrom('audit_log')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      expect(report.auditRecords).toBe(Number(total.n));
    });

    it('finds a record removed from the middle of a chain', async () => {
      const breaks = await breaksAfter(h.ctx.db, async (trx) => {
        await trx.deleteFrom('audit_log').where('id', '=', rows[1].id).execute();
      });
      expect(breaks).toContain(`audit chain ${chain}: seq 2 is missing (the next record is seq 3)`);
      expect(breaks).toContain(
        `audit record ${rows[2].id}: previous hash does not match its predecessor's (chain ${chain}, seq 3)`,
      );
    });

    it("finds a chain's last record removed", async () => {
      const last = rows.at(-1)!;
      const breaks = await breaksAfter(h.ctx.db, async (trx) => {
        await trx.deleteFrom('audit_log').where('id', '=', last.id).execute();
      });
      expect(breaks).toEqual([
        `audit chain ${chain}: the head does not point at its last record (head at seq ${last.seq}, last record seq ${last.seq - 1})`,
      ]);
    });

    it("finds a record's content altered", async () => {
      const breaks = await breaksAfter(h.ctx.db, async (trx) => {
        await trx
          .updateTable('audit_log')
          .set({ details: rows[1].details.replace('}', ',"x":1}') })
          .where('id', '=', rows[1].id)
          .execute();
      });
      expect(breaks).toEqual([
        `audit record ${rows[1].id}: its hash does not match its content (chain ${chain}, seq 2)`,
      ]);
    });

    it('finds two records reordered: their contents swapped, or their places', async () => {
      const [a, b] = [rows[1], rows[2]];
      expect(content(a)).not.toEqual(content(b));
      const swapped = await breaksAfter(h.ctx.db, async (trx) => {
        await trx.updateTable('audit_log').set(content(b)).where('id', '=', a.id).execute();
        await trx.updateTable('audit_log').set(content(a)).where('id', '=', b.id).execute();
      });
      expect(swapped).toEqual([
        `audit record ${a.id}: its hash does not match its content (chain ${chain}, seq 2)`,
        `audit record ${b.id}: its hash does not match its content (chain ${chain}, seq 3)`,
      ]);
      const moved = await breaksAfter(h.ctx.db, async (trx) => {
        await trx.updateTable('audit_log').set({ seq: -1 }).where('id', '=', a.id).execute();
        await trx.updateTable('audit_log').set({ seq: a.seq }).where('id', '=', b.id).execute();
        await trx.updateTable('audit_log').set({ seq: b.seq }).where('id', '=', a.id).execute();
      });
      expect(moved).toContain(
        `audit record ${b.id}: previous hash does not match its predecessor's (chain ${chain}, seq 2)`,
      );
      expect(moved).toContain(`audit record ${b.id}: its hash does not match its content (chain ${chain}, seq 2)`);
      expect(moved).toContain(`audit record ${a.id}: its hash does not match its content (chain ${chain}, seq 3)`);
    });

    it('finds a record moved to the end of another chain, even with both heads moved to match', async () => {
      const last = rows.at(-1)!;
      const before = rows.at(-2)!;
      const other = chain === 1 ? 2 : 1;
      const head = await h.ctx.db
        .selectFrom('audit_head')
        .selectAll()
        .where('id', '=', other)
        .executeTakeFirstOrThrow();
      const seq = head.last_seq + 1;
      const breaks = await breaksAfter(h.ctx.db, async (trx) => {
        await trx.updateTable('audit_log').set({ chain: other, seq }).where('id', '=', last.id).execute();
        await trx
          .updateTable('audit_head')
          .set({ last_seq: before.seq, last_hash: before.hash })
          .where('id', '=', chain)
          .execute();
        await trx
          .updateTable('audit_head')
          .set({ last_seq: seq, last_hash: last.hash })
          .where('id', '=', other)
          .execute();
      });
      // It does not follow its new predecessor (and, at another seq, no longer hashes to its own).
      expect(breaks).toContain(
        `audit record ${last.id}: previous hash does not match its predecessor's (chain ${other}, seq ${seq})`,
      );
      expect(breaks.length).toBe(seq === last.seq ? 1 : 2);
    });

    it('finds a head rewound', async () => {
      const before = rows.at(-2)!;
      const breaks = await breaksAfter(h.ctx.db, async (trx) => {
        await trx
          .updateTable('audit_head')
          .set({ last_seq: before.seq, last_hash: before.hash })
          .where('id', '=', chain)
          .execute();
      });
      expect(breaks).toEqual([
        `audit chain ${chain}: the head does not point at its last record (head at seq ${before.seq}, last record seq ${rows.at(-1)!.seq})`,
      ]);
      // Every tampering above was rolled back: the database is as the service left it.
      expect((await verifyAudit(h.ctx.db)).breaks).toEqual([]);
    });

    it('a work rolled back to its savepoint leaves none of its records; the rest of its transaction keeps theirs', async () => {
      const id = `savepoint-${kind.name}`;
      await atomically(h.ctx.db, async (trx) => {
        await appendAudit(trx, note(id, 'test.before'));
        await expect(
          atomically(trx, async (inner) => {
            await appendAudit(inner, note(id, 'test.undone'));
            // Its own inner work succeeded, but it is inside the work that fails.
            await atomically(inner, async (deeper) => appendAudit(deeper, note(id, 'test.undone.inner')));
            throw new Error('refused');
          }),
        ).rejects.toThrow('refused');
        await atomically(trx, async (inner) => appendAudit(inner, note(id, 'test.kept')));
        await appendAudit(trx, note(id, 'test.after'));
      });
      await expect(
        atomically(h.ctx.db, async (trx) => {
          await appendAudit(trx, note(id, 'test.whole.transaction.undone'));
          throw new Error('refused');
        }),
      ).rejects.toThrow('refused');
      const written = await h.ctx.db
        .selectFrom('audit_log')
        .select(['action', 'chain', 'seq'])
        .where('entity_id', '=', id)
        .orderBy('seq')
        .execute();
      expect(written.map((r) => r.action)).toEqual(['test.before', 'test.kept', 'test.after']);
      expect(new Set(written.map((r) => r.chain)).size).toBe(1);
      expect(written.map((r) => r.seq - written[0].seq)).toEqual([0, 1, 2]);
      expect((await verifyAudit(h.ctx.db)).breaks).toEqual([]);
    });

    it('an approval that fails executing records approved and failed, nothing of its undone execution', async () => {
      const made = await submitInstruction(h, op, 'trade.operator', {
        kind: 'withdraw',
        contractId: contract,
        amount: 1_00,
      });
      expect(made.status).toBe(200);
      const bound = await h.ctx.db
        .selectFrom('contracts')
        .select('bound_account_id')
        .where('id', '=', contract)
        .executeTakeFirstOrThrow();
      // A closed settlement account refuses the posting after the market was told of the withdrawal.
      const close = (status: 'open' | 'closed') =>
        h.ctx.db.updateTable('accounts').set({ status }).where('id', '=', bound.bound_account_id!).execute();
      await close('closed');
      try {
        expect((await decide(h, rev, 'trade.reviewer', made.body.id, 'approve')).body.state).toBe('failed');
      } finally {
        await close('open');
      }
      const actions = await actionsOf(h.ctx.db, made.body.serial);
      expect(actions).toContain('instruction.approved');
      expect(actions).toContain('instruction.failed');
      expect(actions).not.toContain('market.withdrawalNotified');
      expect((await verifyAudit(h.ctx.db)).breaks).toEqual([]);
    });

    it('one transaction writes its records with three statements (two on PostgreSQL), however many it made', async () => {
      const before = h.ctx.store.statements();
      await atomically(h.ctx.db, async (trx) => {
        for (let i = 0; i < 5; i++) await appendAudit(trx, note(`statements-${kind.name}`, `test.${i}`));
      });
      // SQLite: head locked, records inserted, head moved; its group commit puts the work under a
      // savepoint (and releases it): two more. PostgreSQL moves the head in the insert's statement.
      expect(h.ctx.store.statements() - before).toBe(kind.name === 'sqlite' ? 5 : 2);
    });

    it.runIf(kind.name === 'postgres')(
      'a writer takes a head no one holds, and waits only when all are held',
      async () => {
        const url = new URL(h.database);
        const schema = url.searchParams.get('schema')!;
        url.searchParams.delete('schema');
        const holders = await Promise.all(
          Array.from({ length: 16 }, async () => {
            const client = new pg.Client({ connectionString: url.toString(), options: `-c search_path=${schema}` });
            await client.connect();
            await client.query('begin');
            return client;
          }),
        );
        try {
          let finished: number | null = null;
          const write = (id: string) =>
            atomically(h.ctx.db, async (trx) => appendAudit(trx, note(id, 'test.contended')));
          const chainOf = async (id: string) =>
            (
              await h.ctx.db
                .selectFrom('audit_log')
                .select('chain')
                .where('entity_id', '=', id)
                .executeTakeFirstOrThrow()
            ).chain;
          // Fifteen heads held until their transactions end: the writer takes the one left, at once.
          for (const [i, client] of holders.slice(0, 15).entries())
            await client.query('select id from audit_head where id = $1 for update', [i + 1]);
          await write('contended-1');
          expect(await chainOf('contended-1')).toBe(16);
          // All sixteen held: the writer waits (for the head it would have tried first) until it is let go.
          await holders[15].query('select id from audit_head where id = 16 for update');
          const waiting = write('contended-2').then(() => (finished = Date.now()));
          await new Promise((r) => setTimeout(r, 300));
          expect(finished).toBeNull();
          const released = Date.now();
          for (const client of holders) await client.query('rollback');
          await waiting;
          expect(finished).toBeGreaterThanOrEqual(released);
        } finally {
          for (const client of holders) {
            await client.query('rollback');
            await client.end();
          }
        }
        expect((await verifyAudit(h.ctx.db)).breaks).toEqual([]);
      },
    );

    it('verify-audit as the command line exits 1 and names the break', async () => {
      const gone = rows[1];
      await h.ctx.db.deleteFrom('audit_log').where('id', '=', gone.id).execute();
      const cli = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src-service/commands/service/cli.ts', 'verify-audit', '--db', h.database],
        { encoding: 'utf8', timeout: 120_000 },
      );
      expect(cli.status, cli.stderr).toBe(1);
      expect(cli.stdout).toContain(`BREAK: audit chain ${chain}: seq 2 is missing (the next record is seq 3)`);
    }, 130_000);
  });

  describe.skipIf(!run)(`a database from before the chains, ${kind.name}`, () => {
    it('keeps its records valid as chain 1 and carries on with ids the database assigns', async () => {
      const database = await kind.create();
      const store = openStore(database.setting);
      try {
        await migrateTo(store, '008_bank_keys_in_hsm');
        // Records as the code before 009 wrote them: explicit ids, hashed over the id.
        const legacy = store.db as unknown as Kysely<any>;
        let prev = '0'.repeat(64);
        for (let id = 1; id <= 5; id++) {
          const record = {
            at: `2026-11-0${id}T00:00:00.000Z`,
            actor: 'system',
            action: 'legacy',
            entity: 'test',
            entity_id: String(id),
            details: '{}',
          };
          const hash = recordHash(prev, id, record);
          await legacy
            .insertInto('audit_log')
            .values({ id, ...record, prev_hash: prev, hash })
            .execute();
          await legacy.updateTable('audit_head').set({ last_id: id, last_hash: hash }).where('id', '=', 1).execute();
          prev = hash;
        }
        expect(await migrateToLatest(store)).toContain('009_audit_chains');
        const migrated = await chainRows(store.db, 1);
        expect(migrated.map((r) => [r.id, r.seq])).toEqual([1, 2, 3, 4, 5].map((n) => [n, n]));
        expect((await verifyAudit(store.db)).breaks).toEqual([]);
        expect(await store.db.selectFrom('audit_head').select('id').orderBy('id').execute()).toEqual(
          Array.from({ length: 16 }, (_, i) => ({ id: i + 1 })),
        );

        // One transaction per head at least: chain 1 is taken up again where the old chain ended.
        for (let i = 0; i < 16; i++) {
          await atomically(store.db, async (trx) => {
            await appendAudit(trx, note(`after-${i}`, 'test.a'));
            await appendAudit(trx, note(`after-${i}`, 'test.b'));
          });
        }
        const chain1 = await chainRows(store.db, 1);
        expect(chain1.length).toBeGreaterThan(5);
        expect(chain1[5].seq).toBe(6);
        expect(chain1[5].prev_hash).toBe(prev);
        const ids = await store.db.selectFrom('audit_log').select('id').where('action', 'like', 'test.%').execute();
        expect(ids).toHaveLength(32);
        for (const { id } of ids) expect(id).toBeGreaterThan(5);
        expect((await verifyAudit(store.db)).breaks).toEqual([]);
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}

describe('group commit on SQLite', () => {
  it('a batch with a failing work keeps every other work’s records, in order, the chain intact', async () => {
    const h = await startHarness(sqlite, { demo: false, keys: 'file' });
    try {
      const head = await h.ctx.db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
      const before = h.ctx.store.statements();
      // Started in the same turn of the event loop: one batch, one transaction.
      const works = Array.from({ length: 10 }, (_, i) =>
        atomically(h.ctx.db, async (trx) => {
          await appendAudit(trx, note(`batch-${i}`, 'test.first'));
          await appendAudit(trx, note(`batch-${i}`, 'test.second'));
          if (i === 4) throw new Error('refused');
        }),
      );
      const outcomes = await Promise.allSettled(works);
      expect(outcomes.map((o) => o.status)).toEqual(outcomes.map((_, i) => (i === 4 ? 'rejected' : 'fulfilled')));
      // Ten savepoints, each released (the failed one rolled back first), and the batch's
      // audit written once: three statements for the 18 records.
      expect(h.ctx.store.statements() - before).toBe(10 * 2 + 1 + 3);

      const written = await h.ctx.db
        .selectFrom('audit_log')
        .select(['entity_id', 'action', 'chain', 'seq'])
        .where('seq', '>', head.last_seq)
        .orderBy('seq')
        .execute();
      const expected = Array.from({ length: 10 }, (_, i) => i)
        .filter((i) => i !== 4)
        .flatMap((i) => [`batch-${i} test.first`, `batch-${i} test.second`]);
      expect(written.map((r) => `${r.entity_id} ${r.action}`)).toEqual(expected);
      expect(written.map((r) => r.chain)).toEqual(expected.map(() => 1));
      expect(written.map((r) => r.seq)).toEqual(expected.map((_, i) => head.last_seq + 1 + i));
      expect((await verifyAudit(h.ctx.db)).breaks).toEqual([]);
    } finally {
      await h.close();
    }
  });
});
