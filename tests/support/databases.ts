// The two databases every service test runs against. SQLite is always here;
// PostgreSQL is the server on 127.0.0.1:5432. When CI=true an unreachable
// PostgreSQL fails the run; elsewhere its tests skip with a loud message.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export const PG_URL = process.env.SETTLEKEY_TEST_PG ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestDatabase {
  /** The setting the service takes: a SQLite path or a postgres:// URL with ?schema=. */
  setting: string;
  drop(): Promise<void>;
}

export interface DatabaseKind {
  name: 'sqlite' | 'postgres';
  available(): Promise<true | string>;
  create(): Promise<TestDatabase>;
}

let pgProbe: Promise<true | string> | null = null;

function probePostgres(): Promise<true | string> {
  pgProbe ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true as const;
    } catch (error) {
      return `PostgreSQL at ${PG_URL} is unreachable: ${(error as Error).message}`;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return pgProbe;
}

export const sqlite: DatabaseKind = {
  name: 'sqlite',
  available: () => Promise.resolve(true),
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'settlekey-test-'));
    return {
      setting: join(dir, 'service.sqlite'),
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

export const postgres: DatabaseKind = {
  name: 'postgres',
  available: probePostgres,
  async create() {
    // A schema per test database: files and workers run in parallel without seeing each other's rows.
    const schema = `t_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const url = new URL(PG_URL);
    url.searchParams.set('schema', schema);
    return {
      setting: url.toString(),
      async drop() {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`drop schema if exists ${schema} cascade`);
        await c.end();
      },
    };
  },
};

export const DATABASE_KINDS: DatabaseKind[] = [sqlite, postgres];

/** Resolves whether a kind's tests run; throws in CI when PostgreSQL is missing. */
export async function checkAvailable(kind: DatabaseKind): Promise<boolean> {
  const available = await kind.available();
  if (available === true) return true;
  if (process.env.CI === 'true') throw new Error(`${available} — CI requires it`);
  console.warn(`\n!!! SKIPPING ${kind.name} tests: ${available}\n`);
  return false;
}
