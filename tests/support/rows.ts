// How many rows a table holds: what the tests compare before and after a request.
import type { Kysely } from 'kysely';
import type { Database } from '../../src-service/store/schema';

export async function rowCount(db: Kysely<Database>, table: keyof Database): Promise<number> {
  const row = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
