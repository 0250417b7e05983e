// Certificates as their owner sees them, signing challenges, and the
// certificate test (证书测试) that signs a statement and has it verified.
import type { FastifyInstance } from 'fastify';
import { certificateRoutes as table } from '../../src-shared/routes/certificates';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { registerRoutes } from '../http/routes';
import { renewCertificate, signOffRenewal } from './renewal';
import { CHALLENGE_TTL_SECONDS, issueChallenge, verifySigned } from './signatures';

export function certificateRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'certificates.mine': async (request) => {
        const rows = await ctx.db
          .selectFrom('certificates')
          .selectAll()
          .where('user_id', '=', requireSession(request).user.id)
          .orderBy('issued_at', 'desc')
          .execute();
        return rows.map((r) => ({
          serial: r.serial,
          subject: r.subject,
          keyType: r.key_type,
          media: r.media,
          status: r.status,
          notBefore: r.not_before,
          notAfter: r.not_after,
          activatedAt: r.activated_at,
        }));
      },

      'certificates.challenge': async (request) => ({
        challenge: await issueChallenge(ctx, requireSession(request).user.id, request.body.purpose),
        issuedAt: ctx.clock.nowIso(),
        expiresInSeconds: CHALLENGE_TTL_SECONDS,
      }),

      'certificates.testSignature': async (request) => {
        const session = requireSession(request);
        const cert = await verifySigned(ctx, {
          userId: session.user.id,
          purpose: 'certificateTest',
          envelope: request.body.signature,
          need: 'activated',
          payload: (env) => ({
            kind: 'certificateTest',
            loginName: session.user.login_name,
            certSerial: env.certSerial,
            note: request.body.note,
            challenge: env.challenge,
            time: env.time,
          }),
        });
        return { verified: true as const, serial: cert.serial, signedAt: request.body.signature!.time };
      },

      'certificates.renew': async (request) => renewCertificate(ctx, requireSession(request).user, request.body),

      'certificates.renewalSignOff': async (request) =>
        signOffRenewal(ctx, requireSession(request).user, request.body.signature),
    });
}
