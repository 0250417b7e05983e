// 021, issue 16: 证书更新. A renewed certificate names the one it renews; at most
// one renewal of a certificate is ever recorded (the unique index, which two
// renewals sent at once meet), and the old one is revoked when the new one is
// signed off.
import type { Kysely, Migration } from 'kysely';

export function certificateRenewal(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('certificates').addColumn('renewal_of', 'varchar(64)').execute();
      await db.schema.createIndex('certificates_renewal_of').on('certificates').column('renewal_of').unique().execute();
    },
  };
}
