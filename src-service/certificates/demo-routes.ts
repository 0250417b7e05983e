// Demo mode only: the embedded default provisions a SoftHSM2 token (or a file
// certificate) per demo corporate user at its first start. These routes let the
// client ask who needs one and have the CA issue it — the bank counter's job,
// done here only for the demo. A service started without --demo has no such routes.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../src-shared/errors';
import { counterRoutes as table } from '../../src-shared/routes/counter';
import type { ServiceContext } from '../context';
import { registerRoutes } from '../http/routes';
import { issueCertificate } from './issue';
import { needsCertificate } from './login';
import { DEMO_SM2_HOLDERS } from '../demo/data';

export function demoCertificateRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'counter.tokenHolders': async () => {
        const users = await ctx.db
          .selectFrom('users')
          .selectAll()
          .where('status', '=', 'active')
          .orderBy('id')
          .execute();
        const out = [];
        const sm2 = ctx.bankKeys.sm2.configured;
        for (const user of users) {
          if (!(await needsCertificate(ctx, user))) continue;
          const org = user.enterprise_id
            ? await ctx.db
                .selectFrom('enterprises')
                .select('name')
                .where('id', '=', user.enterprise_id)
                .executeTakeFirst()
            : await ctx.db
                .selectFrom('members')
                .select('name')
                .where('id', '=', user.member_id ?? -1)
                .executeTakeFirst();
          const count = await ctx.db
            .selectFrom('certificates')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('user_id', '=', user.id)
            .where('status', '!=', 'revoked')
            .executeTakeFirstOrThrow();
          out.push({
            loginName: user.login_name,
            organization: org?.name ?? '',
            certificates: Number(count.n),
            keyType: sm2 && DEMO_SM2_HOLDERS.has(user.login_name) ? ('sm2' as const) : ('rsa' as const),
          });
        }
        return out;
      },

      'counter.issueCertificate': async (request) => {
        const user = await ctx.db
          .selectFrom('users')
          .select('id')
          .where('login_name', '=', request.body.loginName)
          .executeTakeFirst();
        if (!user) throw new AppError('USER_NOT_FOUND', { loginName: request.body.loginName });
        // Only a user who never had a certificate: this cannot add a key to anyone's account, nor
        // replace a revoked one (the bank counter re-issues, after checking who asks).
        const existing = await ctx.db
          .selectFrom('certificates')
          .select('status')
          .where('user_id', '=', user.id)
          .execute();
        if (existing.some((c) => c.status === 'revoked')) throw new AppError('CERT_REISSUE_AT_COUNTER');
        if (existing.length > 0) throw new AppError('FORBIDDEN');
        const issued = await issueCertificate(ctx, {
          userId: user.id,
          csrPem: request.body.csrPem,
          media: request.body.media,
        });
        return { serial: issued.serial, certificateDer: issued.der.toString('base64') };
      },
    });
}
