// Schema migrations, in code so the bundle carries them. Each runs on SQLite and
// PostgreSQL; the few dialect differences go through the helpers below.
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { DialectName } from './db';

type AnyDb = Kysely<any>; // migrations see the schema as it was, not as it is

/** An auto-numbered primary key on either database. */
function id(dialect: DialectName) {
  return dialect === 'postgres'
    ? (['id', 'integer', (c: any) => c.primaryKey().generatedByDefaultAsIdentity()] as const)
    : (['id', 'integer', (c: any) => c.primaryKey().autoIncrement()] as const);
}

function migrations(dialect: DialectName): Record<string, Migration> {
  const idColumn = id(dialect);
  return {
    '001_skeleton': {
      async up(db: AnyDb) {
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
        await db.schema
          .createIndex('journal_lines_account')
          .on('journal_lines')
          .columns(['account_id', 'id'])
          .execute();
        await db.schema.createIndex('journal_lines_entry').on('journal_lines').column('entry_id').execute();
      },
    },
    '002_certificates': {
      async up(db: AnyDb) {
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
    },
    '003_settlement': {
      async up(db: AnyDb) {
        const money = (name: string) => [name, 'bigint', (c: any) => c.notNull().defaultTo(0)] as const;

        // 流水号: one counter a business day.
        await db.schema
          .createTable('serial_counters')
          .addColumn('day', 'varchar(40)', (c) => c.primaryKey())
          .addColumn('last', 'integer', (c) => c.notNull())
          .execute();

        await db.schema.alterTable('journal_entries').addColumn('reference', 'varchar(40)').execute();
        await db.schema
          .createIndex('journal_entries_day')
          .on('journal_entries')
          .columns(['business_date', 'id'])
          .execute();

        // Two-phase holds: pending until posted (it becomes a debit) or voided.
        await db.schema
          .createTable('holds')
          .addColumn(...idColumn)
          .addColumn('account_id', 'integer', (c) => c.notNull().references('accounts.id'))
          .addColumn(...money('amount'))
          .addColumn('kind', 'varchar(10)', (c) => c.notNull().check(sql`kind in ('withdraw','freeze','trade')`))
          .addColumn('status', 'varchar(8)', (c) => c.notNull().check(sql`status in ('pending','posted','voided')`))
          .addColumn('reference', 'varchar(40)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('resolved_at', 'varchar(30)')
          .addCheckConstraint('holds_positive', sql`amount > 0`)
          .execute();
        await db.schema.createIndex('holds_account').on('holds').columns(['account_id', 'status']).execute();

        // A market's register of member codes, against the member's credit code or ID number.
        await db.schema
          .createTable('market_members')
          .addColumn(...idColumn)
          .addColumn('market_id', 'integer', (c) => c.notNull().references('markets.id'))
          .addColumn('member_code', 'varchar(32)', (c) => c.notNull())
          .addColumn('cert_no', 'varchar(32)', (c) => c.notNull())
          .addColumn('name', 'varchar(100)', (c) => c.notNull())
          .addColumn('virtual_account_no', 'varchar(32)', (c) => c.notNull())
          .addColumn('seat_no', 'varchar(16)', (c) => c.notNull())
          .addColumn('open_positions', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('unfinished_trades', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('dispute_open', 'smallint', (c) => c.notNull().defaultTo(0))
          .addColumn('dispute_evidence', 'smallint', (c) => c.notNull().defaultTo(0))
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addUniqueConstraint('market_members_code', ['market_id', 'member_code'])
          .execute();

        await db.schema
          .alterTable('markets')
          .addColumn('refuse_next_deposits', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        // Demo/simulator: markets that sign in by themselves each business day.
        await db.schema
          .alterTable('markets')
          .addColumn('auto_sign_in', 'smallint', (c) => c.notNull().defaultTo(0))
          .execute();
        // The balance after each line, and its day, so statements page without summing history.
        await db.schema.alterTable('journal_lines').addColumn('balance_after', 'bigint').execute();
        await db.schema.alterTable('journal_lines').addColumn('business_date', 'varchar(10)').execute();
        // The entry's kind on each line too: statements filter and count without joining entries.
        await db.schema.alterTable('journal_lines').addColumn('kind', 'varchar(24)').execute();
        await db.schema
          .createIndex('journal_lines_statement')
          .on('journal_lines')
          .columns(['account_id', 'business_date', 'id'])
          .execute();
        await db.schema.alterTable('challenges').addColumn('reference', 'varchar(40)').execute();
        // Purposes such as "member:setTransferOutCard" outgrew 20 characters (SQLite never minded).
        if (dialect === 'postgres') {
          await db.schema
            .alterTable('challenges')
            .alterColumn('purpose', (c) => c.setDataType('varchar(40)'))
            .execute();
        }

        // Platform members' authenticated cards at other banks.
        await db.schema
          .createTable('cards')
          .addColumn(...idColumn)
          .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
          .addColumn('card_no', 'varchar(19)', (c) => c.notNull())
          .addColumn('holder_name', 'varchar(100)', (c) => c.notNull())
          .addColumn('bank_name', 'varchar(100)', (c) => c.notNull())
          .addColumn('branch_name', 'varchar(100)', (c) => c.notNull())
          .addColumn('phone', 'varchar(20)', (c) => c.notNull())
          .addColumn('purpose', 'varchar(12)', (c) => c.notNull().check(sql`purpose in ('bound','transferOut')`))
          .addColumn('authenticated_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('status', 'varchar(8)', (c) => c.notNull().defaultTo('active'))
          .execute();
        await db.schema.createIndex('cards_number').on('cards').column('card_no').execute();

        await db.schema
          .createTable('contracts')
          .addColumn(...idColumn)
          .addColumn('market_id', 'integer', (c) => c.notNull().references('markets.id'))
          .addColumn('member_code', 'varchar(32)', (c) => c.notNull())
          .addColumn('enterprise_id', 'integer', (c) => c.references('enterprises.id'))
          .addColumn('member_id', 'integer', (c) => c.references('members.id'))
          .addColumn('detail_account_id', 'integer', (c) => c.notNull().references('accounts.id'))
          .addColumn('bound_account_id', 'integer', (c) => c.references('accounts.id'))
          .addColumn('bound_card_id', 'integer', (c) => c.references('cards.id'))
          .addColumn('virtual_account_no', 'varchar(32)', (c) => c.notNull())
          .addColumn('seat_no', 'varchar(16)', (c) => c.notNull())
          .addColumn('status', 'varchar(10)', (c) => c.notNull().check(sql`status in ('active','cancelled')`))
          .addColumn('signed_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('cancelled_at', 'varchar(30)')
          .addColumn('last_money_date', 'varchar(10)')
          .addCheckConstraint('contracts_owner', sql`(enterprise_id is null) <> (member_id is null)`)
          .execute();
        // One live contract per member code; one per owner and market.
        await db.schema
          .createIndex('contracts_live_code')
          .on('contracts')
          .columns(['market_id', 'member_code'])
          .unique()
          .where(sql<boolean>`status = 'active'`)
          .execute();
        await db.schema
          .createIndex('contracts_live_enterprise')
          .on('contracts')
          .columns(['market_id', 'enterprise_id'])
          .unique()
          .where(sql<boolean>`status = 'active' and enterprise_id is not null`)
          .execute();
        await db.schema
          .createIndex('contracts_live_member')
          .on('contracts')
          .columns(['market_id', 'member_id'])
          .unique()
          .where(sql<boolean>`status = 'active' and member_id is not null`)
          .execute();

        // Maker-checker instructions of corporate e-banking.
        await db.schema
          .createTable('instructions')
          .addColumn(...idColumn)
          .addColumn('serial', 'varchar(20)', (c) => c.notNull().unique())
          .addColumn('enterprise_id', 'integer', (c) => c.notNull().references('enterprises.id'))
          .addColumn('kind', 'varchar(10)', (c) =>
            c.notNull().check(sql`kind in ('sign','cancel','deposit','withdraw','menu')`),
          )
          .addColumn('state', 'varchar(10)', (c) =>
            c.notNull().check(sql`state in ('pending','approved','executed','failed','rejected','expired')`),
          )
          .addColumn('business_date', 'varchar(10)', (c) => c.notNull())
          .addColumn('market_id', 'integer', (c) => c.references('markets.id'))
          .addColumn('contract_id', 'integer', (c) => c.references('contracts.id'))
          .addColumn('amount', 'bigint')
          .addColumn('hold_id', 'integer', (c) => c.references('holds.id'))
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('maker_id', 'integer', (c) => c.notNull().references('users.id'))
          .addColumn('maker_signature', 'text', (c) => c.notNull())
          .addColumn('checker_id', 'integer', (c) => c.references('users.id'))
          .addColumn('checker_signature', 'text')
          .addColumn('reject_reason', 'varchar(200)')
          .addColumn('failure_code', 'varchar(40)')
          .addColumn('idempotency_key', 'varchar(64)', (c) => c.notNull())
          .addColumn('body_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('journal_entry_id', 'integer', (c) => c.references('journal_entries.id'))
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('decided_at', 'varchar(30)')
          .addUniqueConstraint('instructions_idempotency', ['enterprise_id', 'idempotency_key'])
          .execute();
        await db.schema
          .createIndex('instructions_queue')
          .on('instructions')
          .columns(['enterprise_id', 'state', 'kind'])
          .execute();
        // Only one sign instruction awaiting review per enterprise and market.
        await db.schema
          .createIndex('instructions_one_pending_sign')
          .on('instructions')
          .columns(['enterprise_id', 'market_id'])
          .unique()
          .where(sql<boolean>`kind = 'sign' and state = 'pending'`)
          .execute();

        await db.schema
          .createTable('instruction_events')
          .addColumn(...idColumn)
          .addColumn('instruction_id', 'integer', (c) => c.notNull().references('instructions.id'))
          .addColumn('from_state', 'varchar(10)')
          .addColumn('to_state', 'varchar(10)', (c) => c.notNull())
          .addColumn('actor_id', 'integer', (c) => c.references('users.id'))
          .addColumn('at', 'varchar(30)', (c) => c.notNull())
          .addColumn('signature', 'text')
          .addColumn('note', 'varchar(200)')
          .execute();
        await db.schema
          .createIndex('instruction_events_instruction')
          .on('instruction_events')
          .column('instruction_id')
          .execute();

        // What a market (or the member system) asked, once per idempotency key.
        await db.schema
          .createTable('market_events')
          .addColumn(...idColumn)
          .addColumn('market_id', 'integer', (c) => c.references('markets.id'))
          .addColumn('kind', 'varchar(24)', (c) => c.notNull())
          .addColumn('idempotency_key', 'varchar(64)', (c) => c.notNull())
          .addColumn('body_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('result', 'text', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addUniqueConstraint('market_events_idempotency', ['kind', 'idempotency_key'])
          .execute();

        await db.schema
          .createTable('b2b_trades')
          .addColumn(...idColumn)
          .addColumn('serial', 'varchar(20)', (c) => c.notNull().unique())
          .addColumn('market_id', 'integer', (c) => c.notNull().references('markets.id'))
          .addColumn('payer_contract_id', 'integer', (c) => c.notNull().references('contracts.id'))
          .addColumn('payee_contract_id', 'integer', (c) => c.notNull().references('contracts.id'))
          .addColumn(...money('amount'))
          .addColumn(...money('fee'))
          .addColumn('hold_id', 'integer', (c) => c.notNull().references('holds.id'))
          .addColumn('status', 'varchar(10)', (c) => c.notNull().check(sql`status in ('pending','approved','expired')`))
          .addColumn('trade_date', 'varchar(10)', (c) => c.notNull())
          .addColumn('description', 'varchar(200)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('reviewed_at', 'varchar(30)')
          .addColumn('journal_entry_id', 'integer', (c) => c.references('journal_entries.id'))
          .execute();

        // 挂账: money that reached a market's summary account but not a member's sub-account.
        await db.schema
          .createTable('suspense_records')
          .addColumn(...idColumn)
          .addColumn('serial', 'varchar(20)', (c) => c.notNull().unique())
          .addColumn('market_id', 'integer', (c) => c.notNull().references('markets.id'))
          .addColumn(...money('amount'))
          .addColumn('payer_card_no', 'varchar(19)', (c) => c.notNull())
          .addColumn('payer_name', 'varchar(100)', (c) => c.notNull())
          .addColumn('reason', 'varchar(16)', (c) =>
            c.notNull().check(sql`reason in ('notSignedIn','marketRefused','unboundCard')`),
          )
          .addColumn('member_id', 'integer', (c) => c.references('members.id'))
          .addColumn('contract_id', 'integer', (c) => c.references('contracts.id'))
          .addColumn('status', 'varchar(12)', (c) =>
            c.notNull().check(sql`status in ('open','recredited','allocated')`),
          )
          .addColumn('business_date', 'varchar(10)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('resolved_at', 'varchar(30)')
          .addColumn('resolved_entry_id', 'integer', (c) => c.references('journal_entries.id'))
          .execute();

        // Single-party operations of the member system, with how each was verified.
        await db.schema
          .createTable('member_operations')
          .addColumn(...idColumn)
          .addColumn('serial', 'varchar(20)', (c) => c.notNull().unique())
          .addColumn('member_id', 'integer', (c) => c.notNull().references('members.id'))
          .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
          .addColumn('kind', 'varchar(20)', (c) => c.notNull())
          .addColumn('verified_by', 'varchar(8)', (c) => c.notNull().check(sql`verified_by in ('usbkey','otp')`))
          .addColumn('proof', 'text', (c) => c.notNull())
          .addColumn('payload', 'text', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .execute();

        await db.schema
          .alterTable('members')
          .addColumn('transfer_out_card_id', 'integer', (c) => c.references('cards.id'))
          .execute();

        // One-time codes (SMS): bound to the phone and the purpose, 120 s, 5 tries.
        await db.schema
          .createTable('otp_codes')
          .addColumn('id', 'varchar(32)', (c) => c.primaryKey())
          .addColumn('phone', 'varchar(20)', (c) => c.notNull())
          .addColumn('purpose', 'varchar(40)', (c) => c.notNull())
          .addColumn('code_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('expires_at', 'varchar(30)', (c) => c.notNull())
          .addColumn('tries', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('used_at', 'varchar(30)')
          .execute();
        await db.schema
          .createIndex('otp_codes_phone')
          .on('otp_codes')
          .columns(['phone', 'purpose', 'created_at'])
          .execute();

        await db.schema
          .createTable('sms_outbox')
          .addColumn(...idColumn)
          .addColumn('phone', 'varchar(20)', (c) => c.notNull())
          .addColumn('text', 'varchar(500)', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .execute();

        // Append-only audit, each record chained to the previous one by hash.
        await db.schema
          .createTable('audit_log')
          .addColumn(...idColumn)
          .addColumn('at', 'varchar(30)', (c) => c.notNull())
          .addColumn('actor', 'varchar(60)', (c) => c.notNull())
          .addColumn('action', 'varchar(40)', (c) => c.notNull())
          .addColumn('entity', 'varchar(40)', (c) => c.notNull())
          .addColumn('entity_id', 'varchar(40)', (c) => c.notNull())
          .addColumn('details', 'text', (c) => c.notNull())
          .addColumn('prev_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('hash', 'varchar(64)', (c) => c.notNull())
          .execute();
        // The chain's head: one row, locked by every writer of the chain, so the chain never forks.
        await db.schema
          .createTable('audit_head')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('last_id', 'integer', (c) => c.notNull())
          .addColumn('last_hash', 'varchar(64)', (c) => c.notNull())
          .execute();
        await db
          .insertInto('audit_head')
          .values({ id: 1, last_id: 0, last_hash: '0'.repeat(64) })
          .execute();
      },
    },
    '004_member_registration': {
      async up(db: AnyDb) {
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
          .addColumn('status', 'varchar(10)', (c) =>
            c.notNull().check(sql`status in ('pending','approved','rejected')`),
          )
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
    },
    '005_card_names_en': {
      async up(db: AnyDb) {
        // The English client shows a card's bank and branch in English too; kept
        // as recorded, like the Chinese names, so a later register change does
        // not rename a card the member already bound.
        await db.schema.alterTable('cards').addColumn('bank_name_en', 'varchar(100)').execute();
        await db.schema.alterTable('cards').addColumn('branch_name_en', 'varchar(150)').execute();
      },
    },
    '006_attempt_limits': {
      async up(db: AnyDb) {
        // One row per limited thing (a subject's card checks of a day, a phone's
        // code sends): attempts take a slot by a conditional upsert, so a burst
        // cannot read the same count and all pass.
        await db.schema
          .createTable('limit_counters')
          .addColumn('scope', 'varchar(20)', (c) => c.notNull())
          .addColumn('subject', 'varchar(80)', (c) => c.notNull())
          .addColumn('period', 'varchar(30)', (c) => c.notNull())
          .addColumn('used', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('updated_at', 'varchar(30)', (c) => c.notNull())
          .addPrimaryKeyConstraint('limit_counters_pk', ['scope', 'subject', 'period'])
          .execute();
        // Every attempt that was evaluated (a password, a code, a card check), right or wrong.
        await db.schema
          .createTable('auth_attempts')
          .addColumn(...idColumn)
          .addColumn('kind', 'varchar(20)', (c) => c.notNull())
          .addColumn('subject', 'varchar(80)', (c) => c.notNull())
          .addColumn('outcome', 'varchar(10)', (c) => c.notNull())
          .addColumn('at', 'varchar(30)', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('auth_attempts_subject').on('auth_attempts').columns(['kind', 'subject']).execute();
        // The card-check failures recorded so far carry over: counted today still, and kept as attempts.
        await sql`insert into limit_counters (scope, subject, period, used, updated_at)
                  select 'card-auth', subject, business_date, count(*), max(created_at)
                  from card_auth_failures group by subject, business_date`.execute(db);
        await sql`insert into auth_attempts (kind, subject, outcome, at)
                  select 'card-auth', subject, 'wrong', created_at from card_auth_failures order by id`.execute(db);
        await db.schema.dropTable('card_auth_failures').execute();
      },
    },
    '007_amount_bounds': {
      async up(db: AnyDb) {
        // Every money column stays within ±(2^53−1) fen, the last integer a
        // JavaScript number carries exactly, so whatever is stored reads back.
        // Balances are refused before they get there (ledger/post.ts); these
        // are the database's own word on it. Single amounts are stored within
        // the same range: their tighter request bound (MAX_FEN) is checked where
        // they enter, and rows written before it existed must still be readable.
        const max = String(Number.MAX_SAFE_INTEGER);
        const bounds: { table: string; name: string; check: (row: string) => string }[] = [
          {
            table: 'accounts',
            name: 'accounts_amount_bounds',
            check: (r) => `${r}balance between -${max} and ${max} and ${r}held between 0 and ${max}`,
          },
          // The contra accounts (other banks, the bank's funding) keep no row balance:
          // every incoming transfer passes through one, and its figure is the sum of its lines.
          {
            table: 'accounts',
            name: 'accounts_contra_keeps_no_balance',
            check: (r) => `${r}allow_negative = 0 or (${r}balance = 0 and ${r}held = 0)`,
          },
          { table: 'holds', name: 'holds_amount_bounds', check: (r) => `${r}amount <= ${max}` },
          {
            table: 'journal_lines',
            name: 'journal_lines_amount_bounds',
            check: (r) =>
              `${r}debit <= ${max} and ${r}credit <= ${max} and ` +
              `(${r}balance_after is null or ${r}balance_after between -${max} and ${max})`,
          },
          {
            table: 'instructions',
            name: 'instructions_amount_bounds',
            check: (r) => `${r}amount is null or ${r}amount between 0 and ${max}`,
          },
          {
            table: 'b2b_trades',
            name: 'b2b_trades_amount_bounds',
            check: (r) => `${r}amount between 0 and ${max} and ${r}fee between 0 and ${max}`,
          },
          {
            table: 'suspense_records',
            name: 'suspense_amount_bounds',
            check: (r) => `${r}amount between 0 and ${max}`,
          },
        ];

        // SQLite's triggers do not look at rows already there: no bound is added over a row that breaks it,
        // and nothing is changed before that is known. A contra row is not checked: what it kept is dropped below.
        for (const b of bounds) {
          if (b.name === 'accounts_contra_keeps_no_balance') continue;
          const contra = b.table === 'accounts' ? 'allow_negative = 0 and ' : '';
          const bad = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(b.table)}
                      where ${sql.raw(contra)}not (${sql.raw(b.check(''))})`.execute(db);
          if (Number(bad.rows[0]?.n ?? 0) > 0) {
            throw new Error(
              `007_amount_bounds: ${String(bad.rows[0].n)} row(s) of ${b.table} break ${b.name} ` +
                `(${b.check('')}); correct them with a journal entry, then migrate again`,
            );
          }
        }

        // What a contra row kept until now — possibly past any bound, the value that failed every
        // later read — is its lines' sum, and its lines keep it.
        await db.updateTable('accounts').set({ balance: 0, held: 0 }).where('allow_negative', '=', 1).execute();

        for (const b of bounds) {
          if (dialect === 'postgres') {
            await sql`alter table ${sql.table(b.table)} add constraint ${sql.id(b.name)} check (${sql.raw(b.check(''))})`.execute(
              db,
            );
            continue;
          }
          // SQLite cannot add a constraint to a table; triggers refuse the same rows, with the same message shape.
          for (const [event, when] of [
            ['insert', 'before insert'],
            ['update', 'before update'],
          ] as const) {
            await sql
              .raw(
                `create trigger ${b.name}_${event} ${when} on ${b.table} when not (${b.check('new.')}) ` +
                  `begin select raise(abort, 'CHECK constraint failed: ${b.name}'); end`,
              )
              .execute(db);
          }
        }
      },
    },
    '008_bank_keys_in_hsm': {
      async up(db: AnyDb) {
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
    },
  };
}

export async function migrateToLatest(store: { db: AnyDb; dialect: DialectName; schema?: string }): Promise<string[]> {
  const all = migrations(store.dialect);
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(all) };
  // Naming the schema matters on PostgreSQL: otherwise the migrator takes another
  // schema's migration tables for its own and skips creating them.
  const migrator = new Migrator({
    db: store.db,
    provider,
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Migrates up to and including `target`: the upgrade tests make a database as an older version left it. */
export async function migrateTo(
  store: { db: AnyDb; dialect: DialectName; schema?: string },
  target: string,
): Promise<void> {
  const migrator = new Migrator({
    db: store.db,
    provider: { getMigrations: () => Promise.resolve(migrations(store.dialect)) },
    ...(store.schema ? { migrationTableSchema: store.schema } : {}),
  });
  const { error } = await migrator.migrateTo(target);
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
