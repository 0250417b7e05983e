// Login, password change, session keep-alive and logout.
import type { FastifyInstance } from 'fastify';

import type { MemberType, SystemKind } from '../../src-shared/api/auth';
import { AppError, sharedWord } from '../../src-shared/errors';
import { authRoutes as table } from '../../src-shared/routes/auth';
import { activateCertificate } from '../certificates/issue';
import { certificateNoticeFor, certificateStepFor, needsCertificate } from '../certificates/login';
import { verifySigned } from '../certificates/signatures';
import type { ServiceContext } from '../context';
import type { SessionContext } from '../http/context';
import { requireSession } from '../http/guard';
import { registerRoutes } from '../http/routes';
import { sendOtp, verifyOtp } from '../members/otp';
import { maskPhone } from '../members/verification';
import { hashPassword, verifyPassword } from './passwords';
import { IDLE_TIMEOUT_SECONDS, PIN_HOLD_MAX_MINUTES } from './sessions';
import { checkPassword } from './password-attempts';
import { buildProfile, findUserByLoginName, permissionsOf, type UserRow } from './users';

const LOGIN_OTP_PURPOSE = 'login:first';

export function authRoutes(ctx: ServiceContext) {
  const { db, clock, captchas, sessions } = ctx;
  const pinHoldMaxMinutes = ctx.options.pinHoldMaxMinutes ?? PIN_HOLD_MAX_MINUTES;
  /** The session as the client sees it: profile, and the USB-KEY step or notice. */
  async function sessionReply(session: SessionContext) {
    const certificateStep = session.stage === 'certificate' ? await certificateStepFor(ctx, session.user) : null;
    const otpStep = session.stage === 'otp' ? { phone: maskPhone(await memberPhone(session.user)) } : null;
    return {
      profile: await buildProfile(db, session.user, session.permissions),
      idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
      pinHoldMaxMinutes,
      certificateStep,
      otpStep,
      certificateNotice: certificateStep || otpStep ? null : await certificateNoticeFor(ctx, session.user.id),
    };
  }

  async function memberOf(user: UserRow) {
    if (!user.member_id) return null;
    return db.selectFrom('members').selectAll().where('id', '=', user.member_id).executeTakeFirst();
  }

  async function memberPhone(user: UserRow): Promise<string> {
    const member = await memberOf(user);
    if (!member) throw new AppError('FORBIDDEN');
    return member.phone;
  }

  /** The login page's choice of system and member type must be the user's. */
  async function checkSystem(user: UserRow, system?: SystemKind, memberType?: MemberType) {
    const member = await memberOf(user);
    const actual = { system: user.system, memberType: member?.member_type };
    const wrongSystem = system !== undefined && system !== actual.system;
    const wrongType = memberType !== undefined && actual.system === 'member' && memberType !== actual.memberType;
    if (!wrongSystem && !wrongType) return;
    const belongsTo =
      actual.system === 'ebank' ? 'ebank' : actual.memberType === 'corporate' ? 'memberCorporate' : 'memberIndividual';
    throw new AppError('AUTH_WRONG_SYSTEM', { system: sharedWord('loginSystem', belongsTo) });
  }

  /**
   * An individual member's first login (and the first after a password reset)
   * is proven with an SMS code to the registered phone: until the password is
   * changed, the code is asked again, so abandoning the step skips nothing.
   */
  async function needsOtp(user: UserRow): Promise<boolean> {
    if (user.must_change_password !== 1) return false;
    const member = await memberOf(user);
    return member?.member_type === 'individual';
  }

  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'auth.captcha': () => captchas.create(),

      'auth.login': async (request) => {
        const { loginName, password, captchaId, captchaAnswer, system, memberType } = request.body;
        await captchas.check(captchaId, captchaAnswer);
        const user = await findUserByLoginName(db, loginName);
        if (!user) {
          // Same work as a real check, so timing does not tell which names exist.
          await verifyPassword(password, DUMMY_HASH);
          throw new AppError('AUTH_BAD_CREDENTIALS');
        }
        if (user.status !== 'active') throw new AppError('AUTH_USER_DISABLED');
        await checkPassword(ctx, user, password, (left) => new AppError('AUTH_BAD_PASSWORD', { left }));
        await checkSystem(user, system, memberType);
        // A corporate user's login is not complete until the USB-KEY step; an individual's first, until the SMS code.
        const certificateStep = (await needsCertificate(ctx, user)) ? await certificateStepFor(ctx, user) : null;
        const otpStep =
          !certificateStep && (await needsOtp(user)) ? { phone: maskPhone(await memberPhone(user)) } : null;
        const previousLogin = user.last_login_at;
        await db.updateTable('users').set({ last_login_at: clock.nowIso() }).where('id', '=', user.id).execute();
        const { token } = await sessions.start(user.id, certificateStep ? 'certificate' : otpStep ? 'otp' : 'verified');
        const profile = await buildProfile(db, user, await permissionsOf(db, user.id), previousLogin);
        request.log.info({ userId: user.id, certificateStep: certificateStep?.step ?? null }, 'login');
        return {
          token,
          profile,
          idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
          pinHoldMaxMinutes,
          certificateStep,
          otpStep,
        };
      },

      'auth.certificate': async (request) => {
        const session = requireSession(request);
        if (session.stage === 'verified') throw new AppError('CONFLICT');
        const { step, signature } = request.body;
        const expected = await certificateStepFor(ctx, session.user);
        // The step is the service's to decide: a client cannot sign off a second certificate by asking.
        if (step !== expected.step) throw new AppError('CERT_ALREADY_ACTIVATED');
        const cert = await verifySigned(ctx, {
          userId: session.user.id,
          purpose: step === 'signOff' ? 'signOff' : 'login',
          envelope: signature,
          need: step === 'signOff' ? 'issued' : 'activated',
          payload: (env) => ({
            kind: step === 'signOff' ? 'signOff' : 'login',
            loginName: session.user.login_name,
            certSerial: env.certSerial,
            challenge: env.challenge,
            time: env.time,
          }),
        });
        if (step === 'signOff') await activateCertificate(db, cert.id, clock.nowIso());
        await sessions.markVerified(session.tokenHash);
        request.log.info({ userId: session.user.id, serial: cert.serial, step }, 'certificate verified');
        return sessionReply({ ...session, stage: 'verified' });
      },

      'auth.otpSend': async (request) => {
        const session = requireSession(request);
        if (session.stage !== 'otp') throw new AppError('CONFLICT');
        const phone = await memberPhone(session.user);
        const sent = await sendOtp(ctx, ctx.sms, {
          phone,
          purpose: LOGIN_OTP_PURPOSE,
          describe: (code) => `【SettleKey 演示银行】动态码 ${code}，用于首次登录验证，120 秒内有效，请勿告诉他人。`,
        });
        return { ...sent, phone: maskPhone(phone) };
      },

      'auth.otp': async (request) => {
        const session = requireSession(request);
        if (session.stage !== 'otp') throw new AppError('CONFLICT');
        await verifyOtp(ctx, { ...request.body, phone: await memberPhone(session.user), purpose: LOGIN_OTP_PURPOSE });
        await sessions.markVerified(session.tokenHash);
        return sessionReply({ ...session, stage: 'verified' });
      },

      'auth.changePassword': async (request) => {
        const session = requireSession(request);
        const { oldPassword, newPassword, confirmPassword } = request.body;
        if (newPassword !== confirmPassword) throw new AppError('AUTH_PASSWORD_MISMATCH');
        await checkPassword(ctx, session.user, oldPassword, () => new AppError('AUTH_OLD_PASSWORD_WRONG'));
        if (newPassword === oldPassword) throw new AppError('AUTH_PASSWORD_REUSED');
        const hash = await hashPassword(newPassword);
        await db
          .updateTable('users')
          .set({ password_hash: hash, must_change_password: 0 })
          .where('id', '=', session.user.id)
          .execute();
        const user = { ...session.user, password_hash: hash, must_change_password: 0 };
        return buildProfile(db, user, session.permissions);
      },

      'auth.session': (request) => sessionReply(requireSession(request)),

      'auth.logout': async (request) => {
        await sessions.end(requireSession(request).tokenHash, 'logout');
        return { ok: true as const };
      },
    });
}

/** A hash of nothing anyone can type, checked when the login name is unknown. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
