// One setting chooses the database: a SQLite file path (or ":memory:") or a
// postgres:// URL. Everything above this module is dialect-free Kysely.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { Database } from './schema';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where it lives, without credentials, for logs and /health. */
  describe: string;
  /** PostgreSQL: the schema the tables live in (search_path). */
  schema?: string;
  close(): Promise<void>;
}

export function isPostgresUrl(setting: string): boolean {
  return /^postgres(ql)?:\/\//i.test(setting);
}

export function openStore(setting: string): Store {
  return isPostgresUrl(setting) ? openPostgres(setting) : openSqlite(setting);
}

function openSqlite(path: string): Store {
  const sqlite = new BetterSqlite3(path);
  // WAL lets queries read while a commit is written; FULL makes every commit
  // durable at the fsync — money is not allowed to un-happen after a crash.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  return {
    db,
    dialect: 'sqlite',
    describe: `sqlite:${path}`,
    close: () => db.destroy(),
  };
}

/**
 * Kysely prepares every statement anew; SQLite compiling the same SQL again and
 * again was a tenth of the service's time under load. Statements are reused by
 * their text (Kysely binds values as parameters, so texts repeat).
 */
function withStatementCache(sqlite: BetterSqlite3.Database, size = 2000) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = cache.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (cache.size >= size) cache.delete(cache.keys().next().value as string);
        cache.set(sql, statement);
      }
      return statement;
    },
  };
}

function openPostgres(url: string): Store {
  const parsed = new URL(url);
  // ?schema=name puts every table in that schema (tests isolate themselves this way).
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema must be a lower-case SQL identifier: ${schema}`);
  }
  // BIGINT (int8) arrives as a string; it is parsed and range-checked by fenFromDb.
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: 10,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const safe = new URL(parsed.toString());
  safe.password = '';
  return {
    db,
    dialect: 'postgres',
    schema: schema ?? 'public',
    describe: `${safe.toString()}${schema ? ` (schema ${schema})` : ''}`,
    close: () => db.destroy(),
  };
}
