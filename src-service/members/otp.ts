// One-time codes sent by SMS: 6 digits, valid 120 seconds, 5 tries, a new one
// at most every 60 seconds, each bound to one phone and one purpose.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { AppError } from '../../src-shared/errors';
import type { ServiceContext } from '../context';
import { recordAttempt, takeTurn } from '../auth/limits';
import type { SmsGateway } from './sms';

export const OTP_TTL_SECONDS = 120;
export const OTP_RESEND_SECONDS = 60;
export const OTP_MAX_TRIES = 5;

function codeHash(id: string, code: string): string {
  return createHash('sha256').update(`${id}:${code}`).digest('hex');
}

export async function sendOtp(
  ctx: ServiceContext,
  sms: SmsGateway,
  input: { phone: string; purpose: string; describe: (code: string) => string },
): Promise<{ codeId: string; expiresInSeconds: number; resendInSeconds: number }> {
  const now = ctx.clock.now();
  // The turn is taken before the code exists: parallel requests cannot send two codes within the minute.
  const turn = await takeTurn(
    ctx.db,
    { scope: 'otp-send', subject: `${input.phone}|${input.purpose}` },
    OTP_RESEND_SECONDS,
    now,
  );
  if (!turn.ok) throw new AppError('OTP_RESEND_TOO_SOON', { seconds: turn.waitSeconds });
  const id = randomBytes(12).toString('hex');
  const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
  await ctx.db
    .insertInto('otp_codes')
    .values({
      id,
      phone: input.phone,
      purpose: input.purpose,
      code_hash: codeHash(id, code),
      created_at: now.toISOString(),
      expires_at: new Date(now.getTime() + OTP_TTL_SECONDS * 1000).toISOString(),
    })
    .execute();
  await sms.send(input.phone, input.describe(code));
  return { codeId: id, expiresInSeconds: OTP_TTL_SECONDS, resendInSeconds: OTP_RESEND_SECONDS };
}

/**
 * Uses the code up if it is right. Each try is counted before it is compared,
 * by the update that checks the limit, so the sixth of a burst is refused
 * without being compared at all.
 */
export async function verifyOtp(
  ctx: ServiceContext,
  input: { codeId: string; code: string; phone: string; purpose: string },
): Promise<void> {
  const now = ctx.clock.nowIso();
  const taken = await ctx.db
    .updateTable('otp_codes')
    .set((eb) => ({ tries: eb('tries', '+', 1) }))
    .where('id', '=', input.codeId)
    .where('phone', '=', input.phone)
    .where('purpose', '=', input.purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>=', now)
    .where('tries', '<', OTP_MAX_TRIES)
    .returning(['id', 'code_hash', 'tries'])
    .executeTakeFirst();
  if (!taken) {
    const row = await ctx.db.selectFrom('otp_codes').selectAll().where('id', '=', input.codeId).executeTakeFirst();
    const usable = row && row.phone === input.phone && row.purpose === input.purpose && row.used_at === null;
    if (usable && row.expires_at >= now && row.tries >= OTP_MAX_TRIES) throw new AppError('OTP_TOO_MANY_TRIES');
    throw new AppError('OTP_EXPIRED');
  }
  const right = taken.code_hash === codeHash(taken.id, input.code);
  await recordAttempt(ctx.db, { kind: 'otp', subject: taken.id, outcome: right ? 'right' : 'wrong', at: now });
  if (!right) {
    const left = OTP_MAX_TRIES - taken.tries;
    throw left > 0 ? new AppError('OTP_WRONG', { left }) : new AppError('OTP_TOO_MANY_TRIES');
  }
  const used = await ctx.db
    .updateTable('otp_codes')
    .set({ used_at: now })
    .where('id', '=', taken.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw new AppError('OTP_EXPIRED');
}
