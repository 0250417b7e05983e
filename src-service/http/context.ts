// What a request carries once the guard has looked at it.
import type { Lang } from '../../src-shared/errors';
import type { Permission } from '../../src-shared/menu';
import type { RouteAuth } from '../../src-shared/routes/define';
import type { AccessVersion } from '../auth/access-cache';
import type { UserRow } from '../auth/users';

export interface SessionContext {
  tokenHash: string;
  user: UserRow;
  /** 'certificate' until a corporate user has proved the USB-KEY. */
  stage: 'certificate' | 'otp' | 'verified';
  permissions: ReadonlySet<Permission>;
  /** The access version read with the session: the instance's copies of it may be used for this request. */
  accessVersion: AccessVersion;
}

/** How a route is guarded: see RouteAuth and RouteSpec.perm in src-shared/routes/define.ts. */
export interface RouteGuard {
  auth?: RouteAuth;
  perm?: Permission | readonly Permission[];
}

declare module 'fastify' {
  interface FastifyRequest {
    lang: Lang;
    session: SessionContext | null;
  }
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- augments Fastify's route config
  interface FastifyContextConfig extends RouteGuard {}
}
