// The raw baseline of bench:ledger: the rows one approved deposit writes,
// written straight to the database with nothing of the service in between, so
// the service's rate is compared with what the database can do with the same
// work. One transfer per transaction writes what src-service/ledger/post.ts and
// the audit log write for a posting:
//   - the journal entry;
//   - the two conditional balance updates, in account-id order, each refused
//     (and the transfer failed) if it would take the debited account below its
//     holds or the credited one past MAX_BALANCE, their RETURNING balances kept;
//   - the two journal lines, each carrying its account's balance after;
//   - one audit_log record, its SHA-256 computed here and chained to the
//     previous record's hash.
// It moves 1 fen from the enterprise's settlement account to the contract's
// detail sub-account: the pair every approval of the service run posts to, so
// the raw run waits on the same two hot rows the service does.
//
// The audit record goes into a chain of its own per connection (chain and seq
// columns, as migration 009 made them; the id is the database's), holding its
// predecessor's hash: the cost of hashing and inserting one record, without
// any head row that writers lock. The service flushes a transaction's records
// into one of several chains whose head it locks and moves; the baseline
// carries none of that, because a chain head is the service's cost to make
// cheap, and the record itself is what no design can avoid writing.
import BetterSqlite3 from 'better-sqlite3';
import { createHash } from 'node:crypto';
import pg from 'pg';
import { MAX_BALANCE } from '../src-shared/money';

/** Debited and credited account ids of the service run's deposits. */
export interface AccountPair {
  from: number;
  to: number;
}

/** Each transfer moves one fen, as each of the service run's deposits does. */
const AMOUNT = 1;
const KIND = 'rawDeposit';
/** Like the service's record of an executed instruction, so hashing and storing cost the same. */
const AUDIT = {
  actor: 'user:trade.reviewer',
  action: 'instruction.executed',
  entity: 'instruction',
  details: '{"from":"approved","kind":"deposit","note":null}',
};

/** Serials are unique in journal_entries; one counter for the whole bench process keeps every run's apart. */
let serials = 0;
const nextSerial = () => `RAW${(serials += 1)}`;

const GENESIS_HASH = '0'.repeat(64);

/** A chain of audit records: each holds the previous one's hash, and its hash covers its place. */
class AuditChain {
  private seq = 0;
  private prev = GENESIS_HASH;
  constructor(readonly chain: number) {}

  next(at: string, entityId: string) {
    this.seq += 1;
    const hash = createHash('sha256')
      .update(
        `${this.prev}\n${this.seq}\n${at}\n${AUDIT.actor}\n${AUDIT.action}\n${AUDIT.entity}\n${entityId}\n${AUDIT.details}`,
      )
      .digest('hex');
    const record = { chain: this.chain, seq: this.seq, prevHash: this.prev, hash };
    this.prev = hash;
    return record;
  }
}

function pgClient(setting: string): pg.Client {
  const url = new URL(setting);
  const schema = url.searchParams.get('schema');
  url.searchParams.delete('schema');
  return new pg.Client({
    connectionString: url.toString(),
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
}

const PG = {
  entry: `insert into journal_entries (serial, kind, business_date, created_at, memo, reference)
          values ($1, '${KIND}', $2, $3, '', $1) returning id`,
  debit: `update accounts set balance = balance - $1
          where id = $2 and status = 'open' and allow_negative = 0 and balance - held >= $1 returning balance`,
  credit: `update accounts set balance = balance + $1
           where id = $2 and status = 'open' and allow_negative = 0 and balance <= $3 returning balance`,
  lines: `insert into journal_lines (entry_id, account_id, debit, credit, balance_after, business_date, kind)
          values ($1, $2, $3, 0, $4, $5, '${KIND}'), ($1, $6, 0, $3, $7, $5, '${KIND}')`,
  audit: `insert into audit_log (chain, seq, at, actor, action, entity, entity_id, details, prev_hash, hash)
          values ($1, $2, $3, '${AUDIT.actor}', '${AUDIT.action}', '${AUDIT.entity}', $4, '${AUDIT.details}', $5, $6)`,
};

async function pgTransfer(c: pg.Client, pair: AccountPair, chain: AuditChain): Promise<void> {
  const at = new Date().toISOString();
  const day = at.slice(0, 10);
  const serial = nextSerial();
  await c.query('begin');
  try {
    const entry = await c.query(PG.entry, [serial, day, at]);
    const after = new Map<number, string>();
    // Id order, as post.ts takes them: two transfers never wait on each other in a cycle.
    for (const id of [pair.from, pair.to].sort((a, b) => a - b)) {
      const moved =
        id === pair.from
          ? await c.query(PG.debit, [AMOUNT, id])
          : await c.query(PG.credit, [AMOUNT, id, MAX_BALANCE - AMOUNT]);
      if (moved.rowCount !== 1) throw new Error(`raw transfer refused on account ${id}`);
      after.set(id, moved.rows[0].balance);
    }
    await c.query(PG.lines, [
      entry.rows[0].id,
      pair.from,
      AMOUNT,
      after.get(pair.from),
      day,
      pair.to,
      after.get(pair.to),
    ]);
    const record = chain.next(at, serial);
    await c.query(PG.audit, [record.chain, record.seq, at, serial, record.prevHash, record.hash]);
    await c.query('commit');
  } catch (error) {
    await c.query('rollback');
    throw error;
  }
}

/** The first chain number no record uses yet: the baseline's chains start there. */
const FREE_CHAIN = 'select coalesce(max(chain), 0) + 1 as chain from audit_log';

/**
 * Transfers per second over `connections` PostgreSQL connections, each running
 * one transfer per transaction in a loop until `transfers` are done.
 */
export async function rawPostgres(
  setting: string,
  pair: AccountPair,
  connections: number,
  transfers: number,
): Promise<number> {
  const clients = Array.from({ length: connections }, () => pgClient(setting));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    const first = Number((await clients[0].query(FREE_CHAIN)).rows[0].chain);
    const chains = clients.map((_, k) => new AuditChain(first + k));
    // Connections opened and the plans cached before the clock starts.
    await Promise.all(clients.map((c, k) => pgTransfer(c, pair, chains[k])));
    let left = transfers;
    const t0 = performance.now();
    await Promise.all(
      clients.map(async (c, k) => {
        while (left > 0) {
          left -= 1;
          await pgTransfer(c, pair, chains[k]);
        }
      }),
    );
    return (transfers * 1000) / (performance.now() - t0);
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

/**
 * Transfers per second by the one writer SQLite allows, with the service's
 * settings: WAL, synchronous=FULL (a commit is durable at its fsync), foreign keys checked.
 */
export function rawSqlite(file: string, pair: AccountPair, transfers: number): number {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    const entry = db.prepare(
      `insert into journal_entries (serial, kind, business_date, created_at, memo, reference)
       values (?, '${KIND}', ?, ?, '', ?) returning id`,
    );
    const debit = db.prepare(
      `update accounts set balance = balance - ?
       where id = ? and status = 'open' and allow_negative = 0 and balance - held >= ? returning balance`,
    );
    const credit = db.prepare(
      `update accounts set balance = balance + ?
       where id = ? and status = 'open' and allow_negative = 0 and balance <= ? returning balance`,
    );
    const lines = db.prepare(
      `insert into journal_lines (entry_id, account_id, debit, credit, balance_after, business_date, kind)
       values (?, ?, ?, 0, ?, ?, '${KIND}'), (?, ?, 0, ?, ?, ?, '${KIND}')`,
    );
    const audit = db.prepare(
      `insert into audit_log (chain, seq, at, actor, action, entity, entity_id, details, prev_hash, hash)
       values (?, ?, ?, '${AUDIT.actor}', '${AUDIT.action}', '${AUDIT.entity}', ?, '${AUDIT.details}', ?, ?)`,
    );
    const chain = new AuditChain((db.prepare(FREE_CHAIN).get() as { chain: number }).chain);
    const transfer = db.transaction(() => {
      const at = new Date().toISOString();
      const day = at.slice(0, 10);
      const serial = nextSerial();
      const entryId = (entry.get(serial, day, at, serial) as { id: number }).id;
      const after = new Map<number, number>();
      for (const id of [pair.from, pair.to].sort((a, b) => a - b)) {
        const moved = (
          id === pair.from ? debit.get(AMOUNT, id, AMOUNT) : credit.get(AMOUNT, id, MAX_BALANCE - AMOUNT)
        ) as { balance: number } | undefined;
        if (!moved) throw new Error(`raw transfer refused on account ${id}`);
        after.set(id, moved.balance);
      }
      lines.run(
        entryId,
        pair.from,
        AMOUNT,
        after.get(pair.from),
        day,
        entryId,
        pair.to,
        AMOUNT,
        after.get(pair.to),
        day,
      );
      const record = chain.next(at, serial);
      audit.run(record.chain, record.seq, at, serial, record.prevHash, record.hash);
    });
    for (let i = 0; i < 20; i++) transfer();
    const t0 = performance.now();
    for (let i = 0; i < transfers; i++) transfer();
    return (transfers * 1000) / (performance.now() - t0);
  } finally {
    db.close();
  }
}
