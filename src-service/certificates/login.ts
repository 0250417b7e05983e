// The USB-KEY half of a corporate login: which step the user is at, and the
// notice shown when the certificate runs out within 30 days.
import { RENEWAL_WINDOW_DAYS } from '../../src-shared/api/certificates';
import { AppError } from '../../src-shared/errors';
import type { CertificateNotice, CertificateStep } from '../../src-shared/api/auth';
import type { UserRow } from '../auth/users';
import type { ServiceContext } from '../context';
import { issueChallenge } from './signatures';

/** The notice and 证书更新 open together. */
export const EXPIRY_NOTICE_DAYS = RENEWAL_WINDOW_DAYS;

/** Corporate e-banking users and corporate members sign with a USB-KEY; individuals use SMS codes. */
export async function needsCertificate(ctx: ServiceContext, user: UserRow): Promise<boolean> {
  if (user.system === 'ebank') return true;
  if (user.member_id === null) return false;
  const member = await ctx.db
    .selectFrom('members')
    .select('member_type')
    .where('id', '=', user.member_id)
    .executeTakeFirst();
  return member?.member_type === 'corporate';
}

async function usableCertificates(ctx: ServiceContext, userId: number) {
  const now = ctx.clock.nowIso();
  return ctx.db
    .selectFrom('certificates')
    .selectAll()
    .where('user_id', '=', userId)
    .where('status', '!=', 'revoked')
    .where('not_before', '<=', now)
    .where('not_after', '>=', now)
    .orderBy('issued_at', 'desc')
    .execute();
}

/** The holder as the bank's records name them: the person and the enterprise (or corporate member) they act for. */
async function holderOf(ctx: ServiceContext, user: UserRow): Promise<CertificateStep['holder']> {
  const enterprise = user.enterprise_id
    ? await ctx.db
        .selectFrom('enterprises')
        .select(['name', 'name_en'])
        .where('id', '=', user.enterprise_id)
        .executeTakeFirst()
    : undefined;
  const member =
    !enterprise && user.member_id
      ? await ctx.db.selectFrom('members').select('name').where('id', '=', user.member_id).executeTakeFirst()
      : undefined;
  return {
    name: user.display_name,
    loginName: user.login_name,
    enterprise: enterprise?.name ?? member?.name ?? '',
    enterpriseEn: enterprise?.name_en || null,
  };
}

/** Sign-off while only issued certificates exist; signed login once one is activated. */
export async function certificateStepFor(ctx: ServiceContext, user: UserRow): Promise<CertificateStep> {
  const certs = await usableCertificates(ctx, user.id);
  const activated = certs.filter((c) => c.status === 'activated');
  if (activated.length > 0) {
    return {
      step: 'signIn',
      challenge: await issueChallenge(ctx, user.id, 'login'),
      serials: activated.map((c) => c.serial),
      issuedAt: ctx.clock.nowIso(),
      holder: await holderOf(ctx, user),
    };
  }
  const issued = certs.filter((c) => c.status === 'issued');
  if (issued.length > 0) {
    return {
      step: 'signOff',
      challenge: await issueChallenge(ctx, user.id, 'signOff'),
      serials: issued.map((c) => c.serial),
      issuedAt: ctx.clock.nowIso(),
      holder: await holderOf(ctx, user),
    };
  }
  throw new AppError('CERT_NONE_ISSUED');
}

export async function certificateNoticeFor(ctx: ServiceContext, userId: number): Promise<CertificateNotice | null> {
  const cert = (await usableCertificates(ctx, userId)).find((c) => c.status === 'activated');
  if (!cert) return null;
  const daysLeft = Math.floor((Date.parse(cert.not_after) - ctx.clock.now().getTime()) / 86_400_000);
  return daysLeft <= EXPIRY_NOTICE_DAYS ? { serial: cert.serial, notAfter: cert.not_after, daysLeft } : null;
}
