import { describe, expect, it } from 'vitest';
import { DEMO_PASSWORD } from '../../src-service/demo/data';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { harnessFor, startHarness } from '../support/service-harness';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`authentication on ${kind.name}`, () => {
    const h = harnessFor(kind);

    it('logs in with password and captcha, and the first login must change the password', async () => {
      const { token, body } = await h.login('demo.operator', DEMO_PASSWORD);
      expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 256 bits, base64url
      expect(body.profile).toMatchObject({
        loginName: 'demo.operator',
        role: 'operator',
        system: 'ebank',
        mustChangePassword: true,
        enterprise: { name: '演示科技有限公司', adminMode: 'dual' },
      });
      expect(body.profile.permissions).toContain('ebank.settle.contract');
      expect(body.profile.permissions).not.toContain('ebank.admin.operators');
      expect(body.idleTimeoutSeconds).toBe(600);

      // Until the password is changed, nothing but the change itself, the session and logout.
      const blocked = await h.request({ method: 'GET', url: '/auth/session', token });
      expect(blocked.statusCode).toBe(200);
      expect(blocked.json().profile.mustChangePassword).toBe(true);

      const sameAsOld = await h.request({
        method: 'POST',
        url: '/auth/password',
        token,
        body: { oldPassword: DEMO_PASSWORD, newPassword: DEMO_PASSWORD, confirmPassword: DEMO_PASSWORD },
      });
      expect(sameAsOld.statusCode).toBe(400);
      expect(sameAsOld.json().error.code).toBe('AUTH_PASSWORD_REUSED');

      const mismatch = await h.request({
        method: 'POST',
        url: '/auth/password',
        token,
        body: { oldPassword: DEMO_PASSWORD, newPassword: 'NewPass2026', confirmPassword: 'NewPass2027' },
      });
      expect(mismatch.json().error.code).toBe('AUTH_PASSWORD_MISMATCH');

      const weak = await h.request({
        method: 'POST',
        url: '/auth/password',
        token,
        lang: 'zh-CN',
        body: { oldPassword: DEMO_PASSWORD, newPassword: 'onlyletters', confirmPassword: 'onlyletters' },
      });
      expect(weak.statusCode).toBe(400);
      expect(weak.json().error.fields).toEqual([
        expect.objectContaining({
          field: 'newPassword',
          rule: 'PASSWORD_RULE',
          message: expect.stringContaining('新密码'),
        }),
      ]);

      const wrongOld = await h.request({
        method: 'POST',
        url: '/auth/password',
        token,
        body: { oldPassword: 'Wrong1234', newPassword: 'NewPass2026', confirmPassword: 'NewPass2026' },
      });
      expect(wrongOld.json().error.code).toBe('AUTH_OLD_PASSWORD_WRONG');

      const changed = await h.request({
        method: 'POST',
        url: '/auth/password',
        token,
        body: { oldPassword: DEMO_PASSWORD, newPassword: 'NewPass2026', confirmPassword: 'NewPass2026' },
      });
      expect(changed.statusCode).toBe(200);
      expect(changed.json().mustChangePassword).toBe(false);

      // The old password no longer opens the door; the new one does, without a forced change.
      await expect(h.login('demo.operator', DEMO_PASSWORD)).rejects.toThrow(/401/);
      const again = await h.login('demo.operator', 'NewPass2026');
      expect(again.body.profile.mustChangePassword).toBe(false);
      expect(again.body.profile.lastLoginAt).not.toBeNull();
    });

    it('refuses a wrong captcha, and a captcha answered once cannot be reused', async () => {
      const { captchaId, captchaAnswer } = await h.captcha();
      const wrong = await h.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName: 'demo.reviewer', password: DEMO_PASSWORD, captchaId, captchaAnswer: 'zzzz' },
      });
      expect(wrong.statusCode).toBe(400);
      expect(wrong.json().error.code).toBe('AUTH_CAPTCHA_WRONG');
      const reused = await h.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName: 'demo.reviewer', password: DEMO_PASSWORD, captchaId, captchaAnswer },
      });
      expect(reused.json().error.code).toBe('AUTH_CAPTCHA_EXPIRED');
      // A wrong captcha does not count as a wrong password.
      const user = await h.ctx.db
        .selectFrom('users')
        .select('failed_attempts')
        .where('login_name', '=', 'demo.reviewer')
        .executeTakeFirstOrThrow();
      expect(user.failed_attempts).toBe(0);
    });

    it('refuses a captcha older than two minutes', async () => {
      const { captchaId, captchaAnswer } = await h.captcha();
      h.clock.advance(121_000);
      const res = await h.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName: 'demo.reviewer', password: DEMO_PASSWORD, captchaId, captchaAnswer },
      });
      expect(res.json().error.code).toBe('AUTH_CAPTCHA_EXPIRED');
    });

    it('locks the user after five wrong passwords, says so, and the lock holds for the right password', async () => {
      const messages: string[] = [];
      for (let i = 1; i <= 5; i++) {
        const res = await h.request({
          method: 'POST',
          url: '/auth/login',
          lang: 'en',
          body: { loginName: 'trade.reviewer', password: `Wrong${i}234`, ...(await h.captcha()) },
        });
        messages.push(`${res.statusCode} ${res.json().error.code} ${res.json().error.message}`);
      }
      expect(messages.slice(0, 4)).toEqual([
        '401 AUTH_BAD_PASSWORD Wrong login name or password; 4 more wrong attempts lock the user',
        '401 AUTH_BAD_PASSWORD Wrong login name or password; 3 more wrong attempts lock the user',
        '401 AUTH_BAD_PASSWORD Wrong login name or password; 2 more wrong attempts lock the user',
        '401 AUTH_BAD_PASSWORD Wrong login name or password; 1 more wrong attempts lock the user',
      ]);
      expect(messages[4]).toMatch(/^423 AUTH_USER_LOCKED Five wrong passwords/);
      const right = await h.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName: 'trade.reviewer', password: DEMO_PASSWORD, ...(await h.captcha()) },
      });
      expect(right.statusCode).toBe(423);
      expect(right.json().error.message).toContain('锁定');
    });

    it('does not tell unknown login names apart from wrong passwords by the error code', async () => {
      const res = await h.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName: 'nobody.here', password: 'Whatever123', ...(await h.captcha()) },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('AUTH_BAD_CREDENTIALS');
    });

    it('ends a session idle for ten minutes, and keeps one that is used', async () => {
      const { token } = await h.login('demo.admin1', DEMO_PASSWORD);
      h.clock.advance(9 * 60_000);
      expect((await h.request({ method: 'GET', url: '/auth/session', token })).statusCode).toBe(200);
      h.clock.advance(9 * 60_000); // 18 minutes after login, but 9 after the last request
      expect((await h.request({ method: 'GET', url: '/auth/session', token })).statusCode).toBe(200);
      h.clock.advance(10 * 60_000 + 1000);
      const expired = await h.request({ method: 'GET', url: '/auth/session', token, lang: 'en' });
      expect(expired.statusCode).toBe(401);
      expect(expired.json().error.code).toBe('AUTH_SESSION_EXPIRED');
      // and it stays ended
      const later = await h.request({ method: 'GET', url: '/auth/session', token });
      expect(later.json().error.code).toBe('AUTH_SESSION_EXPIRED');
    });

    it('logout ends the session on the service', async () => {
      const { token } = await h.login('demo.admin2', DEMO_PASSWORD);
      const out = await h.request({ method: 'POST', url: '/auth/logout', token });
      expect(out.json()).toEqual({ ok: true });
      const after = await h.request({ method: 'GET', url: '/auth/session', token });
      expect(after.statusCode).toBe(401);
      expect(after.json().error.code).toBe('AUTH_SESSION_REQUIRED');
      const row = await h.ctx.db
        .selectFrom('sessions')
        .select(['end_reason'])
        .where('end_reason', '=', 'logout')
        .execute();
      expect(row.length).toBeGreaterThanOrEqual(1);
    });

    it('answers bad input with 400 and a message per field, never 500', async () => {
      const cases: { body: unknown; fields: string[]; rule?: string }[] = [
        { body: {}, fields: ['loginName', 'password', 'captchaId', 'captchaAnswer'], rule: 'required' },
        {
          body: { loginName: 42, password: true, captchaId: [], captchaAnswer: {} },
          fields: ['loginName', 'password', 'captchaId', 'captchaAnswer'],
          rule: 'type',
        },
        {
          body: { loginName: 'x'.repeat(33), password: 'p', captchaId: 'c', captchaAnswer: 'a' },
          fields: ['loginName'],
          rule: 'max',
        },
        {
          body: { loginName: 'ab', password: 'p'.repeat(65), captchaId: 'c', captchaAnswer: 'abcdefghi' },
          fields: ['password', 'captchaAnswer'],
          rule: 'max',
        },
        {
          body: { loginName: 'ab', password: 'p', captchaId: 'c', captchaAnswer: 'a', admin: true },
          fields: ['admin'],
          rule: 'unknown',
        },
      ];
      for (const c of cases) {
        const res = await h.request({ method: 'POST', url: '/auth/login', body: c.body, lang: 'en' });
        expect(res.statusCode, JSON.stringify(c.body)).toBe(400);
        const error = res.json().error;
        expect(error.code).toBe('VALIDATION');
        expect(error.fields.map((f: { field: string }) => f.field)).toEqual(c.fields);
        if (c.rule) for (const f of error.fields) expect(f.rule).toBe(c.rule);
      }
      const zh = await h.request({ method: 'POST', url: '/auth/login', body: {} });
      expect(zh.json().error.fields[0].message).toBe('用户名不能为空');
      const notJson = await h.request({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/json' },
        body: '{not json',
      });
      expect(notJson.statusCode).toBe(400);
      expect(notJson.json().error.code).toBe('VALIDATION');
      const noBody = await h.request({ method: 'POST', url: '/auth/login' });
      expect(noBody.statusCode).toBe(400);
    });

    it('requires a session for protected routes and does not reveal their input rules anonymously', async () => {
      const res = await h.request({ method: 'POST', url: '/auth/password', body: { nonsense: 1 } });
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('AUTH_SESSION_REQUIRED');
      const forged = await h.request({ method: 'GET', url: '/auth/session', token: 'A'.repeat(43) });
      expect(forged.statusCode).toBe(401);
    });

    it('publishes an OpenAPI 3 document generated from the zod schemas, and health', async () => {
      const doc = (await h.request({ method: 'GET', url: '/openapi.json' })).json();
      expect(doc.openapi).toMatch(/^3\./);
      const login = doc.paths['/auth/login'].post;
      const schema = login.requestBody.content['application/json'].schema;
      expect(schema.required).toEqual(['loginName', 'password', 'captchaId', 'captchaAnswer']);
      expect(schema.properties.loginName.maxLength).toBe(32);
      expect(doc.paths['/__test/clock']).toBeUndefined();
      const health = (await h.request({ method: 'GET', url: '/health' })).json();
      expect(health).toMatchObject({ status: 'ok', database: kind.name });
    });
  });
}

describe('bank counter: unlock-user', () => {
  it('clears a lock so the right password works again, and says when there is nothing to do', async () => {
    const { sqlite } = await import('../support/databases');
    const { counterUnlockUser } = await import('../../src-service/commands/counter/commands');
    const h = await startHarness(sqlite);
    try {
      for (let i = 0; i < 5; i++) {
        await h.request({
          method: 'POST',
          url: '/auth/login',
          body: { loginName: 'trade.operator', password: 'Nope12345', ...(await h.captcha()) },
        });
      }
      await expect(h.login('trade.operator', DEMO_PASSWORD)).rejects.toThrow(/423/);
      expect(await counterUnlockUser(h.ctx.db, 'trade.operator')).toMatch(/unlocked/);
      await expect(h.login('trade.operator', DEMO_PASSWORD)).resolves.toMatchObject({ token: expect.any(String) });
      expect(await counterUnlockUser(h.ctx.db, 'trade.operator')).toMatch(/not locked/);
      await expect(counterUnlockUser(h.ctx.db, 'no.such.user')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    } finally {
      await h.close();
    }
  });
});
