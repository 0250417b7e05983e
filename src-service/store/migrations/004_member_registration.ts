// 004, the member system's registration: applications, contact details, card bank codes,
// failed card checks.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function memberRegistration(dialect: DialectName): Migration {
  const idColumn = id(dialect);
  return {
    async up(db: Kysely<any>) {
      // Contact details a member maintains (the identity fields stay as registered).
      await db.schema.alterTable('members').addColumn('contact_name', 'varchar(50)').execute();
      await db.schema.alterTable('members').addColumn('address', 'varchar(200)').execute();
      await db.schema.alterTable('members').addColumn('email', 'varchar(100)').execute();
      // Which bank and branch a card belongs to, from the lookup.
      await db.schema.alterTable('cards').addColumn('bank_code', 'varchar(8)').execute();
      await db.schema.alterTable('cards').addColumn('branch_code', 'varchar(16)').execute();

      // Applications to become a member; a corporate one waits for the bank counter.
      await db.schema
        .createTable('registrations')
        .addColumn(...idColumn)
        .addColumn('serial', 'varchar(20)', (c) => c.notNull().unique())
        .addColumn('member_type', 'varchar(12)', (c) =>
          c.notNull().check(sql`member_type in ('corporate','individual')`),
        )
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('cert_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('cert_no', 'varchar(32)', (c) => c.notNull())
        .addColumn('contact_name', 'varchar(50)')
        .addColumn('phone', 'varchar(20)', (c) => c.notNull())
        .addColumn('address', 'varchar(200)')
        .addColumn('email', 'varchar(100)')
        .addColumn('market_id', 'integer', (c) => c.references('markets.id'))
        .addColumn('archive', dialect === 'postgres' ? 'bytea' : 'blob')
        .addColumn('archive_name', 'varchar(200)')
        .addColumn('archive_format', 'varchar(4)')
        .addColumn('archive_size', 'integer')
        .addColumn('status', 'varchar(10)', (c) => c.notNull().check(sql`status in ('pending','approved','rejected')`))
        .addColumn('reject_reason', 'varchar(200)')
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('decided_at', 'varchar(30)')
        .addColumn('decided_by', 'varchar(60)')
        .addColumn('member_id', 'integer', (c) => c.references('members.id'))
        .execute();
      await db.schema
        .createIndex('registrations_cert')
        .on('registrations')
        .columns(['cert_type', 'cert_no', 'status'])
        .execute();

      // Card authentications that failed, counted per member (or phone) and day.
      await db.schema
        .createTable('card_auth_failures')
        .addColumn(...idColumn)
        .addColumn('subject', 'varchar(40)', (c) => c.notNull())
        .addColumn('business_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('card_auth_failures_subject')
        .on('card_auth_failures')
        .columns(['subject', 'business_date'])
        .execute();
    },
  };
}
