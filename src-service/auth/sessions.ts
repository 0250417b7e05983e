// Sessions: a random 256-bit token given once to the client; the service keeps
// only its SHA-256. Ten minutes without a request end it; logout ends it at once.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { AppError } from '../../src-shared/errors';
import type { Clock } from '../clock';
import type { SessionContext } from '../http/context';
import type { Database } from '../store/schema';
import { prepared, type Slots } from '../store/prepared';
import { atomically } from '../store/tx';
import type { AccessCache } from './access-cache';

export const IDLE_TIMEOUT_SECONDS = 600;
/** The bank's default ceiling on a desktop's PIN policy: a USB-KEY kept logged in at most this long. */
export const PIN_HOLD_MAX_MINUTES = 30;
const TOUCH_EVERY_MS = 15_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** What every request's guard reads: the session, its user and the access version, in one statement. */
const sessionWithUser = prepared((db, slot: Slots<{ tokenHash: string }>) =>
  db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .selectAll('users')
    .select([
      'sessions.last_seen_at as session_last_seen_at',
      'sessions.ended_at as session_ended_at',
      'sessions.end_reason as session_end_reason',
      'sessions.stage as session_stage',
      (eb) => eb.selectFrom('cache_versions').select('version').where('name', '=', 'access').as('access_version'),
    ])
    .where('sessions.token_hash', '=', slot.tokenHash),
);

export class Sessions {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly access: AccessCache,
  ) {}

  async start(
    userId: number,
    stage: 'certificate' | 'otp' | 'verified',
  ): Promise<{ token: string; tokenHash: string }> {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = hashToken(token);
    const now = this.clock.nowIso();
    await this.db
      .insertInto('sessions')
      .values({ token_hash: tokenHash, user_id: userId, created_at: now, last_seen_at: now, stage })
      .execute();
    return { token, tokenHash };
  }

  /**
   * Resolves a bearer token to its live session and marks it seen; an idle one
   * is ended. One statement reads the session, its user and the access version;
   * the permissions come from the instance's copy of that version.
   */
  async resume(token: string): Promise<SessionContext> {
    const tokenHash = hashToken(token);
    const row = await sessionWithUser.first(this.db, { tokenHash });
    if (!row) throw new AppError('AUTH_SESSION_REQUIRED');
    const {
      session_last_seen_at: lastSeenAt,
      session_ended_at: endedAt,
      session_end_reason: endReason,
      session_stage: stage,
      access_version: accessVersion,
      ...user
    } = row;
    if (endedAt !== null) {
      throw new AppError(endReason === 'idle' ? 'AUTH_SESSION_EXPIRED' : 'AUTH_SESSION_REQUIRED');
    }
    const now = this.clock.now();
    if (now.getTime() - Date.parse(lastSeenAt) > IDLE_TIMEOUT_SECONDS * 1000) {
      await this.end(tokenHash, 'idle');
      throw new AppError('AUTH_SESSION_EXPIRED');
    }
    if (user.status !== 'active') {
      await this.end(tokenHash, 'disabled');
      throw new AppError('AUTH_USER_DISABLED');
    }
    if (user.locked === 1) {
      await this.end(tokenHash, 'locked');
      throw new AppError('AUTH_USER_LOCKED');
    }
    // Marking the session seen is a write (an fsync on SQLite): once every 15 seconds is
    // precise enough for a ten-minute idle timeout.
    if (now.getTime() - Date.parse(lastSeenAt) > TOUCH_EVERY_MS) {
      await atomically(this.db, (trx) =>
        trx
          .updateTable('sessions')
          .set({ last_seen_at: now.toISOString() })
          .where('token_hash', '=', tokenHash)
          .where('ended_at', 'is', null)
          .execute(),
      );
    }
    const version = String(accessVersion);
    // Permissions are those of the version just read, so a revoked one stops working at once.
    return {
      tokenHash,
      user,
      stage,
      accessVersion: version,
      permissions: await this.access.permissionsOf(this.db, version, user.id),
    };
  }

  async markVerified(tokenHash: string): Promise<void> {
    await this.db.updateTable('sessions').set({ stage: 'verified' }).where('token_hash', '=', tokenHash).execute();
  }

  async end(tokenHash: string, reason: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ ended_at: this.clock.nowIso(), end_reason: reason })
      .where('token_hash', '=', tokenHash)
      .where('ended_at', 'is', null)
      .execute();
  }

  /** Ends every live session of a user (password reset, lock, closure). */
  async endAllOf(userId: number, reason: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ ended_at: this.clock.nowIso(), end_reason: reason })
      .where('user_id', '=', userId)
      .where('ended_at', 'is', null)
      .execute();
  }
}
