// 001, the skeleton: logins and sessions, markets, accounts and the double-entry journal.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function skeleton(dialect: DialectName): Migration {
  const idColumn = id(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('settings')
        .addColumn('key', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('enterprises')
        .addColumn(...idColumn)
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('name_en', 'varchar(200)', (c) => c.notNull())
        .addColumn('credit_code', 'varchar(18)', (c) => c.notNull().unique())
        .addColumn('admin_mode', 'varchar(8)', (c) => c.notNull().check(sql`admin_mode in ('single','dual')`))
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('members')
        .addColumn(...idColumn)
        .addColumn('member_type', 'varchar(12)', (c) =>
          c.notNull().check(sql`member_type in ('corporate','individual')`),
        )
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('cert_type', 'varchar(16)', (c) => c.notNull())
        .addColumn('cert_no', 'varchar(32)', (c) => c.notNull())
        .addColumn('phone', 'varchar(20)', (c) => c.notNull())
        .addColumn('status', 'varchar(10)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addUniqueConstraint('members_cert_unique', ['cert_type', 'cert_no'])
        .execute();

      await db.schema
        .createTable('users')
        .addColumn(...idColumn)
        .addColumn('login_name', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('display_name', 'varchar(100)', (c) => c.notNull())
        .addColumn('role', 'varchar(10)', (c) =>
          c.notNull().check(sql`role in ('admin','operator','reviewer','member')`),
        )
        .addColumn('system', 'varchar(8)', (c) => c.notNull().check(sql`system in ('ebank','member')`))
        .addColumn('enterprise_id', 'integer', (c) => c.references('enterprises.id'))
        .addColumn('member_id', 'integer', (c) => c.references('members.id'))
        .addColumn('password_hash', 'varchar(200)', (c) => c.notNull())
        .addColumn('must_change_password', 'smallint', (c) => c.notNull().defaultTo(1))
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked', 'smallint', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'varchar(10)', (c) => c.notNull().defaultTo('active'))
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('last_login_at', 'varchar(30)')
        .execute();

      await db.schema
        .createTable('user_permissions')
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('code', 'varchar(40)', (c) => c.notNull())
        .addPrimaryKeyConstraint('user_permissions_pk', ['user_id', 'code'])
        .execute();

      await db.schema
        .createTable('sessions')
        .addColumn('token_hash', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('last_seen_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('ended_at', 'varchar(30)')
        .addColumn('end_reason', 'varchar(20)')
        .execute();
      await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

      await db.schema
        .createTable('captchas')
        .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('answer_hash', 'varchar(64)', (c) => c.notNull())
        .addColumn('expires_at', 'varchar(30)', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('markets')
        .addColumn(...idColumn)
        .addColumn('code', 'varchar(16)', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('name_en', 'varchar(200)', (c) => c.notNull())
        .addColumn('requires_trade_review', 'smallint', (c) => c.notNull().defaultTo(0))
        .addColumn('signed_in_date', 'varchar(10)')
        .addColumn('summary_account_no', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('summary_account_name', 'varchar(100)', (c) => c.notNull())
        .addColumn('summary_account_branch', 'varchar(100)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('accounts')
        .addColumn(...idColumn)
        .addColumn('number', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('name', 'varchar(100)', (c) => c.notNull())
        .addColumn('kind', 'varchar(16)', (c) => c.notNull())
        .addColumn('market_id', 'integer', (c) => c.references('markets.id'))
        .addColumn('enterprise_id', 'integer', (c) => c.references('enterprises.id'))
        .addColumn('member_id', 'integer', (c) => c.references('members.id'))
        .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('held', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('allow_negative', 'smallint', (c) => c.notNull().defaultTo(0))
        .addColumn('status', 'varchar(8)', (c) => c.notNull().defaultTo('open'))
        .addColumn('opened_at', 'varchar(30)', (c) => c.notNull())
        // The database itself refuses a customer balance below zero or below its holds,
        // whatever the code above it does.
        .addCheckConstraint('accounts_not_negative', sql`allow_negative = 1 or (held >= 0 and balance >= held)`)
        .execute();

      await db.schema
        .createTable('journal_entries')
        .addColumn(...idColumn)
        .addColumn('serial', 'varchar(32)', (c) => c.notNull().unique())
        .addColumn('kind', 'varchar(24)', (c) => c.notNull())
        .addColumn('business_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('memo', 'varchar(200)', (c) => c.notNull().defaultTo(''))
        .execute();

      await db.schema
        .createTable('journal_lines')
        .addColumn(...idColumn)
        .addColumn('entry_id', 'integer', (c) => c.notNull().references('journal_entries.id'))
        .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
        .addColumn('debit', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('credit', 'bigint', (c) => c.notNull().defaultTo(0))
        .addCheckConstraint(
          'journal_lines_one_side',
          sql`debit >= 0 and credit >= 0 and (debit = 0 or credit = 0) and debit + credit > 0`,
        )
        .execute();
      await db.schema.createIndex('journal_lines_account').on('journal_lines').columns(['account_id', 'id']).execute();
      await db.schema.createIndex('journal_lines_entry').on('journal_lines').column('entry_id').execute();
    },
  };
}
