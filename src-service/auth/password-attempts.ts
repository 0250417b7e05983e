// Password checks against the lockout: five wrong passwords lock a user. The
// attempt is counted by the same update that checks the user still has
// attempts left, before the slow comparison — a burst of parallel guesses
// cannot all read "four so far" and all be compared.
import type { Kysely } from 'kysely';
import { AppError } from '../../src-shared/errors';
import type { ServiceContext } from '../context';
import type { Database } from '../store/schema';
import { recordAttempt } from './limits';
import { verifyPassword } from './passwords';
import type { UserRow } from './users';

export const MAX_PASSWORD_ATTEMPTS = 5;

/**
 * Evaluates one password attempt of the user. A wrong one throws `wrong(left)`,
 * or AUTH_USER_LOCKED when it was the last (the user's sessions end); an
 * attempt with none left throws AUTH_USER_LOCKED without being compared.
 */
export async function checkPassword(
  ctx: Pick<ServiceContext, 'db' | 'clock' | 'sessions'>,
  user: Pick<UserRow, 'id' | 'password_hash'>,
  password: string,
  wrong: (left: number) => AppError,
): Promise<void> {
  const place = await takePasswordAttempt(ctx.db, user.id);
  if (place === null) throw new AppError('AUTH_USER_LOCKED');
  const right = await verifyPassword(password, user.password_hash);
  await recordAttempt(ctx.db, {
    kind: 'password',
    subject: user.id,
    outcome: right ? 'right' : 'wrong',
    at: ctx.clock.nowIso(),
  });
  if (right) return forgiveAttempts(ctx.db, user.id, place);
  if (await lockIfExhausted(ctx.db, user.id)) {
    await ctx.sessions.endAllOf(user.id, 'locked');
    throw new AppError('AUTH_USER_LOCKED');
  }
  throw wrong(MAX_PASSWORD_ATTEMPTS - place);
}

/**
 * Takes a password attempt of the user before the password is compared: the
 * count goes up by the same update that checks the user is not locked and has
 * attempts left. Null: none left, the attempt is not evaluated. The number is
 * the attempt's place among those not yet forgiven by a right password.
 */
async function takePasswordAttempt(db: Kysely<Database>, userId: number): Promise<number | null> {
  const row = await db
    .updateTable('users')
    .set((eb) => ({ failed_attempts: eb('failed_attempts', '+', 1) }))
    .where('id', '=', userId)
    .where('locked', '=', 0)
    .where('failed_attempts', '<', MAX_PASSWORD_ATTEMPTS)
    .returning('failed_attempts')
    .executeTakeFirst();
  return row ? row.failed_attempts : null;
}

/**
 * A wrong password stays counted; the user is locked once the count reaches
 * the limit (a right password in between may have forgiven earlier attempts).
 */
async function lockIfExhausted(db: Kysely<Database>, userId: number): Promise<boolean> {
  const row = await db
    .updateTable('users')
    .set({ locked: 1 })
    .where('id', '=', userId)
    .where('failed_attempts', '>=', MAX_PASSWORD_ATTEMPTS)
    .returning('id')
    .executeTakeFirst();
  return row !== undefined;
}

/**
 * A right password forgives its own attempt and those taken before it; attempts
 * of the same burst taken after it stay counted. A wrong one of the burst may
 * have locked the user on a count that included those forgiven ones: the same
 * update lifts that lock: at most the limit is ever counted, so fewer are left
 * (and a lock is only ever set by lockIfExhausted, so no other is lifted).
 */
async function forgiveAttempts(db: Kysely<Database>, userId: number, place: number): Promise<void> {
  await db
    .updateTable('users')
    .set((eb) => ({
      failed_attempts: eb
        .case()
        .when('failed_attempts', '>', place)
        .then(eb('failed_attempts', '-', place))
        .else(0)
        .end(),
      locked: 0,
    }))
    .where('id', '=', userId)
    .execute();
}
