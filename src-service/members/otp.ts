// One-time codes sent by SMS: 6 digits, valid 120 seconds, 5 tries, a new one
// at most every 60 seconds, each bound to one phone and one purpose.
import { createHash, randomBytes, randomInt } from 'node:crypto';
import { AppError } from '../../src-shared/errors';
import type { ServiceContext } from '../context';
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
  const last = await ctx.db
    .selectFrom('otp_codes')
    .select('created_at')
    .where('phone', '=', input.phone)
    .where('purpose', '=', input.purpose)
    .orderBy('created_at', 'desc')
    .executeTakeFirst();
  if (last) {
    const wait = OTP_RESEND_SECONDS - Math.floor((now.getTime() - Date.parse(last.created_at)) / 1000);
    if (wait > 0) throw new AppError('OTP_RESEND_TOO_SOON', { seconds: wait });
  }
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

/** Uses the code up if it is right; a wrong one counts a try. */
export async function verifyOtp(
  ctx: ServiceContext,
  input: { codeId: string; code: string; phone: string; purpose: string },
): Promise<void> {
  const row = await ctx.db.selectFrom('otp_codes').selectAll().where('id', '=', input.codeId).executeTakeFirst();
  if (!row || row.phone !== input.phone || row.purpose !== input.purpose || row.used_at !== null)
    throw new AppError('OTP_EXPIRED');
  if (ctx.clock.nowIso() > row.expires_at) throw new AppError('OTP_EXPIRED');
  if (row.tries >= OTP_MAX_TRIES) throw new AppError('OTP_TOO_MANY_TRIES');
  if (row.code_hash !== codeHash(row.id, input.code)) {
    const counted = await ctx.db
      .updateTable('otp_codes')
      .set((eb) => ({ tries: eb('tries', '+', 1) }))
      .where('id', '=', row.id)
      .returning('tries')
      .executeTakeFirstOrThrow();
    const left = OTP_MAX_TRIES - counted.tries;
    throw left > 0 ? new AppError('OTP_WRONG', { left }) : new AppError('OTP_TOO_MANY_TRIES');
  }
  const used = await ctx.db
    .updateTable('otp_codes')
    .set({ used_at: ctx.clock.nowIso() })
    .where('id', '=', row.id)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(used.numUpdatedRows) !== 1) throw new AppError('OTP_EXPIRED');
}
