// 008, issue 10: the bank's keys on an HSM; the CA key once stored in the clear is erased.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function bankKeysInHsm(dialect: DialectName): Migration {
  const idColumn = id(dialect);
  return {
    async up(db: Kysely<any>) {
      // The CA's private key sat in bank_ca in the clear: whoever read a dump
      // could issue certificates. It is treated as compromised: its certificate
      // is kept only to verify what it issued, the service makes a new CA on
      // the HSM at its next start, and the key's bytes are erased from the file.
      await db.schema
        .createTable('bank_keys')
        .ifNotExists()
        .addColumn('purpose', 'varchar(10)', (c) => c.primaryKey().check(sql`purpose in ('ca','document')`))
        .addColumn('store', 'varchar(10)', (c) => c.notNull().check(sql`store in ('hsm','demo-hsm','demo-file')`))
        .addColumn('key_ref', 'varchar(100)', (c) => c.notNull())
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('retired_ca_certificates')
        .ifNotExists()
        .addColumn(...idColumn)
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('reason', 'varchar(200)', (c) => c.notNull())
        .addColumn('retired_at', 'varchar(30)', (c) => c.notNull())
        .execute();
      // SQLite runs a migration outside a transaction: after a crash each step may run again.
      const old =
        dialect === 'postgres'
          ? await sql`select 1 from information_schema.tables where table_schema = current_schema() and table_name = 'bank_ca'`.execute(
              db,
            )
          : await sql`select 1 from sqlite_master where type = 'table' and name = 'bank_ca'`.execute(db);
      if (old.rows.length > 0) {
        await sql`insert into retired_ca_certificates (certificate_pem, reason, retired_at)
                  select certificate_pem, 'its private key was stored in the database', ${new Date().toISOString()}
                  from bank_ca
                  where certificate_pem not in (select certificate_pem from retired_ca_certificates)`.execute(db);
        // Pages freed from here on are overwritten with zeros, not just marked free.
        if (dialect === 'sqlite') await sql`pragma secure_delete = on`.execute(db);
        await db.schema.dropTable('bank_ca').execute();
      }
      if (dialect === 'sqlite') {
        // VACUUM rewrites the file without its free pages; the truncating checkpoint
        // empties the -wal, where older copies of the key's pages could remain.
        await sql`vacuum`.execute(db);
        await sql`pragma wal_checkpoint(truncate)`.execute(db);
        // Back to SQLite's default: zeroing every later delete is not this migration's business.
        await sql`pragma secure_delete = off`.execute(db);
      }
    },
  };
}
