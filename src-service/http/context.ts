// What a request carries once the guard has looked at it.
import type { Lang } from '../../src-shared/errors';
import type { Permission } from '../../src-shared/menu';
import type { UserRow } from '../auth/users';

export interface SessionContext {
  tokenHash: string;
  user: UserRow;
  /** 'certificate' until a corporate user has proved the USB-KEY. */
  stage: 'certificate' | 'otp' | 'verified';
  permissions: ReadonlySet<Permission>;
}

/**
 * How a route is guarded: 'none' (public); 'certificate' (the USB-KEY step, open
 * right after password and captcha); 'password-change' (also open to a user who
 * still must change the initial password); 'session' (a fully signed-in user).
 * `perm` names the permission the route needs.
 */
export interface RouteGuard {
  auth?: 'none' | 'session' | 'password-change' | 'certificate';
  perm?: Permission;
}

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang;
    session: SessionContext | null;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- augments Fastify's route config
  interface FastifyContextConfig extends RouteGuard {}
}
