// One setting chooses the database: a SQLite file path (or ":memory:") or a
// postgres:// URL. Everything above this module is dialect-free Kysely.
import BetterSqlite3 from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, openSync, statSync } from 'node:fs';
import {
  CompiledQuery,
  Kysely,
  PostgresDialect,
  SqliteDialect,
  type Driver,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type UnknownRow,
} from 'kysely';
import type { Pool, PoolConfig } from 'pg';
import { readSecretFile } from '../bank-keys/settings';
import { tagStatements } from './request-tag';
import type { Database } from './schema';

export type DialectName = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: DialectName;
  /** Where it lives, without credentials, for logs and /health. */
  describe: string;
  /** PostgreSQL: the schema the tables live in (search_path). */
  schema?: string;
  /** SQLite: the database file (its folder is the service's data folder). */
  file?: string;
  /** Statements sent so far (savepoints included, begin and commit not): what a request costs. */
  statements(): number;
  /**
   * For a short write that commits on its own while the caller's transaction
   * is open (a block of serials): PostgreSQL, one connection apart from the
   * pool, so it never waits for a pool whose every connection waits for it;
   * SQLite, null (its one writer is the caller's transaction).
   */
  autonomous: Kysely<Database> | null;
  /** PostgreSQL: the pool's connections, for /metrics; SQLite (one connection): null. */
  poolUsage(): { total: number; idle: number; waiting: number } | null;
  close(): Promise<void>;
}

/**
 * Counts the statements Kysely sends; an integer per statement, nothing else.
 * Counted as each one's result comes back: a prepared statement
 * (store/prepared.ts) is compiled once and sent many times.
 */
class StatementCounter implements KyselyPlugin {
  count = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.count += 1;
    return args.result;
  }
}

export function isPostgresUrl(setting: string): boolean {
  return /^postgres(ql)?:\/\//i.test(setting);
}

export function openStore(setting: string): Store {
  return isPostgresUrl(setting) ? openPostgres(setting) : openSqlite(setting);
}

/**
 * The database holds password hashes, sessions and every account: only the
 * service's user may read it. The file is created 0600 (SQLite gives its -wal
 * and -shm the database file's mode), and files left readable by an older
 * version are corrected on every open.
 */
function ownerOnly(path: string): void {
  if (path === ':memory:' || process.platform === 'win32') return;
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600));
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    if (existsSync(file) && (statSync(file).mode & 0o077) !== 0) chmodSync(file, 0o600);
  }
}

function openSqlite(path: string): Store {
  ownerOnly(path);
  const sqlite = new BetterSqlite3(path);
  // WAL lets queries read while a commit is written; FULL makes every commit
  // durable at the fsync — money is not allowed to un-happen after a crash.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // A savepoint keeps each page it changes first in a sub-journal; with the default
  // (a temporary file) every such page was a file write, and a group-committed
  // approval, which runs under savepoints, paid for its writes about three times
  // over (its inserts and updates: 157 µs against 62 µs in memory). The
  // sub-journal holds only the pages one work changes.
  sqlite.pragma('temp_store = MEMORY');
  // WAL mode made the -wal and -shm files just now: checked as well.
  ownerOnly(path);
  const counter = new StatementCounter();
  const db = new Kysely<Database>({
    dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }),
    plugins: [counter],
  });
  return {
    db,
    dialect: 'sqlite',
    describe: `sqlite:${path}`,
    file: path,
    statements: () => counter.count,
    autonomous: null,
    poolUsage: () => null,
    close: () => db.destroy(),
  };
}

/**
 * SQLite's plain BEGIN takes the write lock at the first write: a transaction
 * that read first then fails at once with "database is locked" when another
 * process (the bank counter beside a running service) wrote meanwhile, whatever
 * busy_timeout says. BEGIN IMMEDIATE takes the lock at the start, so the later
 * one waits its busy_timeout instead of failing.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    driver.beginTransaction = async (connection) => {
      await connection.executeQuery(CompiledQuery.raw('begin immediate'));
    };
    return driver;
  }
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

/**
 * Connections to PostgreSQL per service instance. SETTLEKEY_DB_POOL overrides
 * the default, which bench:ledger chose by measurement (README, Performance).
 */
export function poolSize(): number {
  const setting = process.env.SETTLEKEY_DB_POOL;
  if (setting === undefined || setting === '') return 10;
  const n = Number(setting);
  if (!Number.isInteger(n) || n < 1 || n > 200) {
    throw new Error(`SETTLEKEY_DB_POOL must be a whole number of connections from 1 to 200: ${setting}`);
  }
  return n;
}

function openPostgres(url: string): Store {
  const parsed = new URL(url);
  // ?schema=name puts every table in that schema (tests isolate themselves this way).
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new Error(`schema must be a lower-case SQL identifier: ${schema}`);
  }
  // SETTLEKEY_DB_PASSWORD_FILE: the password in a file only its owner may read, never in a
  // command line (`ps`) or a setting anyone sees. pg lets the URL's fields override its own
  // options, so the password joins the URL here, in memory.
  const passwordFile = process.env.SETTLEKEY_DB_PASSWORD_FILE;
  if (passwordFile) parsed.password = encodeURIComponent(readSecretFile(passwordFile));
  // BIGINT (int8) arrives as a string; it is parsed and range-checked by balanceFromDb (a sum: sumFromDb).
  const config = (max: number): PoolConfig => ({
    connectionString: parsed.toString(),
    max,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // pg is loaded when the first connection is wanted: a SQLite service never loads it.
  const connect = (max: number) => async (): Promise<Pool> => {
    const made = new (await import('pg')).default.Pool(config(max));
    // An idle connection that breaks (PgBouncer restarted, the primary failed over) is an
    // 'error' event the pool has already dropped the connection for; the next query opens
    // a new one. Unheard, the event would end the process.
    made.on('error', () => undefined);
    // The same for a connection in use that breaks between two statements (a transaction
    // waiting on a signature check): its next statement fails, the request with it, and the
    // pool discards the connection when it comes back (pg-pool drops one not queryable).
    made.on('connect', (client) => client.on('error', () => undefined));
    return made;
  };
  const counter = new StatementCounter();
  let pool: Pool | null = null;
  const mainPool = async () => (pool = await connect(poolSize())());
  const db = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: mainPool, onCreateConnection: tagStatements }),
    plugins: [counter],
  });
  const autonomous = new Kysely<Database>({
    dialect: new PostgresDialect({ pool: connect(1), onCreateConnection: tagStatements }),
    plugins: [counter],
  });
  const safe = new URL(parsed.toString());
  safe.password = '';
  return {
    db,
    dialect: 'postgres',
    schema: schema ?? 'public',
    describe: `${safe.toString()}${schema ? ` (schema ${schema})` : ''}`,
    statements: () => counter.count,
    autonomous,
    poolUsage: () => (pool ? { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount } : null),
    close: async () => {
      await autonomous.destroy();
      await db.destroy();
    },
  };
}
