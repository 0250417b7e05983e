// The service's refusals of signed requests, each with its own error, through
// the HTTP API: whatever the client sends, only the right user's activated,
// valid certificate over the exact bytes, with a fresh challenge, passes.
import { beforeAll, describe, expect, it } from 'vitest';
import { readAccessVersion } from '../../src-service/auth/access-cache';
import { revokeCertificate } from '../../src-service/certificates/issue';
import { checkSignatureAhead, verifySigned, type VerifyInput } from '../../src-service/certificates/signatures';
import { DEMO_PASSWORD } from '../../src-service/demo/data';
import { atomically } from '../../src-service/store/tx';
import { AppError } from '../../src-shared/errors';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { harnessFor, READY_PASSWORD } from '../support/service-harness';
import { issueSoftKey, signEnvelope, type SoftKey } from '../support/soft-certificates';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`signatures on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let operator: string;
    let reviewer: string;
    let operatorKey: SoftKey;

    beforeAll(async () => {
      operator = await h.signedIn('demo.operator');
      reviewer = await h.signedIn('demo.reviewer');
      operatorKey = await h.keyOf('demo.operator');
    });

    async function challenge(token = operator) {
      const res = await h.request({
        method: 'POST',
        url: '/signing/challenge',
        token,
        body: { purpose: 'certificateTest' },
      });
      expect(res.statusCode).toBe(200);
      return res.json().challenge as string;
    }

    function testPayload(
      key: SoftKey,
      ch: string,
      note = 'test',
      loginName = 'demo.operator',
      time = h.clock.nowIso(),
    ) {
      return { kind: 'certificateTest' as const, loginName, certSerial: key.serial, note, challenge: ch, time };
    }

    const idOf = async (loginName: string) =>
      (await h.ctx.db.selectFrom('users').select('id').where('login_name', '=', loginName).executeTakeFirstOrThrow())
        .id;

    async function submit(body: unknown, token = operator) {
      const res = await h.request({ method: 'POST', url: '/certificates/test-signature', token, body, lang: 'en' });
      return { status: res.statusCode, body: res.json() };
    }

    it('accepts the right signature', async () => {
      const ch = await challenge();
      const res = await submit({ note: 'test', signature: signEnvelope(operatorKey, testPayload(operatorKey, ch)) });
      expect(res).toMatchObject({ status: 200, body: { verified: true, serial: operatorKey.serial } });
    });

    it('refuses a missing signature', async () => {
      await challenge();
      expect(await submit({ note: 'test' })).toMatchObject({
        status: 422,
        body: { error: { code: 'SIGNATURE_MISSING' } },
      });
    });

    it("refuses a signature by another user's certificate", async () => {
      const reviewerKey = await h.keyOf('demo.reviewer');
      const ch = await challenge();
      const res = await submit({ note: 'test', signature: signEnvelope(reviewerKey, testPayload(reviewerKey, ch)) });
      expect(res).toMatchObject({ status: 422, body: { error: { code: 'CERT_NOT_OWNED' } } });
    });

    it('refuses a payload changed after signing', async () => {
      const ch = await challenge();
      const signature = signEnvelope(operatorKey, testPayload(operatorKey, ch, 'pay 100.00'));
      const res = await submit({ note: 'pay 900.00', signature });
      expect(res).toMatchObject({ status: 422, body: { error: { code: 'SIGNATURE_INVALID' } } });
      // and a signature whose bytes were altered
      const ch2 = await challenge();
      const good = signEnvelope(operatorKey, testPayload(operatorKey, ch2));
      const bytes = Buffer.from(good.signature, 'base64');
      bytes[10] ^= 0xff;
      expect(await submit({ note: 'test', signature: { ...good, signature: bytes.toString('base64') } })).toMatchObject(
        {
          body: { error: { code: 'SIGNATURE_INVALID' } },
        },
      );
    });

    it('refuses a challenge used twice', async () => {
      const ch = await challenge();
      const signature = signEnvelope(operatorKey, testPayload(operatorKey, ch));
      expect((await submit({ note: 'test', signature })).status).toBe(200);
      expect(await submit({ note: 'test', signature })).toMatchObject({
        status: 422,
        body: { error: { code: 'CHALLENGE_REUSED' } },
      });
    });

    it('refuses a challenge older than 5 minutes, an unknown one, and one made for something else', async () => {
      const ch = await challenge();
      h.clock.advance(301_000);
      const late = await submit({ note: 'test', signature: signEnvelope(operatorKey, testPayload(operatorKey, ch)) });
      expect(late).toMatchObject({ status: 422, body: { error: { code: 'CHALLENGE_EXPIRED' } } });
      const made = signEnvelope(operatorKey, testPayload(operatorKey, 'x'.repeat(32)));
      expect(await submit({ note: 'test', signature: made })).toMatchObject({
        body: { error: { code: 'CHALLENGE_UNKNOWN' } },
      });
      // the reviewer's challenge cannot be spent in the operator's name
      const theirs = await challenge(reviewer);
      expect(
        await submit({ note: 'test', signature: signEnvelope(operatorKey, testPayload(operatorKey, theirs)) }),
      ).toMatchObject({
        body: { error: { code: 'CHALLENGE_UNKNOWN' } },
      });
    });

    it('refuses a signing time more than 5 minutes from the service clock', async () => {
      const ch = await challenge();
      const skewed = new Date(h.clock.now().getTime() - 6 * 60_000).toISOString();
      const res = await submit({
        note: 'test',
        signature: signEnvelope(operatorKey, testPayload(operatorKey, ch, 'test', 'demo.operator', skewed)),
      });
      expect(res).toMatchObject({ body: { error: { code: 'SIGNATURE_TIME_SKEW' } } });
    });

    it('refuses an expired certificate and one not signed off yet', async () => {
      const expired = await issueSoftKey(h.ctx, 'demo.operator', {
        notBefore: new Date(h.clock.now().getTime() - 800 * 86_400_000),
        validityDays: 730,
      });
      await h.ctx.db
        .updateTable('certificates')
        .set({ status: 'activated' })
        .where('serial', '=', expired.serial)
        .execute();
      const ch = await challenge();
      expect(await submit({ note: 'test', signature: signEnvelope(expired, testPayload(expired, ch)) })).toMatchObject({
        body: { error: { code: 'CERT_EXPIRED' } },
      });
      const fresh = await issueSoftKey(h.ctx, 'demo.operator');
      const ch2 = await challenge();
      expect(await submit({ note: 'test', signature: signEnvelope(fresh, testPayload(fresh, ch2)) })).toMatchObject({
        body: { error: { code: 'CERT_NOT_ACTIVATED' } },
      });
    });

    it('refuses a revoked certificate at once, and the next login finds no usable certificate', async () => {
      const trade = await h.signedIn('trade.operator');
      const key = await h.keyOf('trade.operator');
      await revokeCertificate(h.ctx, key.serial, 'reported lost at the counter');
      const ch = await challenge(trade);
      const res = await submit(
        { note: 'test', signature: signEnvelope(key, testPayload(key, ch, 'test', 'trade.operator')) },
        trade,
      );
      expect(res).toMatchObject({ status: 422, body: { error: { code: 'CERT_REVOKED' } } });
      const again = await h.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName: 'trade.operator', password: READY_PASSWORD, ...(await h.captcha()) },
      });
      expect(again.json().error.code).toBe('CERT_NONE_ISSUED');
    });

    it('takes a signature checked ahead of its transaction only for the same request under the same access version', async () => {
      const userId = await idOf('demo.operator');
      // Signed over note A, presented as note B: the signature does not match.
      const forged = async () => {
        const ch = await challenge();
        const input: VerifyInput = {
          userId,
          purpose: 'certificateTest',
          envelope: signEnvelope(operatorKey, testPayload(operatorKey, ch, 'A')),
          need: 'activated',
          payload: (env) => testPayload(operatorKey, env.challenge, 'B', 'demo.operator', env.time),
        };
        const version = await readAccessVersion(h.ctx.db);
        const ahead = await checkSignatureAhead(h.ctx, input, version);
        expect(ahead).toMatchObject({ matches: false, version });
        // What a tampered or stale check would claim.
        return { input, ahead: { ...ahead!, matches: true } };
      };
      const verdict = (input: VerifyInput, ahead: Parameters<typeof verifySigned>[2]) =>
        atomically(h.ctx.db, (trx) => verifySigned({ ...h.ctx, db: trx }, input, ahead)).then(
          () => 'passed',
          (e: unknown) => (e instanceof AppError ? e.code : e),
        );
      // Another access version (anything of certificates or permissions changed since): checked again.
      const a = await forged();
      expect(await verdict(a.input, { ...a.ahead, version: `${BigInt(a.ahead.version) + 1n}` })).toBe(
        'SIGNATURE_INVALID',
      );
      // Another request's check (another input object) is never taken.
      const b = await forged();
      expect(await verdict({ ...b.input }, b.ahead)).toBe('SIGNATURE_INVALID');
      // Under the same version, for the same request, the check made ahead stands (the
      // transaction does not verify again: that is the time it saves).
      const c = await forged();
      expect(await verdict(c.input, c.ahead)).toBe('passed');

      // A certificate revoked between the check ahead and the transaction is refused.
      const key = await h.keyOf('demo.reviewer');
      const reviewerId = await idOf('demo.reviewer');
      const ch = await challenge(reviewer);
      const input: VerifyInput = {
        userId: reviewerId,
        purpose: 'certificateTest',
        envelope: signEnvelope(key, testPayload(key, ch, 'test', 'demo.reviewer')),
        need: 'activated',
        payload: (env) => testPayload(key, env.challenge, 'test', 'demo.reviewer', env.time),
      };
      const ahead = await checkSignatureAhead(h.ctx, input, await readAccessVersion(h.ctx.db));
      expect(ahead?.matches).toBe(true);
      await revokeCertificate(h.ctx, key.serial, 'reported lost while the request was on its way');
      expect(await verdict(input, ahead)).toBe('CERT_REVOKED');
    });

    it('keeps a corporate session at the USB-KEY step until it is passed, and signs off only once', async () => {
      await h.keyOf('trade.reviewer');
      const login = await h.login('trade.reviewer', DEMO_PASSWORD, { certificate: false });
      expect(login.body.certificateStep).toMatchObject({ step: 'signOff' });
      // The sign-off names the holder and the enterprise as the bank's records do, in both languages.
      expect(login.body.certificateStep.holder).toEqual({
        name: '吴嘉怡',
        loginName: 'trade.reviewer',
        enterprise: '示范贸易有限公司',
        enterpriseEn: 'Model Trading Co., Ltd.',
      });
      // nothing else is open yet
      const blocked = await h.request({ method: 'GET', url: '/certificates/mine', token: login.token });
      expect(blocked.json().error.code).toBe('AUTH_CERTIFICATE_STEP_REQUIRED');
      const blockedPw = await h.request({
        method: 'POST',
        url: '/auth/password',
        token: login.token,
        body: { oldPassword: 'a', newPassword: 'Abcdefg12', confirmPassword: 'Abcdefg12' },
      });
      // the initial password's change is open before the sign-off, as the manual orders them
      expect(blockedPw.json().error.code).toBe('AUTH_OLD_PASSWORD_WRONG');
      // a signature by someone else's key does not pass it
      const other = await h.keyOf('demo.reviewer');
      const wrong = await h.certificateAnswer(login.token, {
        step: 'signOff',
        key: other,
        loginName: 'trade.reviewer',
        challenge: login.body.certificateStep.challenge,
        kind: 'signOff',
      });
      expect(wrong.json().error.code).toBe('CERT_NOT_OWNED');
      // asking for a signed login while the certificate still awaits sign-off is refused
      const key = await h.keyOf('trade.reviewer');
      const fresh = (await h.request({ method: 'GET', url: '/auth/session', token: login.token })).json()
        .certificateStep;
      const asSignIn = await h.certificateAnswer(login.token, {
        step: 'signIn',
        key: key,
        loginName: 'trade.reviewer',
        challenge: fresh.challenge,
        kind: 'login',
      });
      expect(asSignIn.json().error.code).toBe('CERT_ALREADY_ACTIVATED');
      const ok = await h.certificateAnswer(login.token, {
        step: 'signOff',
        key: key,
        loginName: 'trade.reviewer',
        challenge: fresh.challenge,
        kind: 'signOff',
      });
      expect(ok.statusCode).toBe(200);
      // (the certificate list needs the forced password change first; the store says it is activated)
      const mine = await h.ctx.db
        .selectFrom('certificates')
        .selectAll()
        .where('serial', '=', key.serial)
        .executeTakeFirstOrThrow();
      expect(mine.status).toBe('activated');
      // the next login is a signed login with the activated certificate
      const next = await h.login('trade.reviewer', DEMO_PASSWORD, { certificate: false });
      expect(next.body.certificateStep).toMatchObject({ step: 'signIn', serials: [key.serial] });
    });

    it('takes the first login in the manual’s order: the new password, then the sign-off, which it does not skip', async () => {
      const key = await h.keyOf('demo.admin1');
      const login = await h.login('demo.admin1', DEMO_PASSWORD, { certificate: false });
      expect(login.body.profile.mustChangePassword).toBe(true);
      expect(login.body.certificateStep).toMatchObject({ step: 'signOff' });
      const change = (token: string, oldPassword: string, newPassword: string) =>
        h.request({
          method: 'POST',
          url: '/auth/password',
          token,
          body: { oldPassword, newPassword, confirmPassword: newPassword },
        });
      const changed = await change(login.token, DEMO_PASSWORD, 'Admin2026first');
      expect(changed.statusCode, changed.body).toBe(200);
      expect(changed.json().mustChangePassword).toBe(false);
      // the session is still at the USB-KEY step: nothing else is open, not even another change
      const blocked = await h.request({ method: 'GET', url: '/certificates/mine', token: login.token });
      expect(blocked.json().error.code).toBe('AUTH_CERTIFICATE_STEP_REQUIRED');
      expect((await change(login.token, 'Admin2026first', 'Admin2026second')).json().error.code).toBe(
        'AUTH_CERTIFICATE_STEP_REQUIRED',
      );
      // a new login with the new password asks for the sign-off again: changing the password skipped nothing
      const again = await h.login('demo.admin1', 'Admin2026first', { certificate: false });
      expect(again.body.profile.mustChangePassword).toBe(false);
      expect(again.body.certificateStep).toMatchObject({ step: 'signOff' });
      const ok = await h.certificateAnswer(again.token, {
        step: 'signOff',
        key,
        loginName: 'demo.admin1',
        challenge: again.body.certificateStep.challenge,
      });
      expect(ok.statusCode, ok.body).toBe(200);
      expect((await h.request({ method: 'GET', url: '/certificates/mine', token: again.token })).statusCode).toBe(200);
    });

    it('reports a certificate that expires within 30 days at login', async () => {
      const user = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'trade.admin')
        .executeTakeFirstOrThrow();
      expect(user.id).toBeGreaterThan(0);
      const key = await issueSoftKey(h.ctx, 'trade.admin', { validityDays: 20 });
      const login = await h.login('trade.admin', DEMO_PASSWORD, { certificate: false });
      const step = login.body.certificateStep;
      const res = await h.certificateAnswer(login.token, {
        step: 'signOff',
        key: key,
        loginName: 'trade.admin',
        challenge: step.challenge,
        kind: 'signOff',
      });
      expect(res.json().certificateNotice).toMatchObject({ serial: key.serial, daysLeft: expect.any(Number) });
      expect(res.json().certificateNotice.daysLeft).toBeLessThanOrEqual(20);
      expect(res.json().certificateNotice.daysLeft).toBeGreaterThanOrEqual(19);
    });
  });
}
