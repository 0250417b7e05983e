// Every change happens inside one transaction. When the caller is already in a
// transaction (an operation inside a larger one, or a test that rolls a whole
// sequence back), the work runs under a savepoint instead, so a refusal still
// undoes exactly its own writes. PostgreSQL deadlocks and serialization
// failures are retried. On SQLite, whose one connection writes one transaction
// at a time and pays one fsync per commit (synchronous=FULL), concurrent works
// are committed together: group commit.
//
// The audit records a transaction makes are queued on it (audit/pending) and
// written here, once, just before the commit — after a plain transaction's work,
// after the last work of a group-committed batch — so an audit chain's head is
// locked only from that write to the commit. A work that rolls back to its
// savepoint drops the records it queued. Over a transaction opened elsewhere, the
// outermost atomically writes its records before it releases its savepoint.
import { sql, SqliteAdapter, type Kysely, type Transaction } from 'kysely';
import { flushAudit } from '../audit/log';
import { auditMark, dropAuditAfter, openAuditQueue, takeAuditQueue } from '../audit/pending';
import type { Database } from './schema';

// SQLite: one savepoint name at every depth — both databases release and roll
// back to the most recent savepoint of a name, which is the innermost here (they
// nest strictly); a name per savepoint made every savepoint statement a new text,
// so SQLite compiled each one afresh and pushed reused statements out of its
// statement cache. PostgreSQL: a name per savepoint, never released — the commit
// releases them all, and a RELEASE is one round trip more for each work.
const SAVEPOINT = 'sk_sp';
let savepoints = 0;
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;
/**
 * The longest a group commit waits for works still arriving (ms). In bench:ledger
 * 1 and 2 ms gave the same rate at 32 clients; the shorter costs a lone request less.
 */
const GATHER_MS = 1;

export async function atomically<T>(
  db: Kysely<Database>,
  work: (trx: Transaction<Database>) => Promise<T>,
): Promise<T> {
  if (db.isTransaction) {
    const trx = db as Transaction<Database>;
    const ownsQueue = openAuditQueue(trx);
    const mark = auditMark(trx);
    const sqlite = trx.getExecutor().adapter instanceof SqliteAdapter;
    const name = sqlite ? SAVEPOINT : `${SAVEPOINT}_${++savepoints}`;
    await sql.raw(`savepoint ${name}`).execute(trx);
    try {
      const result = await work(trx);
      if (ownsQueue) await flushAudit(trx);
      if (sqlite) await sql.raw(`release savepoint ${name}`).execute(trx);
      return result;
    } catch (error) {
      await sql.raw(`rollback to savepoint ${name}`).execute(trx);
      if (sqlite) await sql.raw(`release savepoint ${name}`).execute(trx);
      if (ownsQueue) takeAuditQueue(trx);
      else dropAuditAfter(trx, mark);
      throw error;
    }
  }
  if (db.getExecutor().adapter instanceof SqliteAdapter) return groupCommitter(db).run(work);
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(async (trx) => {
        openAuditQueue(trx);
        const result = await work(trx);
        await flushAudit(trx);
        return result;
      });
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

interface Queued {
  work: (trx: Transaction<Database>) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/**
 * Runs the works that arrive while a commit is in progress together, each under
 * a savepoint of one transaction, and commits them with one fsync. Each caller
 * hears of its own result only after the commit; a work that fails rolls back
 * to its savepoint alone. At one client at a time this is a plain transaction.
 */
class GroupCommitter {
  private queue: Queued[] = [];
  private running = false;

  constructor(private readonly db: Kysely<Database>) {}

  run<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (v: unknown) => void, reject });
      // Start on the next turn of the event loop, so the works of requests that
      // arrived together share the commit.
      if (!this.running) {
        this.running = true;
        setImmediate(() => void this.drain());
      }
    });
  }

  /**
   * Requests that arrived together reach the queue over several turns of the
   * event loop (each reads its session, its signature is checked on the thread
   * pool): the batch waits while the queue still grows, for at most GATHER_MS.
   * A lone request waits for two quiet turns only.
   */
  private async gather(): Promise<void> {
    const until = performance.now() + GATHER_MS;
    for (let quiet = 0; quiet < 2 && performance.now() < until;) {
      const before = this.queue.length;
      await new Promise((resolve) => setImmediate(resolve));
      quiet = this.queue.length === before ? quiet + 1 : 0;
    }
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0) {
        await this.gather();
        const batch = this.queue.splice(0, 256);
        const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
        try {
          await this.db.transaction().execute(async (trx) => {
            openAuditQueue(trx);
            for (const item of batch) {
              const mark = auditMark(trx);
              const name = SAVEPOINT;
              await sql.raw(`savepoint ${name}`).execute(trx);
              try {
                const value = await item.work(trx);
                await sql.raw(`release savepoint ${name}`).execute(trx);
                outcomes.push({ ok: true, value });
              } catch (error) {
                await sql.raw(`rollback to savepoint ${name}`).execute(trx);
                await sql.raw(`release savepoint ${name}`).execute(trx);
                dropAuditAfter(trx, mark);
                outcomes.push({ ok: false, error });
              }
            }
            // The batch's audit records, written once, just before its one commit.
            await flushAudit(trx);
          });
        } catch (error) {
          // The commit itself failed: nothing of the batch happened.
          for (const item of batch) item.reject(error);
          continue;
        }
        batch.forEach((item, i) => {
          const outcome = outcomes[i];
          if (outcome.ok) item.resolve(outcome.value);
          else item.reject(outcome.error);
        });
      }
    } finally {
      this.running = false;
    }
  }
}

const committers = new WeakMap<Kysely<Database>, GroupCommitter>();

function groupCommitter(db: Kysely<Database>): GroupCommitter {
  let committer = committers.get(db);
  if (!committer) {
    committer = new GroupCommitter(db);
    committers.set(db, committer);
  }
  return committer;
}
