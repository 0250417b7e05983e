// Schema migrations, in code so the bundle carries them: one file each, named
// as Kysely records the migration in its table. Kysely refuses a database that
// ran a migration whose name is gone ("corrupted migrations"), so names never
// change. Each runs on SQLite and PostgreSQL (./dialect has the shared column
// helpers). A migration is history: it sees the schema as it was (Kysely<any>)
// and is never edited once released, not even to tidy it — a change of schema is
// a new file, added to MIGRATIONS below.
import { Migrator, sql, type DatabaseIntrospector, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from '../db';
import { skeleton } from './001_skeleton';
import { certificates } from './002_certificates';
import { settlement } from './003_settlement';
import { memberRegistration } from './004_member_registration';
import { cardNamesEn } from './005_card_names_en';
import { attemptLimits } from './006_attempt_limits';
import { amountBounds } from './007_amount_bounds';
import { bankKeysInHsm } from './008_bank_keys_in_hsm';
import { auditChains } from './009_audit_chains';
import { accessVersion } from './010_access_version';
import { postingFunction } from './011_posting_function';
import { marketKeys } from './012_market_keys';
import { marketRequestKeys } from './013_market_request_keys';
import { marketNotices } from './014_market_notices';
import { reconciliationFiles } from './015_reconciliation_files';
import { marketAcceptance } from './016_market_acceptance';
import { refusalKnobToMarket } from './017_refusal_knob_to_market';
import { receipts } from './018_receipts';
import { sm2KeyType } from './019_sm2_key_type';
import { bankSm2Ca } from './020_bank_sm2_ca';
import { certificateRenewal } from './021_certificate_renewal';

/** In order; each key is its file's name. */
export const MIGRATIONS: Readonly<Record<string, (dialect: DialectName) => Migration>> = {
  '001_skeleton': skeleton,
  '002_certificates': certificates,
  '003_settlement': settlement,
  '004_member_registration': memberRegistration,
  '005_card_names_en': cardNamesEn,
  '006_attempt_limits': attemptLimits,
  '007_amount_bounds': amountBounds,
  '008_bank_keys_in_hsm': bankKeysInHsm,
  '009_audit_chains': auditChains,
  '010_access_version': accessVersion,
  '011_posting_function': postingFunction,
  '012_market_keys': marketKeys,
  '013_market_request_keys': marketRequestKeys,
  '014_market_notices': marketNotices,
  '015_reconciliation_files': reconciliationFiles,
  '016_market_acceptance': marketAcceptance,
  '017_refusal_knob_to_market': refusalKnobToMarket,
  '018_receipts': receipts,
  '019_sm2_key_type': sm2KeyType,
  '020_bank_sm2_ca': bankSm2Ca,
  '021_certificate_renewal': certificateRenewal,
};

type AnyDb = Kysely<any>;

function migrations(dialect: DialectName): Record<string, Migration> {
  return Object.fromEntries(Object.entries(MIGRATIONS).map(([name, make]) => [name, make(dialect)]));
}

/**
 * The database as the migrator sees it. Kysely's migrator looks for its own
 * tables with the introspector, which on PostgreSQL reads every schema's tables
 * and columns (USAGE checked on each schema, each column's sequence looked up):
 * a schema or table someone else dropped during that read — another test's in
 * CI — failed it with 3F000 or 42P01, and retrying only made that rarer. Here
 * the introspector reads our schema alone, so others' schemas cannot fail it.
 */
function migratorDb(store: { db: AnyDb; dialect: DialectName; schema?: string }): AnyDb {
  if (store.dialect !== 'postgres') return store.db;
  const schema = store.schema ?? 'public';
  const introspection: DatabaseIntrospector = {
    getSchemas: async () =>
      (
        await sql<{ name: string }>`select nspname as name from pg_namespace where nspname = ${schema}`.execute(
          store.db,
        )
      ).rows,
    getTables: async () =>
      (
        await sql<{ name: string; kind: string }>`
          select c.relname as name, c.relkind as kind from pg_class c
          join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = ${schema} and c.relkind in ('r', 'p', 'v')`.execute(store.db)
      ).rows.map((t) => ({ name: t.name, schema, isView: t.kind === 'v', columns: [] })),
    getMetadata: async () => ({ tables: await introspection.getTables() }),
  };
  // Kysely's methods use private fields: each is bound to the instance itself.
  return new Proxy(store.db, {
    get(target, member) {
      if (member === 'introspection') return introspection;
      const value: unknown = Reflect.get(target, member, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

export async function migrateToLatest(store: { db: AnyDb; dialect: DialectName; schema?: string }): Promise<string[]> {
  const all = migrations(store.dialect);
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(all) };
  // Naming the schema matters on PostgreSQL: otherwise the migrator takes another
  // schema's migration tables for its own and skips creating them.
  const migrator = new Migrator({
    db: migratorDb(store),
    provider,
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The migrations this code has that the database has not run, in order. */
export async function migrationsPending(store: {
  db: AnyDb;
  dialect: DialectName;
  schema?: string;
}): Promise<string[]> {
  const migrator = new Migrator({
    db: migratorDb(store),
    provider: { getMigrations: () => Promise.resolve(migrations(store.dialect)) },
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  const all = await migrator.getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}

/** Migrates up to and including `target`: the upgrade tests make a database as an older version left it. */
export async function migrateTo(
  store: { db: AnyDb; dialect: DialectName; schema?: string },
  target: string,
): Promise<void> {
  const migrator = new Migrator({
    db: migratorDb(store),
    provider: { getMigrations: () => Promise.resolve(migrations(store.dialect)) },
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  const { error } = await migrator.migrateTo(target);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
