import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startShellUnderTest, type ShellUnderTest } from '../support/shell-core';

const json = async (res: Response | Promise<Response>): Promise<any> => (await res).json();

describe('browser shell: only the launched page can call the IPC contract', () => {
  let s: ShellUnderTest;
  let cookie: string;
  let port: string;

  beforeAll(async () => {
    s = await startShellUnderTest();
    port = new URL(s.shell.origin).port;
    const launch = await fetch(s.shell.launchUrl, { redirect: 'manual' });
    expect(launch.status).toBe(302);
    const setCookie = launch.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    cookie = setCookie.split(';')[0];
  });
  afterAll(async () => {
    await s?.close();
  });

  const ipc = (headers: Record<string, string>, method = 'app.info', body: unknown = {}) =>
    fetch(`${s.shell.origin}/ipc/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });
  const good = () => ({ cookie, origin: s.shell.origin, 'x-settlekey-bridge': '1' });

  it('answers the launched page', async () => {
    const res = await ipc(good());
    expect(res.status).toBe(200);
    const envelope = (await res.json()) as any;
    expect(envelope).toMatchObject({ ok: true, value: { demo: true, serviceMode: 'embedded' } });
    expect(envelope.value.serviceUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('refuses a call without the launch secret, or with a wrong one', async () => {
    const { cookie: _c, ...noCookie } = good();
    expect((await ipc(noCookie)).status).toBe(403);
    expect((await ipc({ ...good(), cookie: `settlekey_${port}=${'0'.repeat(64)}` })).status).toBe(403);
    expect((await fetch(`${s.shell.origin}/launch?k=wrong`, { redirect: 'manual' })).status).toBe(403);
    expect((await fetch(`${s.shell.origin}/`)).status).toBe(403);
  });

  it('refuses a call from a foreign Origin even with the cookie', async () => {
    expect((await ipc({ ...good(), origin: 'http://evil.example' })).status).toBe(403);
    expect((await ipc({ ...good(), origin: 'http://localhost:' + port })).status).toBe(403);
    const { origin: _o, ...noOrigin } = good();
    expect((await ipc(noOrigin)).status).toBe(403);
  });

  it('refuses a call without the bridge header (a plain cross-site form post)', async () => {
    const { 'x-settlekey-bridge': _b, ...noHeader } = good();
    expect((await ipc(noHeader)).status).toBe(403);
  });

  it('refuses a rebinding attack: any Host other than 127.0.0.1:port', async () => {
    const { request } = await import('node:http');
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/ipc/app.info',
          method: 'POST',
          headers: { ...good(), host: `evil.example:${port}`, 'content-type': 'application/json' },
        },
        (res) => resolve(res.statusCode ?? 0),
      );
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('serves the page with a strict CSP and injects the bridge before the app script', async () => {
    const res = await fetch(`${s.shell.origin}/`, { headers: { cookie } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await res.text();
    expect(html.indexOf('/settlekey-bridge.js')).toBeGreaterThan(-1);
    expect(html.indexOf('/settlekey-bridge.js')).toBeLessThan(html.indexOf('./assets/app.js'));
  });

  it('validates arguments and refuses methods outside the contract, over HTTP too', async () => {
    const unknown = await json(ipc(good(), 'auth.becomeAdmin'));
    expect(unknown).toMatchObject({ ok: false, error: { code: 'IPC_UNKNOWN_METHOD' } });
    const bad = await json(ipc(good(), 'auth.login', { arg: { loginName: 42 } }));
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('VALIDATION');
    expect(bad.error.fields.map((f: { field: string }) => f.field)).toContain('loginName');
  });

  it('carries a real login through to the embedded service', async () => {
    const captcha = await json(ipc(good(), 'auth.captcha'));
    expect(captcha.value.svg).toContain('<svg');
    const answer = await json(
      fetch(`${s.shell.origin}/__test/captcha`, {
        method: 'POST',
        headers: { ...good(), 'content-type': 'application/json' },
        body: '{}',
      }),
    );
    const login = await json(
      ipc(good(), 'auth.login', {
        arg: {
          loginName: 'm.zhangsan',
          password: 'Demo1234',
          captchaId: captcha.value.captchaId,
          captchaAnswer: answer.answer,
        },
      }),
    );
    expect(login).toMatchObject({
      ok: true,
      value: { profile: { loginName: 'm.zhangsan', mustChangePassword: true }, certificateStep: null },
    });
    // the session token stays in the main process
    expect(JSON.stringify(login)).not.toMatch(/"token"/);
    const session = await json(ipc(good(), 'auth.session'));
    expect(session.value.profile.loginName).toBe('m.zhangsan');
    const out = await json(ipc(good(), 'auth.logout'));
    expect(out).toEqual({ ok: true, value: { ok: true } });
    expect((await json(ipc(good(), 'auth.session'))).value).toBeNull();
  });
});
