// 003, the settlement core: holds, contracts, maker-checker instructions, market events,
// suspense, member operations, one-time codes and the hash-chained audit.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function settlement(dialect: DialectName): Migration {
  const idColumn = id(dialect);
  return {
    async up(db: Kysely<any>) {
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
        .addColumn('status', 'varchar(12)', (c) => c.notNull().check(sql`status in ('open','recredited','allocated')`))
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
  };
}
