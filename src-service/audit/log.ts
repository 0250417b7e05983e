// The append-only audit log: every state change writes a record holding the
// previous record's hash. The head row is locked by each writer (last, in the
// fixed lock order), so concurrent transactions append one after the other and
// the chain never forks; a record and the change it describes commit together.
import { createHash } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../store/schema';

export interface AuditInput {
  at: string;
  actor: string;
  action: string;
  entity: string;
  entityId: string | number;
  details?: Record<string, unknown>;
}

/** JSON with sorted keys, so a record hashes the same wherever it is recomputed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function recordHash(
  prevHash: string,
  id: number,
  record: { at: string; actor: string; action: string; entity: string; entity_id: string; details: string },
): string {
  return createHash('sha256')
    .update(
      `${prevHash}\n${id}\n${record.at}\n${record.actor}\n${record.action}\n${record.entity}\n${record.entity_id}\n${record.details}`,
    )
    .digest('hex');
}

export async function appendAudit(trx: Transaction<Database>, input: AuditInput): Promise<void> {
  // An update that changes nothing takes the row lock (PostgreSQL) on either database.
  const head = await trx
    .updateTable('audit_head')
    .set((eb) => ({ last_id: eb.ref('last_id') }))
    .where('id', '=', 1)
    .returning(['last_id', 'last_hash'])
    .executeTakeFirstOrThrow();
  const id = head.last_id + 1;
  const record = {
    at: input.at,
    actor: input.actor,
    action: input.action,
    entity: input.entity,
    entity_id: String(input.entityId),
    details: canonicalJson(input.details ?? {}),
  };
  const hash = recordHash(head.last_hash, id, record);
  await trx
    .insertInto('audit_log')
    .values({ id, ...record, prev_hash: head.last_hash, hash })
    .execute();
  await trx.updateTable('audit_head').set({ last_id: id, last_hash: hash }).where('id', '=', 1).execute();
}

export interface ChainReport {
  records: number;
  breaks: string[];
}

/** Walks the chain from the first record: each must hold its predecessor's hash and hash to its own. */
export async function verifyAuditChain(db: Kysely<Database>): Promise<ChainReport> {
  const breaks: string[] = [];
  let prev = '0'.repeat(64);
  let expectedId = 1;
  let records = 0;
  const pageSize = 5000;
  for (let after = 0; ;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('id', '>', after)
      .orderBy('id')
      .limit(pageSize)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      records += 1;
      if (row.id !== expectedId) breaks.push(`audit record ${expectedId} is missing (found ${row.id})`);
      if (row.prev_hash !== prev)
        breaks.push(`audit record ${row.id}: previous hash does not match record ${row.id - 1}`);
      if (recordHash(row.prev_hash, row.id, row) !== row.hash)
        breaks.push(`audit record ${row.id}: its hash does not match its content`);
      prev = row.hash;
      expectedId = row.id + 1;
      after = row.id;
    }
  }
  const head = await db.selectFrom('audit_head').selectAll().where('id', '=', 1).executeTakeFirst();
  if (head && (head.last_id !== expectedId - 1 || head.last_hash !== prev))
    breaks.push('the audit head does not point at the last record');
  return { records, breaks };
}
