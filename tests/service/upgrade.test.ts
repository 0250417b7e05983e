// Issue 11 split the one migrations module into a file per migration. Databases
// in the field were made by the old module, and Kysely refuses to run when a
// migration it recorded is missing or renamed, so on both databases: a database
// made by the code before the split (the statements that code sent, recorded in
// tests/fixtures/pre-issue-11) takes today's migrations, running only those
// added since, then opens with nothing to run, verify-audit finds no break, and
// the service carries on with it; and such an upgraded database has exactly the
// schema a fresh one has.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src-service/audit/verify';
import * as events from '../../src-service/markets/events';
import { openStore, type Store } from '../../src-service/store/db';
import { MIGRATIONS, migrateToLatest } from '../../src-service/store/migrations';
import type { Fen } from '../../src-shared/money';
import { checkAvailable, DATABASE_KINDS, PG_URL, type TestDatabase } from '../support/databases';
import { decide, submitInstruction } from '../support/instructions';
import { harnessFor } from '../support/service-harness';

const NAMES = Object.keys(MIGRATIONS);

/**
 * The database the code before issue 11 left: the statements it sent when it
 * made one (recorded from that code by tests/fixtures/pre-issue-11/dump.ts),
 * replayed in order into an empty database.
 */
async function madeBeforeIssue11(store: Store): Promise<void> {
  const file = new URL('../fixtures/pre-issue-11/statements.json', import.meta.url);
  const statements = (JSON.parse(readFileSync(file, 'utf8')) as Record<string, string[]>)[store.dialect]!;
  if (store.dialect === 'postgres') {
    const client = new pg.Client({ connectionString: PG_URL, options: `-c search_path=${store.schema}` });
    await client.connect();
    try {
      for (const statement of statements) await client.query(statement);
    } finally {
      await client.end();
    }
    return;
  }
  const raw = new BetterSqlite3(store.file!);
  try {
    for (const statement of statements) raw.exec(statement);
  } finally {
    raw.close();
  }
}

/** What Kysely recorded: each migration's name and when it ran. */
async function recorded(store: Store): Promise<{ name: string; timestamp: string }[]> {
  const rows = await sql<{ name: string; timestamp: string }>`
    select name, timestamp from kysely_migration order by name`.execute(store.db);
  return rows.rows.map((r) => ({ name: r.name, timestamp: String(r.timestamp) }));
}

/** Tables, columns, constraints, indexes and triggers, as the database itself describes them. */
async function schemaOf(store: Store): Promise<unknown> {
  if (store.dialect === 'sqlite') {
    const columns = await sql`
      select m.name as table_name, p.cid, p.name, p.type, p."notnull", p.dflt_value, p.pk
      from sqlite_master m join pragma_table_info(m.name) p
      where m.type = 'table' order by m.name, p.cid`.execute(store.db);
    // The DDL of every table, index and trigger: CHECKs, uniques and partial indexes included.
    const objects = await sql`
      select type, name, tbl_name, sql from sqlite_master order by type, name`.execute(store.db);
    return { columns: columns.rows, objects: objects.rows };
  }
  const columns = await sql`
    select table_name, ordinal_position, column_name, data_type, character_maximum_length,
           is_nullable, column_default, is_identity
    from information_schema.columns where table_schema = current_schema()
    order by table_name, ordinal_position`.execute(store.db);
  const constraints = await sql`
    select t.relname as table_name, c.conname, c.contype, pg_get_constraintdef(c.oid) as definition
    from pg_constraint c join pg_class t on t.oid = c.conrelid
    where c.connamespace = current_schema()::regnamespace
    order by t.relname, c.conname`.execute(store.db);
  // Each test database is its own schema: its name is taken out of the definitions.
  const indexes = await sql<{ tablename: string; indexname: string; indexdef: string }>`
    select tablename, indexname, indexdef from pg_indexes where schemaname = current_schema()
    order by tablename, indexname`.execute(store.db);
  return {
    columns: columns.rows,
    constraints: constraints.rows,
    indexes: indexes.rows.map((i) => ({ ...i, indexdef: i.indexdef.replace(`${store.schema}.`, '') })),
  };
}

describe('the migrations folder', () => {
  it('holds one file per migration, named as Kysely records it, in order', () => {
    const folder = fileURLToPath(new URL('../../src-service/store/migrations/', import.meta.url));
    const files = readdirSync(folder)
      .filter((f) => /^\d{3}_/.test(f))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(NAMES).toEqual(files);
    expect(NAMES).toEqual([...NAMES].sort());
    expect(NAMES).toContain('009_audit_chains');
  });
});

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);

  describe.skipIf(!run)(`a database made before issue 11 opens with today's migrations, ${kind.name}`, () => {
    const h = harnessFor(kind, {
      migrate: async (store) => {
        await madeBeforeIssue11(store);
        sinceSplit = await migrateToLatest(store);
      },
    });
    let sinceSplit: string[] = [];

    it('runs no migration again, verify-audit finds no break, and the service carries on with it', async () => {
      expect(sinceSplit).toEqual(NAMES.slice(NAMES.indexOf('008_bank_keys_in_hsm') + 1));
      // What a bank's database holds by now: a contract, money in and out, a
      // withdrawal waiting with its hold, a rejection, money parked in suspense.
      const op = await h.signedIn('trade.operator');
      const rev = await h.signedIn('trade.reviewer');
      const get = async (url: string) => (await h.request({ method: 'GET', url, token: op, lang: 'en' })).json();
      const exch = (await get('/markets/mine')).find((m: any) => m.code === 'EXCH01').id;
      const account = (await get('/ebank/accounts'))[0].id;
      const sign = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: exch,
        memberCode: 'EX1002',
        boundAccountId: account,
      });
      expect((await decide(h, rev, 'trade.reviewer', sign.body.id, 'approve')).body.state).toBe('executed');
      const contract = (await get('/member-accounts'))[0].contractId;
      const money = async (kindOf: 'deposit' | 'withdraw', amount: number) =>
        (await submitInstruction(h, op, 'trade.operator', { kind: kindOf, contractId: contract, amount })).body;
      for (const [kindOf, amount] of [
        ['deposit', 100_000],
        ['withdraw', 30_000],
      ] as const) {
        const made = await money(kindOf, amount);
        expect((await decide(h, rev, 'trade.reviewer', made.id, 'approve')).body.state).toBe('executed');
      }
      const refused = await money('deposit', 5_000);
      expect((await decide(h, rev, 'trade.reviewer', refused.id, 'reject', 'wrong amount')).body.state).toBe(
        'rejected',
      );
      const waiting = await money('withdraw', 20_000);
      expect(waiting.state).toBe('pending');
      const parked = await events.incomingTransfer(h.ctx, {
        marketCode: 'B2B02',
        cardNo: '6217000000000014',
        payerName: '李四',
        amount: 7_000 as Fen,
        key: 'upgrade-in-1',
      });
      expect(parked).toMatchObject({ outcome: 'suspense', reason: 'unboundCard' });

      const upgraded = openStore(h.database);
      try {
        const before = await recorded(upgraded);
        expect(before.map((r) => r.name)).toEqual(NAMES);
        expect(await migrateToLatest(upgraded)).toEqual([]);
        expect(await recorded(upgraded)).toEqual(before);
        const report = await verifyAudit(upgraded.db);
        expect(report.breaks).toEqual([]);
        expect(report.journalEntries).toBeGreaterThanOrEqual(3);
        expect(report.auditRecords).toBeGreaterThan(0);
      } finally {
        await upgraded.close();
      }

      // The withdrawal that waited across the upgrade is approved, and the books still tie.
      expect((await decide(h, rev, 'trade.reviewer', waiting.id, 'approve')).body.state).toBe('executed');
      expect((await get(`/member-accounts/${contract}`)).balance).toBe(50_000);
      expect((await verifyAudit(h.ctx.db)).breaks).toEqual([]);
    });
  });

  describe.skipIf(!run)(
    `a database made before issue 11 and upgraded has the schema today's migrations build, ${kind.name}`,
    () => {
      const opened: { database: TestDatabase; store: Store }[] = [];
      afterEach(async () => {
        for (const { database, store } of opened.splice(0)) {
          await store.close();
          await database.drop();
        }
      });
      const fresh = async () => {
        const database = await kind.create();
        const store = openStore(database.setting);
        opened.push({ database, store });
        return store;
      };

      it('has the same tables, columns, constraints, indexes and triggers', async () => {
        const old = await fresh();
        await madeBeforeIssue11(old);
        await migrateToLatest(old);
        const today = await fresh();
        expect(await migrateToLatest(today)).toEqual(NAMES);
        const expected: any = await schemaOf(old);
        expect(expected.columns.length).toBeGreaterThan(100);
        expect(await schemaOf(today)).toEqual(expected);
      });
    },
  );
}
