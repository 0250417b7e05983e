// Two service instances on one database, as the bank runs them: each keeps
// certificates, permissions and enterprises in memory, under the version row
// it reads inside each request. A revocation made through one instance is
// refused by the other at its very next request; so is a permission taken away
// by a hand-written statement that no service code made. A user's login goes from
// one to the other at every step (issue 15: nothing a request needs lives in one
// instance's memory).
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revokeCertificate } from '../../src-service/certificates/issue';
import { createContext, type ServiceContext } from '../../src-service/context';
import { buildApp } from '../../src-service/http/app';
import { openStore } from '../../src-service/store/db';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { payloadOf, submitInstruction, tradeDesk } from '../support/instructions';
import { startHarness, type Harness } from '../support/service-harness';
import { signEnvelope } from '../support/soft-certificates';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`two instances on one ${kind.name} database`, () => {
    let h: Harness;
    let other: { ctx: ServiceContext; app: FastifyInstance };
    let op: string;
    let rev: string;
    let contract: number;

    beforeAll(async () => {
      // The demo's key files: a second HSM worker in this process would share the one PKCS#11 library.
      h = await startHarness(kind, { keys: 'file' });
      const ctx = createContext(openStore(h.database), h.ctx.options, h.clock);
      const app = await buildApp(ctx);
      await app.ready();
      other = { ctx, app };
      ({ op, rev, contract } = await tradeDesk(h));
    });
    afterAll(async () => {
      await other?.app.close();
      await other?.ctx.store.close();
      await h?.close();
    });

    /** A signed deposit submitted through the second instance. */
    async function submitThroughOther(token: string) {
      const draft = { kind: 'deposit', contractId: contract, amount: 1_00 };
      const inject = (url: string, body: unknown) =>
        other.app.inject({
          method: 'POST',
          url,
          payload: body as object,
          headers: { authorization: `Bearer ${token}`, 'accept-language': 'en' },
        });
      const preview = await inject('/instructions/preview', draft);
      expect(preview.statusCode).toBe(200);
      const p = preview.json();
      const key = await h.keyOf('trade.operator');
      const signature = signEnvelope(key, payloadOf('deposit', p.fields, p.challenge, h.clock.nowIso()));
      return inject('/instructions', { draft, idempotencyKey: p.serial, signature });
    }

    it('a permission taken away by a plain SQL statement stops working on the other instance at once', async () => {
      const pending = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: contract,
        amount: 1_00,
      });
      // Asking to approve needs the reviewer's permission, checked by the service.
      const get = () =>
        other.app.inject({
          method: 'POST',
          url: `/instructions/${pending.body.id}/decision-challenge`,
          payload: { decision: 'approve' },
          headers: { authorization: `Bearer ${rev}` },
        });
      const reviewer = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'trade.reviewer')
        .executeTakeFirstOrThrow();
      await h.ctx.db.deleteFrom('user_permissions').where('user_id', '=', reviewer.id).execute();
      const after = await get();
      expect(after.statusCode).toBe(403);
      expect(after.json().error.code).toBe('FORBIDDEN');
    });
    it('a login goes from one instance to the other at every step: captcha, certificate challenge, password, session, logout', async () => {
      // what a load balancer does to one user: each request to the next instance
      const on = (app: FastifyInstance, method: 'GET' | 'POST', url: string, token?: string, body?: unknown) =>
        app.inject({
          method,
          url,
          ...(body === undefined ? {} : { payload: body as object }),
          headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'accept-language': 'en' },
        });
      const captcha = (await on(h.app, 'POST', '/auth/captcha')).json();
      const answer = (await on(h.app, 'GET', `/__test/captcha/${captcha.captchaId}`)).json().answer;
      const key = await h.keyOf('demo.reviewer');
      const login = await on(other.app, 'POST', '/auth/login', undefined, {
        loginName: 'demo.reviewer',
        password: 'Demo1234',
        captchaId: captcha.captchaId,
        captchaAnswer: answer,
      });
      expect(login.statusCode, login.body).toBe(200);
      const { token, certificateStep } = login.json();
      const signature = signEnvelope(key, {
        kind: 'signOff',
        loginName: 'demo.reviewer',
        certSerial: key.serial,
        challenge: certificateStep.challenge,
        time: h.clock.nowIso(),
      });
      const signedOff = await on(h.app, 'POST', '/auth/certificate', token, { step: 'signOff', signature });
      expect(signedOff.statusCode, signedOff.body).toBe(200);
      const changed = await on(other.app, 'POST', '/auth/password', token, {
        oldPassword: 'Demo1234',
        newPassword: 'Review2026x',
        confirmPassword: 'Review2026x',
      });
      expect(changed.statusCode, changed.body).toBe(200);
      expect((await on(h.app, 'GET', '/instructions/pending-counts', token)).statusCode).toBe(200);
      // logged out on one, the session is gone on the other
      expect((await on(other.app, 'POST', '/auth/logout', token)).statusCode).toBe(200);
      expect((await on(h.app, 'GET', '/instructions/pending-counts', token)).statusCode).toBe(401);
    });

    it('a certificate revoked through one instance is refused by the other at its next request', async () => {
      const deposits = async () =>
        Number(
          (
            await h.ctx.db
              .selectFrom('instructions')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('kind', '=', 'deposit')
              .executeTakeFirstOrThrow()
          ).n,
        );
      // Twice, so the second instance holds the certificate (and the operator's permissions) in memory.
      expect((await submitThroughOther(op)).statusCode).toBe(200);
      const warm = other.ctx.store.statements();
      expect((await submitThroughOther(op)).statusCode).toBe(200);
      expect(other.ctx.store.statements() - warm).toBeGreaterThan(0);

      const serial = (await h.keyOf('trade.operator')).serial;
      await revokeCertificate(h.ctx, serial, 'lost USB-KEY');
      const before = await deposits();
      const refused = await submitThroughOther(op);
      expect(refused.json().error?.code).toBe('CERT_REVOKED');
      // Nothing of the refused submission was written.
      expect(await deposits()).toBe(before);
    });
  });
}
