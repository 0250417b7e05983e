// 流水号 and account numbers come from counters in the database. The counter row
// is taken first in a transaction (fixed lock order: counter, then accounts in
// id order, then the audit head), so two writers never wait on each other in a cycle.
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema';

export async function nextCounter(trx: Transaction<Database>, key: string): Promise<number> {
  const row = await trx
    .insertInto('serial_counters')
    .values({ day: key, last: 1 })
    .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ last: eb('serial_counters.last', '+', 1) })))
    .returning('last')
    .executeTakeFirstOrThrow();
  return row.last;
}

/** The business date and that day's sequence: 2026112700000042. */
export async function nextSerial(trx: Transaction<Database>, businessDate: string): Promise<string> {
  const n = await nextCounter(trx, businessDate);
  return `${businessDate.replace(/-/g, '')}${String(n).padStart(8, '0')}`;
}
