// The audit records a transaction has made and not yet written. They are kept
// in memory, keyed by the transaction object, until store/tx.ts writes them all
// at once just before the commit: the chain head is then held only from that
// write to the commit. A work that rolls back to its savepoint drops what it
// queued, so the log never tells of a change that was undone.
import type { Transaction } from 'kysely';
import type { Database } from '../store/schema';
import type { AuditContent } from './hash';

const queues = new WeakMap<Transaction<Database>, AuditContent[]>();

/**
 * Opens the transaction's queue unless one is open already. True when this
 * call opened it: the caller then writes it before the commit (flushAudit).
 */
export function openAuditQueue(trx: Transaction<Database>): boolean {
  if (queues.has(trx)) return false;
  queues.set(trx, []);
  return true;
}

/** False when no queue is open: the record must then be written at once. */
export function queueAudit(trx: Transaction<Database>, record: AuditContent): boolean {
  const queue = queues.get(trx);
  if (!queue) return false;
  queue.push(record);
  return true;
}

/** How many records are queued: the mark a savepoint rolls back to. */
export function auditMark(trx: Transaction<Database>): number {
  return queues.get(trx)?.length ?? 0;
}

/** A rollback to a savepoint: what was queued after its mark never happened. */
export function dropAuditAfter(trx: Transaction<Database>, mark: number): void {
  const queue = queues.get(trx);
  if (queue && queue.length > mark) queue.length = mark;
}

/** Hands over what was queued after the mark, leaving the records before it queued. */
export function takeAuditAfter(trx: Transaction<Database>, mark: number): AuditContent[] {
  const queue = queues.get(trx);
  return queue && queue.length > mark ? queue.splice(mark) : [];
}

/** Closes the queue and hands over what it holds; later records in the transaction are written at once. */
export function takeAuditQueue(trx: Transaction<Database>): AuditContent[] {
  const queue = queues.get(trx) ?? [];
  queues.delete(trx);
  return queue;
}
