// Login, password change, session keep-alive and logout.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

import {
  CaptchaReply,
  ChangePasswordRequest,
  LoginReply,
  LoginRequest,
  Profile,
  SessionReply,
} from '../../src-shared/api/auth';
import { ErrorReply, OkReply } from '../../src-shared/api/common';
import { AppError } from '../../src-shared/errors';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { hashPassword, verifyPassword } from './passwords';
import { IDLE_TIMEOUT_SECONDS } from './sessions';
import { buildProfile, findUserByLoginName, permissionsOf, recordFailedPassword } from './users';

export const MAX_PASSWORD_ATTEMPTS = 5;

const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 422: ErrorReply, 423: ErrorReply };

export function authRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  const { db, clock, captchas, sessions } = ctx;
  return async (app) => {
    app.post(
      '/auth/captcha',
      {
        config: { auth: 'none' },
        schema: { tags: ['auth'], summary: 'A new image captcha', response: { 200: CaptchaReply } },
      },
      () => captchas.create(),
    );

    app.post(
      '/auth/login',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['auth'],
          summary: 'Log in with login name, password and captcha',
          body: LoginRequest,
          response: { 200: LoginReply, ...errors },
        },
      },
      async (request) => {
        const { loginName, password, captchaId, captchaAnswer } = request.body;
        await captchas.check(captchaId, captchaAnswer);
        const user = await findUserByLoginName(db, loginName);
        if (!user) {
          // Same work as a real check, so timing does not tell which names exist.
          await verifyPassword(password, DUMMY_HASH);
          throw new AppError('AUTH_BAD_CREDENTIALS');
        }
        if (user.status !== 'active') throw new AppError('AUTH_USER_DISABLED');
        if (user.locked === 1) throw new AppError('AUTH_USER_LOCKED');
        if (!(await verifyPassword(password, user.password_hash))) {
          const { failedAttempts, locked } = await recordFailedPassword(db, user.id, MAX_PASSWORD_ATTEMPTS);
          if (locked) {
            await sessions.endAllOf(user.id, 'locked');
            throw new AppError('AUTH_USER_LOCKED');
          }
          throw new AppError('AUTH_BAD_PASSWORD', { left: MAX_PASSWORD_ATTEMPTS - failedAttempts });
        }
        const previousLogin = user.last_login_at;
        await db
          .updateTable('users')
          .set({ failed_attempts: 0, last_login_at: clock.nowIso() })
          .where('id', '=', user.id)
          .execute();
        const { token } = await sessions.start(user.id);
        const profile = await buildProfile(db, user, await permissionsOf(db, user.id), previousLogin);
        request.log.info({ userId: user.id }, 'login');
        return { token, profile, idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS };
      },
    );

    app.post(
      '/auth/password',
      {
        config: { auth: 'password-change' },
        schema: {
          tags: ['auth'],
          summary: 'Change the login password (forced on first login)',
          body: ChangePasswordRequest,
          response: { 200: Profile, ...errors },
        },
      },
      async (request) => {
        const session = requireSession(request);
        const { oldPassword, newPassword, confirmPassword } = request.body;
        if (newPassword !== confirmPassword) throw new AppError('AUTH_PASSWORD_MISMATCH');
        if (!(await verifyPassword(oldPassword, session.user.password_hash))) {
          throw new AppError('AUTH_OLD_PASSWORD_WRONG');
        }
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
    );

    app.get(
      '/auth/session',
      {
        config: { auth: 'password-change' },
        schema: { tags: ['auth'], summary: 'The signed-in user', response: { 200: SessionReply, 401: ErrorReply } },
      },
      async (request) => {
        const session = requireSession(request);
        return {
          profile: await buildProfile(db, session.user, session.permissions),
          idleTimeoutSeconds: IDLE_TIMEOUT_SECONDS,
        };
      },
    );

    app.post(
      '/auth/logout',
      {
        config: { auth: 'password-change' },
        schema: { tags: ['auth'], summary: 'End the session', response: { 200: OkReply, 401: ErrorReply } },
      },
      async (request) => {
        await sessions.end(requireSession(request).tokenHash, 'logout');
        return { ok: true as const };
      },
    );
  };
}

/** A hash of nothing anyone can type, checked when the login name is unknown. */
const DUMMY_HASH = 'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
