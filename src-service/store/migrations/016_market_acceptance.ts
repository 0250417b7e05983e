// Where a market answers whether it accepts a transfer from another bank's card
// for one of its members (markets/acceptance.ts); set by bank staff only.
import type { Kysely, Migration } from 'kysely';

export function marketAcceptance(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('markets').addColumn('acceptance_url', 'varchar(500)').execute();
    },
  };
}
