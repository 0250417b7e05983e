// The bank's database roles (PostgreSQL): the schema belongs to an owner role,
// which alone runs migrations; the service connects as a role that may read and
// write rows but change no table, and may only add to the journal and the audit
// log — an entry or an audit record, once written, is kept by the database's
// grants, not by the code's habits. Granted again after every migration, so a
// table a migration adds is covered.
import { sql, type Kysely } from 'kysely';
import type { Store } from './db';
import { migrationsPending } from './migrations';

/** Tables the service may only insert into and read. */
export const APPEND_ONLY_TABLES = ['journal_entries', 'journal_lines', 'audit_log'] as const;

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export async function grantServiceRole(store: Store, role: string): Promise<void> {
  if (store.dialect !== 'postgres') throw new Error('database roles are PostgreSQL’s: SQLite has none');
  if (!IDENTIFIER.test(role)) throw new Error(`a role is a lower-case SQL identifier: ${role}`);
  const schema = store.schema ?? 'public';
  const s = sql.id(schema);
  const r = sql.id(role);
  const db: Kysely<any> = store.db;
  await db.transaction().execute(async (trx) => {
    await sql`revoke all on all tables in schema ${s} from ${r}`.execute(trx);
    await sql`revoke create on schema ${s} from ${r}`.execute(trx);
    await sql`grant usage on schema ${s} to ${r}`.execute(trx);
    await sql`grant select, insert, update, delete on all tables in schema ${s} to ${r}`.execute(trx);
    for (const table of APPEND_ONLY_TABLES)
      await sql`revoke update, delete, truncate on ${sql.table(`${schema}.${table}`)} from ${r}`.execute(trx);
    // the migrator's own tables are the owner's alone
    await sql`revoke insert, update, delete on ${sql.table(`${schema}.kysely_migration`)}, ${sql.table(
      `${schema}.kysely_migration_lock`,
    )} from ${r}`.execute(trx);
    await sql`grant usage, select on all sequences in schema ${s} to ${r}`.execute(trx);
    await sql`grant execute on all functions in schema ${s} to ${r}`.execute(trx);
  });
}

/** A service started on a schema its owner migrates: it checks, and refuses to start behind. */
export async function requireMigrated(store: Store): Promise<void> {
  const pending = await migrationsPending(store);
  if (pending.length > 0)
    throw new Error(
      `the database is ${pending.length} migration(s) behind (${pending.join(', ')}): its owner runs them — npm run service -- migrate --db <the owner's URL> --grant <the service's role>`,
    );
}
