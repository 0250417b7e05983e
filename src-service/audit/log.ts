// The append-only audit log: every state change leaves a record, committed
// with the change it describes. Records form 16 hash chains (audit_head holds
// each chain's last seq and hash): a record holds its predecessor's hash and is
// hashed with its position in its chain (./hash). appendAudit only queues the
// record on the transaction (./pending); store/tx.ts writes the queue just
// before the commit — one chain head locked, every record in one insert, the
// head moved on: three statements per transaction, however many records it made,
// and the head held only from that write to the commit. On PostgreSQL a
// transaction takes a head no one else holds (skip locked), so writers do not
// queue behind one row; SQLite has one writer and always uses chain 1.
// verify-audit walks every chain (./verify-chains).
import { sql, SqliteAdapter, type QueryCreator, type Transaction } from 'kysely';
import type { Database } from '../store/schema';
import { canonicalJson, recordHash, type AuditContent } from './hash';
import { queueAudit, takeAuditAfter, takeAuditQueue } from './pending';

export { canonicalJson, recordHash } from './hash';
export { verifyAuditChain, type ChainReport } from './verify-chains';

/** The chains (audit_head rows 1..16, made by migration 009). */
export const AUDIT_CHAINS = 16;
/** Rows per insert, well under either database's limit of bound parameters. */
const ROWS_PER_INSERT = 500;

export interface AuditInput {
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | number;
  details?: Record<string, unknown>;
}

/**
 * Records a change in the caller's transaction. The record's content (its time
 * included) is fixed now; it is written when the transaction's work is done. A
 * transaction that store/tx.ts did not open has no queue: the record is written at once.
 */
export async function appendAudit(trx: Transaction<Database>, input: AuditInput): Promise<void> {
  const record: AuditContent = {
    at: input.at,
    actor: input.actor,
    action: input.action,
    entity: input.entity,
    entity_id: String(input.entityId),
    details: canonicalJson(input.details ?? {}),
  };
  if (!queueAudit(trx, record)) await writeAudit(trx, [record]);
}

/** Writes what the transaction queued; the last thing a transaction does before its commit. */
export async function flushAudit(trx: Transaction<Database>): Promise<void> {
  const records = takeAuditQueue(trx);
  if (records.length > 0) await writeAudit(trx, records);
}

/**
 * PostgreSQL: writes now what the transaction queued after `mark`, so that the
 * rows written after this (an approval's account lines, see withLinesLast) are
 * held until the commit with no audit statements after them. A rollback to a
 * savepoint taken before the mark undoes these rows like any other. SQLite:
 * nothing — its one writer holds no row locks, and a group-committed batch
 * writes all its records in one go at its end.
 */
export async function writeAuditBeforeLastRows(trx: Transaction<Database>, mark: number): Promise<void> {
  if (trx.getExecutor().adapter instanceof SqliteAdapter) return;
  const records = takeAuditAfter(trx, mark);
  if (records.length > 0) await writeAudit(trx, records);
}

async function writeAudit(trx: Transaction<Database>, records: AuditContent[]): Promise<void> {
  const head = await lockHead(trx);
  let seq = head.last_seq;
  let prev = head.last_hash;
  const rows = records.map((record) => {
    seq += 1;
    const hash = recordHash(prev, seq, record);
    const row = { ...record, chain: head.id, seq, prev_hash: prev, hash };
    prev = hash;
    return row;
  });
  const moveHead = (db: QueryCreator<Database>) =>
    db.updateTable('audit_head').set({ last_seq: seq, last_hash: prev }).where('id', '=', head.id);
  const sqlite = trx.getExecutor().adapter instanceof SqliteAdapter;
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    const chunk = rows.slice(i, i + ROWS_PER_INSERT);
    // PostgreSQL: the head moves in the same statement as the last rows are
    // inserted (a data-modifying WITH), one round trip fewer; SQLite has no
    // such WITH, and no round trips to save.
    if (!sqlite && i + ROWS_PER_INSERT >= rows.length)
      await trx.with('moved', moveHead).insertInto('audit_log').values(chunk).execute();
    else await trx.insertInto('audit_log').values(chunk).execute();
  }
  if (sqlite) await moveHead(trx).execute();
}

// Each process starts its search for a free head one further on every time, so
// concurrent transactions rarely even look at the same head.
let turn = Math.floor(Math.random() * AUDIT_CHAINS);

/** Locks a chain head for the rest of the transaction; its seq and hash are then the chain's end. */
async function lockHead(trx: Transaction<Database>): Promise<{ id: number; last_seq: number; last_hash: string }> {
  if (trx.getExecutor().adapter instanceof SqliteAdapter) {
    // An update that changes nothing takes the write lock before the head is read.
    return trx
      .updateTable('audit_head')
      .set((eb) => ({ last_seq: eb.ref('last_seq') }))
      .where('id', '=', 1)
      .returning(['id', 'last_seq', 'last_hash'])
      .executeTakeFirstOrThrow();
  }
  const start = turn;
  turn = (turn + 1) % AUDIT_CHAINS;
  const free = await trx
    .selectFrom('audit_head')
    .select(['id', 'last_seq', 'last_hash'])
    .orderBy(sql`(id + ${AUDIT_CHAINS - 1 - start}) % ${AUDIT_CHAINS}`)
    .orderBy('id')
    .limit(1)
    .forUpdate()
    .skipLocked()
    .executeTakeFirst();
  if (free) return free;
  // Every head is held: wait for one, as every writer once waited for the only one.
  return trx
    .selectFrom('audit_head')
    .select(['id', 'last_seq', 'last_hash'])
    .where('id', '=', start + 1)
    .forUpdate()
    .executeTakeFirstOrThrow();
}
