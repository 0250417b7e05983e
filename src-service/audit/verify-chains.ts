// The audit chains checked from the database alone, part of verify-audit.
// Each chain is walked in seq order: it starts at seq 1 from the genesis hash,
// has no gap, every record holds its predecessor's hash and hashes to its own,
// and its head names its last record. A record removed shows as a gap (or, the
// last one, as a head ahead of the chain); altered, as a hash that no longer
// matches; reordered or moved to another chain, as a hash computed for another
// position and a predecessor that does not match.
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema';
import { GENESIS_HASH, recordHash } from './hash';

export interface ChainReport {
  records: number;
  breaks: string[];
}

const PAGE_SIZE = 5000;

export async function verifyAuditChain(db: Kysely<Database>): Promise<ChainReport> {
  const heads = await db.selectFrom('audit_head').selectAll().orderBy('id').execute();
  const withRecords = await db.selectFrom('audit_log').select('chain').distinct().execute();
  const chains = [...new Set([...heads.map((h) => h.id), ...withRecords.map((r) => r.chain)])].sort((a, b) => a - b);
  const breaks: string[] = [];
  let records = 0;
  for (const chain of chains) {
    const end = await walkChain(db, chain, breaks);
    records += end.records;
    const head = heads.find((h) => h.id === chain);
    if (!head) breaks.push(`audit chain ${chain}: it has records but no head`);
    else if (head.last_seq !== end.seq || head.last_hash !== end.hash)
      breaks.push(
        `audit chain ${chain}: the head does not point at its last record (head at seq ${head.last_seq}, last record seq ${end.seq})`,
      );
  }
  return { records, breaks };
}

async function walkChain(
  db: Kysely<Database>,
  chain: number,
  breaks: string[],
): Promise<{ records: number; seq: number; hash: string }> {
  let prev = GENESIS_HASH;
  let expected = 1;
  let records = 0;
  for (let after = 0; ;) {
    const rows = await db
      .selectFrom('audit_log')
      .selectAll()
      .where('chain', '=', chain)
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(PAGE_SIZE)
      .execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      records += 1;
      const where = `(chain ${chain}, seq ${row.seq})`;
      if (row.seq > expected) {
        const gap = row.seq - 1 > expected ? `seqs ${expected}–${row.seq - 1} are` : `seq ${expected} is`;
        breaks.push(`audit chain ${chain}: ${gap} missing (the next record is seq ${row.seq})`);
      }
      if (row.prev_hash !== prev)
        breaks.push(`audit record ${row.id}: previous hash does not match its predecessor's ${where}`);
      if (recordHash(row.prev_hash, row.seq, row) !== row.hash)
        breaks.push(`audit record ${row.id}: its hash does not match its content ${where}`);
      prev = row.hash;
      expected = row.seq + 1;
      after = row.seq;
    }
  }
  return { records, seq: expected - 1, hash: prev };
}
