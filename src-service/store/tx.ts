// Every change happens inside one transaction. When the caller is already in a
// transaction (an operation inside a larger one, or a test that rolls a whole
// sequence back), the work runs under a savepoint instead, so a refusal still
// undoes exactly its own writes. PostgreSQL deadlocks and serialization
// failures are retried; a SQLite connection is exclusive and never deadlocks.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from './schema';

let savepoints = 0;
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

export async function atomically<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) {
    const name = `sk_sp_${++savepoints}`;
    await sql.raw(`savepoint ${name}`).execute(db);
    try {
      const result = await work(db as Transaction<Database>);
      await sql.raw(`release savepoint ${name}`).execute(db);
      return result;
    } catch (error) {
      await sql.raw(`rollback to savepoint ${name}`).execute(db);
      await sql.raw(`release savepoint ${name}`).execute(db);
      throw error;
    }
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
      await new Promise((r) => setTimeout(r, 5 * attempt + Math.random() * 10));
    }
  }
}

/** A unique-index violation on either database: the row is there already. */
export function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return (
    e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e.message ?? '')
  );
}
