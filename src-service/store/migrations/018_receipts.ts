// The bank's receipts, signed the first time each is issued or viewed: one row
// per subject (the unique key is what makes it once across parallel first views
// and service instances), found again by the hash of its verification code.
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function receipts(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('receipts')
        .addColumn(...id(dialect))
        .addColumn('subject', 'varchar(80)', (c) => c.notNull().unique())
        .addColumn('code_hash', 'varchar(64)', (c) => c.notNull().unique())
        .addColumn('document', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'varchar(30)', (c) => c.notNull())
        .execute();
    },
  };
}
