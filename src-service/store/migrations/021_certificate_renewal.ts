// 021, issue 16: 证书更新. A renewed certificate names the one it renews; at most
// one renewal of a certificate stands at a time (the partial unique index, which
// two renewals sent at once meet; one the counter revoked no longer counts), and
// the old one is revoked when the new one is signed off.
import { sql, type Kysely, type Migration } from 'kysely';

export function certificateRenewal(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('certificates').addColumn('renewal_of', 'varchar(64)').execute();
      // The same statement on SQLite and PostgreSQL: both have partial indexes.
      await sql`create unique index certificates_renewal_of on certificates (renewal_of) where status <> 'revoked'`.execute(
        db,
      );
    },
  };
}
