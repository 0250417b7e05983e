import { describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/core/dispatch';
import type { Handlers } from '../../src-main/core/handlers';
import { IPC_METHODS } from '../../src-shared/ipc/contract';

// Handlers that record what reached them: the point is what never does.
function recordingHandlers() {
  const reached: string[] = [];
  const handlers = Object.fromEntries(
    IPC_METHODS.map((m) => [
      m,
      async (input: unknown) => {
        reached.push(m);
        return input ?? { ok: true };
      },
    ]),
  ) as unknown as Handlers;
  return { handlers, reached };
}

describe('IPC dispatch validates every argument with the shared schema', () => {
  const bad: [string, unknown, string[]][] = [
    ['auth.login', undefined, ['(body)']],
    ['auth.login', { loginName: 'demo.operator' }, ['password', 'captchaId', 'captchaAnswer']],
    [
      'auth.login',
      { loginName: 1, password: 2, captchaId: 3, captchaAnswer: 4 },
      ['loginName', 'password', 'captchaId', 'captchaAnswer'],
    ],
    ['auth.login', { loginName: 'a', password: 'b', captchaId: 'c', captchaAnswer: 'd', extra: true }, ['extra']],
    ['auth.changePassword', { oldPassword: 'x', newPassword: 'short1', confirmPassword: 'short1' }, ['newPassword']],
    ['auth.changePassword', { oldPassword: 'x', newPassword: 'a'.repeat(21), confirmPassword: 'y' }, ['newPassword']],
    ['settings.update', { serviceMode: 'cloud' }, ['serviceMode']],
    ['settings.update', { remoteUrl: 'http://evil.example.com' }, ['remoteUrl']],
    ['settings.update', { remoteUrl: 'https://user:pw@bank.example' }, ['remoteUrl']],
    ['settings.update', { language: 'fr' }, ['language']],
    ['settings.update', { pkcs11Module: 'x'.repeat(501) }, ['pkcs11Module']],
    ['app.info', { unexpected: 1 }, ['(body)']],
  ];

  it.each(bad)('%s(%j) is refused before the handler runs', async (method, arg, fields) => {
    const { handlers, reached } = recordingHandlers();
    const result = await dispatch(handlers, method, arg, 'en');
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('VALIDATION');
    expect(result.error.fields?.map((f) => f.field)).toEqual(fields);
    expect(reached).toEqual([]);
  });

  it('refuses a method outside the contract', async () => {
    const { handlers, reached } = recordingHandlers();
    for (const method of ['auth.loginAsAdmin', '__proto__', 'constructor', 42, null]) {
      const result = await dispatch(handlers, method, undefined, 'zh-CN');
      expect(result).toMatchObject({ ok: false, error: { code: 'IPC_UNKNOWN_METHOD' } });
    }
    expect(reached).toEqual([]);
  });

  it('passes a valid argument through, trimmed by the schema', async () => {
    const { handlers, reached } = recordingHandlers();
    const result = await dispatch(
      handlers,
      'auth.login',
      { loginName: ' demo.operator ', password: 'Demo1234', captchaId: 'abc', captchaAnswer: ' x1y2 ' },
      'en',
    );
    expect(result).toEqual({
      ok: true,
      value: { loginName: 'demo.operator', password: 'Demo1234', captchaId: 'abc', captchaAnswer: 'x1y2' },
    });
    expect(reached).toEqual(['auth.login']);
  });

  it('turns an unexpected exception into INTERNAL without leaking it', async () => {
    const handlers = {
      'app.info': async () => {
        throw new Error('secret stack detail');
      },
    } as unknown as Handlers;
    const result = await dispatch(handlers, 'app.info', undefined, 'en');
    expect(result).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'Internal error, please try again later' },
    });
  });
});
