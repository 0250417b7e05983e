// 006, issue 10: limits that hold under parallel requests, and a record of every attempt.
import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../db';
import { id } from './dialect';

export function attemptLimits(dialect: DialectName): Migration {
  const idColumn = id(dialect);
  return {
    async up(db: Kysely<any>) {
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
  };
}
