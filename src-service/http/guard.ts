// The one place that decides whether a request may reach its route: session,
// forced password change, and the permission the route declares.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, langFromHeader } from '../../src-shared/errors';
import type { Permission } from '../../src-shared/menu';
import type { Sessions } from '../auth/sessions';
import type { SessionContext } from './context';

export function requireSession(request: FastifyRequest): SessionContext {
  if (!request.session) throw new AppError('AUTH_SESSION_REQUIRED');
  return request.session;
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header || !header.startsWith('Bearer ')) return null;
  const token = header.slice(7).trim();
  return token.length > 0 && token.length <= 128 ? token : null;
}

/** A route's permission, or any one of its list. */
export function mayUse(held: ReadonlySet<Permission>, needed: Permission | readonly Permission[]): boolean {
  return typeof needed === 'string' ? held.has(needed) : needed.some((p) => held.has(p));
}

export function installGuard(app: FastifyInstance, sessions: Sessions): void {
  app.decorateRequest('lang', 'zh-CN');
  app.decorateRequest('session', null);
  // onRequest, before the body is read: an anonymous caller learns nothing about a route's input.
  app.addHook('onRequest', async (request) => {
    request.lang = langFromHeader(request.headers['accept-language']);
    // No route: a plain 404 for anyone (the routes are public in /openapi.json anyway), so a
    // production service says of the demo's and the tests' paths that they do not exist.
    if (request.is404) return;
    const config = request.routeOptions.config ?? {};
    const mode = config.auth ?? 'session';
    // A market's request is checked by the market API's own hook (markets/request-auth.ts).
    if (mode === 'none' || mode === 'market-signature') return;
    const token = bearer(request);
    if (!token) throw new AppError('AUTH_SESSION_REQUIRED');
    const session = await sessions.resume(token);
    request.session = session;
    if (mode === 'certificate') return;
    // The manual's first login changes the initial password, then signs off the certificate.
    // The USB-KEY step still comes at every login, so changing the password first skips
    // nothing; an individual's SMS step stays first (it is asked only while the password is
    // the initial one, so changing it first would skip the check).
    if (mode === 'password-change' && session.stage === 'certificate' && session.user.must_change_password === 1)
      return;
    if (session.stage === 'otp') throw new AppError('AUTH_OTP_STEP_REQUIRED');
    if (session.stage !== 'verified') throw new AppError('AUTH_CERTIFICATE_STEP_REQUIRED');
    if (mode === 'session' && session.user.must_change_password === 1) {
      throw new AppError('AUTH_PASSWORD_CHANGE_REQUIRED');
    }
    if (config.perm && !mayUse(session.permissions, config.perm)) throw new AppError('FORBIDDEN');
  });
}
