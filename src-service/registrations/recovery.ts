// 找回登录名和密码: who the member is (certificate and registered phone for a
// corporate member; identity and bound card, authenticated, for an
// individual), proven with an SMS code. The login name is shown, the password
// becomes a new random one sent by SMS, the lock is cleared, and the next
// login forces a change.
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { CorporateRecovery, IndividualRecovery, RecoveryResult } from '../../src-shared/api/registration';
import { AppError } from '../../src-shared/errors';
import { appendAudit } from '../audit/log';
import { hashPassword, randomInitialPassword } from '../auth/passwords';
import type { ServiceContext } from '../context';
import { askCardNetwork } from '../members/cards';
import { verifyOtp } from '../members/otp';
import { maskPhone } from '../members/verification';
import type { Database } from '../store/schema';
import { atomically } from '../store/tx';
import { publicPurpose } from './service';

async function memberUser(db: Kysely<Database>, memberId: number) {
  const user = await db
    .selectFrom('users')
    .select(['id', 'login_name'])
    .where('member_id', '=', memberId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!user) throw new AppError('RECOVERY_NO_MATCH');
  return user;
}

async function resetAndTell(ctx: ServiceContext, user: { id: number; login_name: string }, phone: string) {
  const password = randomInitialPassword();
  const hash = await hashPassword(password);
  await atomically(ctx.db, async (trx) => {
    await trx
      .updateTable('users')
      .set({ password_hash: hash, must_change_password: 1, locked: 0, failed_attempts: 0 })
      .where('id', '=', user.id)
      .execute();
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: `phone:${maskPhone(phone)}`,
      action: 'member.recovered',
      entity: 'user',
      entityId: user.id,
      details: { loginName: user.login_name },
    });
  });
  await ctx.sessions.endAllOf(user.id, 'password-reset');
  await ctx.sms.send(
    phone,
    `【SettleKey 演示银行】您的登录名为 ${user.login_name}，登录密码已重置为 ${password}，登录后须修改密码。`,
  );
  return { loginName: user.login_name, phone: maskPhone(phone) };
}

export async function recoverCorporate(
  ctx: ServiceContext,
  input: z.output<typeof CorporateRecovery>,
): Promise<RecoveryResult> {
  await verifyOtp(ctx, { ...input.otp, phone: input.phone, purpose: publicPurpose('recover') });
  const member = await ctx.db
    .selectFrom('members')
    .select(['id', 'phone'])
    .where('member_type', '=', 'corporate')
    .where('cert_type', '=', input.certType)
    .where('cert_no', '=', input.certNo)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!member || member.phone !== input.phone) throw new AppError('RECOVERY_NO_MATCH');
  return resetAndTell(ctx, await memberUser(ctx.db, member.id), input.phone);
}

export async function recoverIndividual(
  ctx: ServiceContext,
  input: z.output<typeof IndividualRecovery>,
): Promise<RecoveryResult> {
  await verifyOtp(ctx, { ...input.otp, phone: input.phone, purpose: publicPurpose('recover') });
  const member = await ctx.db
    .selectFrom('members')
    .select(['id', 'phone', 'name'])
    .where('member_type', '=', 'individual')
    .where('cert_type', '=', 'ID')
    .where('cert_no', '=', input.idNo)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!member || member.name !== input.name || member.phone !== input.phone) throw new AppError('RECOVERY_NO_MATCH');
  const card = await ctx.db
    .selectFrom('cards')
    .select('id')
    .where('member_id', '=', member.id)
    .where('card_no', '=', input.cardNo)
    .where('status', '=', 'active')
    .executeTakeFirst();
  if (!card) throw new AppError('RECOVERY_NO_MATCH');
  await askCardNetwork(ctx, {
    subject: `phone:${input.phone}`,
    holder: input.name,
    certNo: input.idNo,
    cardNo: input.cardNo,
    bankCode: input.bankCode,
    phone: input.phone,
  });
  return resetAndTell(ctx, await memberUser(ctx.db, member.id), input.phone);
}
