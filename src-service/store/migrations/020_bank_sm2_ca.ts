// 020, issue 16: the bank's SM2 CA, which certifies the SM2 keys of Chinese
// banks' USB-KEYs. Its key lives in an SM2 HSM reached through SKF (in the demo,
// the tests and the bank stack: the software SKF library); this table records
// where, and the CA's self-signed certificate — never the key.
import { sql, type Kysely, type Migration } from 'kysely';

export function bankSm2Ca(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('bank_sm2_keys')
        .ifNotExists()
        .addColumn('purpose', 'varchar(10)', (c) => c.primaryKey().check(sql`purpose in ('sm2-ca')`))
        .addColumn('store', 'varchar(10)', (c) => c.notNull().check(sql`store in ('skf','demo-skf')`))
        .addColumn('key_ref', 'varchar(100)', (c) => c.notNull())
        .addColumn('certificate_pem', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .execute();
    },
  };
}
