// A market's request key is unique per market, across its operations: the
// market API answers a status query by key, and one market must never learn
// another's keys through a 409 — a key was unique per kind of event across all
// markets before. Keys that an earlier version let one market use twice (for
// two kinds of event) keep their first use; the later ones are renamed, still
// readable, so the new unique index can hold.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function marketRequestKeys(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await sql`
        update market_events set idempotency_key =
          substr(idempotency_key, 1, 30) || '#' || substr(kind, 1, 12) || '#' || cast(id as varchar(20))
        where exists (
          select 1 from market_events first
          where first.market_id = market_events.market_id
            and first.idempotency_key = market_events.idempotency_key
            and first.id < market_events.id)`.execute(db);
      if (dialect === 'postgres') {
        await sql`alter table market_events drop constraint market_events_idempotency`.execute(db);
      } else {
        // SQLite cannot drop a table's UNIQUE constraint: the table is made again without it.
        await db.schema
          .createTable('market_events_next')
          .addColumn(...id(dialect))
          .addColumn('market_id', 'integer', (c) => c.references('markets.id'))
          .addColumn('kind', 'varchar(24)', (c) => c.notNull())
          .addColumn('idempotency_key', 'varchar(64)', (c) => c.notNull())
          .addColumn('body_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('result', 'text', (c) => c.notNull())
          .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
          .execute();
        await sql`insert into market_events_next (id, market_id, kind, idempotency_key, body_hash, result, created_at)
          select id, market_id, kind, idempotency_key, body_hash, result, created_at from market_events`.execute(db);
        await db.schema.dropTable('market_events').execute();
        await db.schema.alterTable('market_events_next').renameTo('market_events').execute();
      }
      await db.schema
        .createIndex('market_events_request_key')
        .unique()
        .on('market_events')
        .columns(['market_id', 'idempotency_key'])
        .execute();
    },
  };
}
