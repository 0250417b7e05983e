// Certificates as their owner sees them, signing challenges, and the
// certificate test (证书测试) that signs a statement and has it verified.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CertificateTestReply,
  CertificateTestRequest,
  ChallengeReply,
  ChallengeRequest,
  MyCertificate,
} from '../../src-shared/api/certificates';
import { ErrorReply } from '../../src-shared/api/common';
import type { ServiceContext } from '../context';
import { requireSession } from '../http/guard';
import { CHALLENGE_TTL_SECONDS, issueChallenge, verifySigned } from './signatures';

const errors = { 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 422: ErrorReply };

export function certificateRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/certificates/mine',
      {
        schema: {
          tags: ['certificates'],
          summary: "The signed-in user's certificates",
          response: { 200: z.array(MyCertificate), ...errors },
        },
      },
      async (request) => {
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
    );

    app.post(
      '/signing/challenge',
      {
        schema: {
          tags: ['certificates'],
          summary: 'A one-time challenge to sign (valid 5 minutes)',
          body: ChallengeRequest,
          response: { 200: ChallengeReply, ...errors },
        },
      },
      async (request) => ({
        challenge: await issueChallenge(ctx, requireSession(request).user.id, request.body.purpose),
        issuedAt: ctx.clock.nowIso(),
        expiresInSeconds: CHALLENGE_TTL_SECONDS,
      }),
    );

    app.post(
      '/certificates/test-signature',
      {
        schema: {
          tags: ['certificates'],
          summary: 'Sign a test statement with the activated certificate and have it verified',
          body: CertificateTestRequest,
          response: { 200: CertificateTestReply, ...errors },
        },
      },
      async (request) => {
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
    );
  };
}
