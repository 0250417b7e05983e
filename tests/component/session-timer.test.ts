// @vitest-environment jsdom
// The idle timer of the renderer: a warning one minute before the service's ten
// minutes run out, "stay" keeps the session, silence logs out. The bridge here
// is a recording fake: what is under test is the store's timing and calls.
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { useSessionStore } from '../../src-renderer/stores/session';

const profile = {
  userId: 3,
  loginName: 'demo.operator',
  displayName: '赵子航',
  role: 'operator',
  system: 'ebank',
  enterprise: null,
  member: null,
  permissions: ['ebank.settle.contract'],
  mustChangePassword: false,
  lastLoginAt: null,
};

describe('session idle timer', () => {
  const calls: string[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
    calls.length = 0;
    const reply = (method: string) => async () => {
      calls.push(method);
      if (method === 'auth.logout') return { ok: true, value: { ok: true } };
      return { ok: true, value: { profile, idleTimeoutSeconds: 600 } };
    };
    (window as any).settlekey = {
      'auth.login': reply('auth.login'),
      'auth.keepAlive': reply('auth.keepAlive'),
      'auth.logout': reply('auth.logout'),
      on: () => () => undefined,
    };
    setActivePinia(createPinia());
  });
  afterEach(() => vi.useRealTimers());

  it('warns at nine minutes, keeps the session on "stay", and logs out after ten silent minutes', async () => {
    const session = useSessionStore();
    await session.login({ loginName: 'demo.operator', password: 'x', captchaId: 'c', captchaAnswer: 'a' });
    expect(session.warning).toBe(false);
    await vi.advanceTimersByTimeAsync(8 * 60_000 + 59_000);
    expect(session.warning).toBe(false);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(session.warning).toBe(true);
    expect(session.secondsLeft).toBeLessThanOrEqual(60);
    await session.keepAlive();
    expect(session.warning).toBe(false);
    expect(calls).toContain('auth.keepAlive');
    await vi.advanceTimersByTimeAsync(10 * 60_000 + 1_000);
    expect(session.loggedIn).toBe(false);
    expect(session.endedReason).toBe('idle');
    expect(calls.at(-1)).toBe('auth.logout');
  });
});
