// The outbox of notices to the markets (markets/notices.ts): written in the
// transaction of the event they tell of, delivered afterwards; and where each
// market receives them, which only bank staff set.
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function marketNotices(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('markets').addColumn('notice_url', 'varchar(500)').execute();
      await db.schema
        .createTable('market_notices')
        .addColumn(...id(dialect))
        .addColumn('market_id', 'integer', (c) => c.notNull().references('markets.id'))
        .addColumn('member_code', 'varchar(32)', (c) => c.notNull())
        .addColumn('kind', 'varchar(40)', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('next_attempt_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('lease_until', 'varchar(30)')
        .addColumn('delivered_at', 'varchar(30)')
        .addColumn('last_error', 'varchar(500)')
        .execute();
      await db.schema
        .createIndex('market_notices_due')
        .on('market_notices')
        .columns(['delivered_at', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('market_notices_line')
        .on('market_notices')
        .columns(['market_id', 'member_code', 'id'])
        .execute();
    },
  };
}
