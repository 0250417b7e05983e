// A market's reconciliation file of a business day, stored the first time it is
// made: the unique row is what makes it once across service instances.
import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function reconciliationFiles(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('reconciliation_files')
        .addColumn(...id(dialect))
        .addColumn('market_id', 'integer', (c) => c.notNull().references('markets.id'))
        .addColumn('business_date', 'varchar(10)', (c) => c.notNull())
        .addColumn('file_name', 'varchar(80)', (c) => c.notNull())
        .addColumn('content', 'text', (c) => c.notNull())
        .addColumn('manifest', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .addColumn('certificate', 'text', (c) => c.notNull())
        .addColumn('created_at', 'varchar(30)', (c) => c.notNull())
        .addUniqueConstraint('reconciliation_files_day', ['market_id', 'business_date'])
        .execute();
    },
  };
}
