// The migrator on a PostgreSQL database others use at the same time: Kysely's
// introspector reads every schema's tables, so a schema or a table dropped
// meanwhile (in CI, another test file's) failed a service's start with "schema …
// does not exist", and once "relation … does not exist", naming a schema not its
// own. Schemas and tables are made and dropped in a loop while the service's
// migrations are checked again and again: none may fail.
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src-service/store/db';
import { migrateToLatest, migrationsPending } from '../../src-service/store/migrations';
import { checkAvailable, PG_URL, postgres, type TestDatabase } from '../support/databases';

const available = await checkAvailable(postgres);

describe.skipIf(!available)('migrations while other schemas come and go', () => {
  let database: TestDatabase;
  let store: Store;

  beforeAll(async () => {
    database = await postgres.create();
    store = openStore(database.setting);
    await migrateToLatest(store);
  }, 60_000);
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('checks its own migrations 60 times while 3 connections make and drop schemas with tables', async () => {
    let churning = true;
    const churn = async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      try {
        while (churning) {
          const name = `t_churn_${randomBytes(5).toString('hex')}`;
          await c.query(`create schema ${name}; create table ${name}.a (id int, b text, c text, d text)`);
          // the table dropped on its own first (42P01 for a reader that saw it), then its schema (3F000)
          await c.query(`drop table ${name}.a`);
          await c.query(`drop schema ${name} cascade`);
        }
      } finally {
        await c.end();
      }
    };
    const churners = Array.from({ length: 3 }, churn);
    const failures: string[] = [];
    try {
      for (let i = 0; i < 60; i++) {
        try {
          expect(await migrationsPending(store)).toEqual([]);
        } catch (error) {
          failures.push((error as Error).message);
        }
      }
    } finally {
      churning = false;
      await Promise.all(churners);
    }
    expect(failures.slice(0, 3), `${failures.length} of 60 failed`).toEqual([]);
  }, 120_000);
});
