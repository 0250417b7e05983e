// 019: certificates.key_type may be 'sm2' — the SM2 keys of Chinese banks'
// USB-KEYs, reached over SKF (GM/T 0016). Only the CHECK list changes.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

const KEY_TYPES_CHECK = sql`key_type in ('rsa','ec','sm2')`;
const ACCESS_VERSION_EVENTS = ['insert', 'update', 'delete'] as const;
const COLUMNS = [
  'id',
  'serial',
  'user_id',
  'subject',
  'key_type',
  'media',
  'certificate_der',
  'not_before',
  'not_after',
  'status',
  'issued_at',
  'activated_at',
  'revoked_at',
  'revoke_reason',
].join(', ');

export function sm2KeyType(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'postgres') {
        // The column's CHECK got PostgreSQL's own name (certificates_key_type_check); found, not assumed.
        const old = await sql<{ conname: string }>`
          select conname from pg_constraint
          where conrelid = 'certificates'::regclass and contype = 'c'
            and pg_get_constraintdef(oid) like '%key_type%'`.execute(db);
        for (const { conname } of old.rows) {
          await sql`alter table certificates drop constraint ${sql.id(conname)}`.execute(db);
        }
        await sql`alter table certificates add constraint certificates_key_type_check check (${KEY_TYPES_CHECK})`.execute(
          db,
        );
        return;
      }
      // SQLite cannot change a CHECK: the table is made again with the new list and
      // the rows copied over, with its index and the access-version triggers (010)
      // that dropping it took along. SQLite runs a migration outside a transaction:
      // this one makes its own, so a crash leaves all of it or none, and a run after
      // a crash before Kysely recorded it finds it done. No table references
      // certificates, so dropping it breaks no foreign key.
      const table = await sql<{ sql: string }>`
        select sql from sqlite_master where type = 'table' and name = 'certificates'`.execute(db);
      if (table.rows[0]?.sql.includes(`'sm2'`)) return;
      await db.transaction().execute(async (trx) => {
        // AUTOINCREMENT's high-water mark goes with the dropped table: kept, so no id is ever given twice.
        const sequence = await sql<{ seq: number }>`
          select seq from sqlite_sequence where name = 'certificates'`.execute(trx);
        await trx.schema
          .createTable('certificates_new')
          .addColumn(...id(dialect))
          .addColumn('serial', 'varchar(64)', (c) => c.notNull().unique())
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
          .addColumn('subject', 'varchar(300)', (c) => c.notNull())
          .addColumn('key_type', 'varchar(8)', (c) => c.notNull().check(KEY_TYPES_CHECK))
          .addColumn('media', 'varchar(8)', (c) => c.notNull().check(sql`media in ('token','file')`))
          .addColumn('certificate_der', 'text', (c) => c.notNull())
          .addColumn('not_before', 'varchar(30)', (c) => c.notNull())
          .addColumn('not_after', 'varchar(30)', (c) => c.notNull())
          .addColumn('status', 'varchar(10)', (c) => c.notNull().check(sql`status in ('issued','activated','revoked')`))
          .addColumn('issued_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('activated_at', 'varchar(30)')
          .addColumn('revoked_at', 'varchar(30)')
          .addColumn('revoke_reason', 'varchar(200)')
          .execute();
        await sql.raw(`insert into certificates_new (${COLUMNS}) select ${COLUMNS} from certificates`).execute(trx);
        await trx.schema.dropTable('certificates').execute();
        await trx.schema.alterTable('certificates_new').renameTo('certificates').execute();
        if (sequence.rows[0]) {
          await sql`delete from sqlite_sequence where name = 'certificates'`.execute(trx);
          await sql`insert into sqlite_sequence (name, seq) values ('certificates', ${sequence.rows[0].seq})`.execute(
            trx,
          );
        }
        await trx.schema.createIndex('certificates_user').on('certificates').column('user_id').execute();
        for (const event of ACCESS_VERSION_EVENTS) {
          await sql
            .raw(
              `create trigger certificates_access_version_${event} after ${event} on certificates ` +
                `begin update cache_versions set version = version + 1 where name = 'access'; end`,
            )
            .execute(trx);
        }
      });
    },
  };
}
