// What makes the audit chains tamper-evident: a record's hash covers its
// predecessor's hash, its position in its chain and its content, so a record
// removed, altered or moved to another place no longer links to its neighbours.
import { createHash } from 'node:crypto';
import type { AuditLogTable } from '../store/schema';

/** The hash a chain's first record holds as its predecessor's. */
export const GENESIS_HASH = '0'.repeat(64);

/** The content of a record, as stored and as hashed. */
export type AuditContent = Pick<AuditLogTable, 'at' | 'actor' | 'action' | 'entity' | 'entity_id' | 'details'>;

/** JSON with sorted keys, so a record hashes the same wherever it is recomputed. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/**
 * `seq` is the record's position in its chain. Before chains existed it was the
 * record's id, and chain 1's records kept seq = id: their hashes stay valid as written.
 */
export function recordHash(prevHash: string, seq: number, record: AuditContent): string {
  return createHash('sha256')
    .update(
      `${prevHash}\n${seq}\n${record.at}\n${record.actor}\n${record.action}\n${record.entity}\n${record.entity_id}\n${record.details}`,
    )
    .digest('hex');
}
