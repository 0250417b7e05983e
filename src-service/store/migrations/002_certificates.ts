// 002, USB-KEY login: the bank's CA, the certificates it issues, the challenges users sign.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function certificates(dialect: DialectName): Migration {
  const idColumn = id(dialect);
  return {
    async up(db: Kysely<any>) {
      // The bank's root CA: created at first start, its key kept in the service's database.
      await db.schema
        .createTable('bank_ca')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('private_key_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('certificates')
        .addColumn(...idColumn)
        .addColumn('serial', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('subject', 'varchar(300)', (c) => c.notNull())
        .addColumn('key_type', 'varchar(8)', (c) => c.notNull().check(sql`key_type in ('rsa','ec')`))
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
      await db.schema.createIndex('certificates_user').on('certificates').column('user_id').execute();

      await db.schema
        .createTable('challenges')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('purpose', 'varchar(20)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('used_at', 'varchar(30)')
        .execute();

      // 'certificate': password and captcha passed, the USB-KEY step not yet; 'verified' otherwise.
      await db.schema
        .alterTable('sessions')
        .addColumn('stage', 'varchar(12)', (c) => c.notNull().defaultTo('verified'))
        .execute();
    },
  };
}
