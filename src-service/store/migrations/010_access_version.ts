// One version row for what a service instance may keep in memory between
// requests: certificates (their status is what a revocation changes), users'
// permissions and enterprises. Triggers bump it on every change of those
// tables, whoever makes it — another instance, a bank CLI, a hand-written
// UPDATE — so no code path can forget to, and an instance that reads the row
// inside its transaction sees at once that its copies are stale.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';

const WATCHED = ['certificates', 'user_permissions', 'enterprises'] as const;

export function accessVersion(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('cache_versions')
        .addColumn('name', 'varchar(20)', (c) => c.primaryKey())
        .addColumn('version', 'bigint', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.insertInto('cache_versions').values({ name: 'access', version: 0 }).execute();
      if (dialect === 'postgres') {
        await sql
          .raw(
            `create function sk_bump_access_version() returns trigger language plpgsql as $$
             begin update cache_versions set version = version + 1 where name = 'access'; return null; end $$`,
          )
          .execute(db);
        for (const table of WATCHED)
          await sql
            .raw(
              `create trigger ${table}_access_version after insert or update or delete on ${table} ` +
                `for each statement execute function sk_bump_access_version()`,
            )
            .execute(db);
        return;
      }
      for (const table of WATCHED)
        for (const event of ['insert', 'update', 'delete'])
          await sql
            .raw(
              `create trigger ${table}_access_version_${event} after ${event} on ${table} ` +
                `begin update cache_versions set version = version + 1 where name = 'access'; end`,
            )
            .execute(db);
    },
  };
}
