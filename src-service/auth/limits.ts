// Limits on attempts (card checks a day, code sends a minute) and the record of
// attempts evaluated. "May this attempt be evaluated?" is answered by the same
// statement that counts it: a conditional upsert that returns a row only when a
// slot was free. Reading a count first and writing it after the slow part let a
// burst of parallel requests all read the same count and all pass.
import type { Kysely } from 'kysely';
import type { AttemptKind, Database } from '../store/schema';

export interface LimitKey {
  scope: string;
  subject: string;
  /** The period the limit counts in (a business date); '' for a time-spaced turn. */
  period: string;
}

/**
 * Takes one of `limit` slots of the key: the number taken (1…limit), or null
 * when all are in use. A slot taken for an attempt that turns out not to count
 * (a right answer) is given back with `giveBackSlot`.
 */
export async function takeSlot(db: Kysely<Database>, key: LimitKey, limit: number, at: string): Promise<number | null> {
  const row = await db
    .insertInto('limit_counters')
    .values({ ...key, used: 1, updated_at: at })
    .onConflict((oc) =>
      oc
        .columns(['scope', 'subject', 'period'])
        .doUpdateSet((eb) => ({ used: eb('limit_counters.used', '+', 1), updated_at: at }))
        .where('limit_counters.used', '<', limit),
    )
    .returning('used')
    .executeTakeFirst();
  return row ? row.used : null;
}

export async function giveBackSlot(db: Kysely<Database>, key: LimitKey): Promise<void> {
  await db
    .updateTable('limit_counters')
    .set((eb) => ({ used: eb('used', '-', 1) }))
    .where('scope', '=', key.scope)
    .where('subject', '=', key.subject)
    .where('period', '=', key.period)
    .where('used', '>', 0)
    .execute();
}

export async function slotsUsed(db: Kysely<Database>, key: LimitKey): Promise<number> {
  const row = await db
    .selectFrom('limit_counters')
    .select('used')
    .where('scope', '=', key.scope)
    .where('subject', '=', key.subject)
    .where('period', '=', key.period)
    .executeTakeFirst();
  return row?.used ?? 0;
}

/**
 * Takes the subject's turn when the last one is at least `spacingSeconds` old:
 * null and the seconds still to wait otherwise. Two parallel requests cannot
 * both take it.
 */
export async function takeTurn(
  db: Kysely<Database>,
  key: { scope: string; subject: string },
  spacingSeconds: number,
  now: Date,
): Promise<{ ok: true } | { ok: false; waitSeconds: number }> {
  const at = now.toISOString();
  const cutoff = new Date(now.getTime() - spacingSeconds * 1000).toISOString();
  const row = await db
    .insertInto('limit_counters')
    .values({ ...key, period: '', used: 1, updated_at: at })
    .onConflict((oc) =>
      oc
        .columns(['scope', 'subject', 'period'])
        .doUpdateSet((eb) => ({ used: eb('limit_counters.used', '+', 1), updated_at: at }))
        .where('limit_counters.updated_at', '<=', cutoff),
    )
    .returning('used')
    .executeTakeFirst();
  if (row) return { ok: true };
  const last = await db
    .selectFrom('limit_counters')
    .select('updated_at')
    .where('scope', '=', key.scope)
    .where('subject', '=', key.subject)
    .where('period', '=', '')
    .executeTakeFirst();
  const since = last ? Math.floor((now.getTime() - Date.parse(last.updated_at)) / 1000) : spacingSeconds - 1;
  return { ok: false, waitSeconds: Math.max(1, spacingSeconds - since) };
}

/** Records an attempt that was evaluated, so what was tried can be counted afterwards. */
export async function recordAttempt(
  db: Kysely<Database>,
  attempt: { kind: AttemptKind; subject: string | number; outcome: 'right' | 'wrong'; at: string },
): Promise<void> {
  await db
    .insertInto('auth_attempts')
    .values({ kind: attempt.kind, subject: String(attempt.subject), outcome: attempt.outcome, at: attempt.at })
    .execute();
}
