// The market API's own records: each market's registered public keys (a
// market signs its requests, src-shared/market-signature.ts) and the nonces
// seen in the window a signature is accepted in, kept in the database so every
// service instance refuses a replay another instance already answered.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function marketKeys(dialect: DialectName): Migration {
  const idColumn = id(dialect);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('market_keys')
        .addColumn(...idColumn)
        .addColumn('key_id', 'varchar(80)', (c) => c.notNull().unique())
        .addColumn('market_id', 'integer', (c) => c.notNull().references('markets.id'))
        .addColumn('algorithm', 'varchar(24)', (c) =>
          c.notNull().check(sql`algorithm in ('ed25519','ecdsa-p256-sha256')`),
        )
        .addColumn('public_key', 'text', (c) => c.notNull())
        .addColumn('status', 'varchar(10)', (c) => c.notNull().check(sql`status in ('active','revoked')`))
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addColumn('revoked_at', 'varchar(30)')
        .execute();
      await db.schema.createIndex('market_keys_market').on('market_keys').columns(['market_id', 'status']).execute();
      await db.schema
        .createTable('market_nonces')
        .addColumn('market_id', 'integer', (c) => c.notNull().references('markets.id'))
        .addColumn('nonce', 'varchar(64)', (c) => c.notNull())
        .addColumn('seen_at', 'varchar(30)', (c) => c.notNull())
        .addPrimaryKeyConstraint('market_nonces_pk', ['market_id', 'nonce'])
        .execute();
      await db.schema.createIndex('market_nonces_seen').on('market_nonces').column('seen_at').execute();
    },
  };
}
