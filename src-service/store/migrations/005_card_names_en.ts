// 005, member pages in the user's language: a card's bank and branch in English.
import type { Kysely, Migration } from 'kysely';

export function cardNamesEn(): Migration {
  return {
    async up(db: Kysely<any>) {
      // The English client shows a card's bank and branch in English too; kept
      // as recorded, like the Chinese names, so a later register change does
      // not rename a card the member already bound.
      await db.schema.alterTable('cards').addColumn('bank_name_en', 'varchar(100)').execute();
      await db.schema.alterTable('cards').addColumn('branch_name_en', 'varchar(150)').execute();
    },
  };
}
