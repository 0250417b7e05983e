// The login and the session: the main process holds the session token (the
// renderer never sees it), answers the USB-KEY step with a signature made here,
// and forgets everything at logout.
import type { CertificateStep } from '../../src-shared/api/auth';
import { AppError } from '../../src-shared/errors';
import { desktopRoutes as routes } from '../../src-shared/routes';
import type { FlowDeps, Handlers } from '../core/handler-types';
import { serviceTime, signPayloads } from './signer';

type SessionMethod =
  'auth.captcha' | 'auth.login' | 'auth.certificate' | 'auth.session' | 'auth.keepAlive' | 'auth.logout';

export function sessionFlows(deps: FlowDeps): Pick<Handlers, SessionMethod> {
  const { client, cache } = deps;
  /** The USB-KEY step the service asked for at login, and when it arrived (for the service's time). */
  let pendingCertificateStep: { step: CertificateStep; loginName: string; receivedAt: number } | null = null;
  return {
    'auth.captcha': async () => {
      const captcha = await deps.firstCaptcha.take(() => client.route(routes['auth.captcha']));
      deps.captchaShown(captcha.captchaId);
      return captcha;
    },

    'auth.login': async (input) => {
      // Demo: a USB-KEY the bank counter issued since the app started is "delivered" before the login needs it.
      if (deps.demo) await deps.deliverDemoTokens().catch(() => undefined);
      const reply = await client.route(routes['auth.login'], input);
      client.setToken(reply.token);
      // A login held from the last user's session is not this user's to use.
      await deps.tokens.releaseLogins();
      deps.tokens.bankPinHoldMinutes = reply.pinHoldMaxMinutes;
      cache.setLastLoginName(input.loginName);
      pendingCertificateStep = reply.certificateStep
        ? { step: reply.certificateStep, loginName: reply.profile.loginName, receivedAt: Date.now() }
        : null;
      return {
        profile: reply.profile,
        idleTimeoutSeconds: reply.idleTimeoutSeconds,
        pinHoldMaxMinutes: reply.pinHoldMaxMinutes,
        certificateStep: reply.certificateStep,
        otpStep: reply.otpStep,
        certificateNotice: null,
      };
    },

    'auth.certificate': async ({ sign }) => {
      // A fresh challenge if the one from the login is older than a few minutes.
      let pending = pendingCertificateStep;
      if (!pending || Date.now() - pending.receivedAt > 4 * 60_000) {
        const session = await client.route(routes['auth.session']);
        if (!session.certificateStep) return session;
        pending = { step: session.certificateStep, loginName: session.profile.loginName, receivedAt: Date.now() };
      }
      const { step, loginName, receivedAt } = pending;
      const [signature] = await signPayloads(deps.tokens, sign, [
        {
          kind: step.step === 'signOff' ? 'signOff' : 'login',
          loginName,
          certSerial: sign.certSerial,
          challenge: step.challenge,
          time: serviceTime(step.issuedAt, receivedAt),
        },
      ]);
      pendingCertificateStep = null;
      return client.route(routes['auth.certificate'], { step: step.step, signature });
    },

    'auth.session': async () => {
      if (!client.hasSession) return null;
      try {
        const reply = await client.route(routes['auth.session']);
        deps.tokens.bankPinHoldMinutes = reply.pinHoldMaxMinutes;
        return reply;
      } catch (error) {
        if (error instanceof AppError && error.code.startsWith('AUTH_')) {
          client.setToken(null);
          return null;
        }
        throw error;
      }
    },

    'auth.keepAlive': async () => client.route(routes['auth.session']),

    'auth.logout': async () => {
      await deps.tokens.releaseLogins();
      if (client.hasSession) await client.route(routes['auth.logout']).catch(() => undefined);
      client.setToken(null);
      pendingCertificateStep = null;
      cache.clearPages();
      return { ok: true as const };
    },
  };
}
