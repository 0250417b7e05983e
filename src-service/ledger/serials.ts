// 流水号 (the business date and that day's sequence: 2026112700000042) and
// account numbers come from counters in the database.
//
// PostgreSQL: a service instance reserves a block of a day's serials at a time,
// in a short transaction of its own on another connection, and hands them out
// from memory. No request holds the day's counter row: several instances (and
// all the connections of one) take serials without waiting on each other.
// Gaps are allowed: a block's unused serials are lost when the instance stops,
// and a serial whose transaction rolls back is not reused — as a preview's
// serial never submitted was not before. A bank accepts them because a 流水号
// identifies one movement (unique, dated, searchable) and reconciliation
// matches movements by serial, never by counting; ordering within a day is by
// time, and serials of two instances interleave.
//
// SQLite: one writer at a time anyway (the group commit's transaction), so the
// counter is advanced in the caller's transaction, where it costs one statement
// and no wait, and a rollback gives the number back.
import type { Kysely, Transaction } from 'kysely';
import type { Store } from '../store/db';
import type { Database } from '../store/schema';

/** Serials an instance reserves at a time on PostgreSQL. */
export const SERIAL_BLOCK = 100;

export async function nextCounter(trx: Transaction<Database>, key: string): Promise<number> {
  return advance(trx, key, 1);
}

/** Advances a counter by `by` and returns its new last value (the block is last − by + 1 … last). */
async function advance(db: Kysely<Database>, key: string, by: number): Promise<number> {
  const row = await db
    .insertInto('serial_counters')
    .values({ day: key, last: by })
    .onConflict((oc) => oc.column('day').doUpdateSet((eb) => ({ last: eb('serial_counters.last', '+', by) })))
    .returning('last')
    .executeTakeFirstOrThrow();
  return row.last;
}

function format(businessDate: string, n: number): string {
  return `${businessDate.replace(/-/g, '')}${String(n).padStart(8, '0')}`;
}

interface Block {
  next: number;
  last: number;
}

export class SerialNumbers {
  private readonly blocks = new Map<string, Block>();
  /** One reservation per day at a time: requests arriving together share it. */
  private readonly reserving = new Map<string, Promise<Block>>();

  constructor(private readonly store: Pick<Store, 'autonomous'>) {}

  /** The next 流水号 of the business date, for work in `trx`. */
  async next(trx: Transaction<Database>, businessDate: string): Promise<string> {
    const autonomous = this.store.autonomous;
    if (!autonomous) return format(businessDate, await advance(trx, businessDate, 1));
    for (;;) {
      const block = this.blocks.get(businessDate) ?? (await this.reserve(autonomous, businessDate));
      if (block.next <= block.last) return format(businessDate, block.next++);
      if (this.blocks.get(businessDate) === block) this.blocks.delete(businessDate);
    }
  }

  /**
   * `count` 流水号 of the business date at once, in order (a batch's postings):
   * one reservation of their own, committed at once on PostgreSQL like a block.
   */
  async nextMany(trx: Transaction<Database>, businessDate: string, count: number): Promise<string[]> {
    if (count === 0) return [];
    const last = await advance(this.store.autonomous ?? trx, businessDate, count);
    return Array.from({ length: count }, (_, i) => format(businessDate, last - count + 1 + i));
  }

  private reserve(db: Kysely<Database>, businessDate: string): Promise<Block> {
    let pending = this.reserving.get(businessDate);
    if (!pending) {
      // Not in the caller's transaction: committed at once, whatever the caller does.
      pending = advance(db, businessDate, SERIAL_BLOCK)
        .then((last) => {
          const block = { next: last - SERIAL_BLOCK + 1, last };
          // Only today's block is kept; a day's end leaves the old one behind.
          this.blocks.clear();
          this.blocks.set(businessDate, block);
          return block;
        })
        .finally(() => this.reserving.delete(businessDate));
      this.reserving.set(businessDate, pending);
    }
    return pending;
  }
}
