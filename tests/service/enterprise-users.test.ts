// 操作员维护 over HTTP: the users list, a menu change shown as added/removed,
// and the signed unlock and password reset.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { payloadOf, submitInstruction } from '../support/instructions';
import { harnessFor } from '../support/service-harness';
import { signEnvelope } from '../support/soft-certificates';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`enterprise users on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let admin: string;
    beforeAll(async () => {
      admin = await h.signedIn('demo.admin1');
    });

    const operate = async (userId: number, operation: string, token = admin, login = 'demo.admin1') => {
      const p = await h.request({
        method: 'POST',
        url: `/ebank/users/${userId}/operations/preview`,
        token,
        body: { operation },
      });
      if (p.statusCode !== 200) return p.json();
      const prev = p.json();
      const signature = signEnvelope(
        await h.keyOf(login),
        payloadOf('adminOperation', prev.fields, prev.challenge, h.clock.nowIso()),
      );
      return (
        await h.request({
          method: 'POST',
          url: `/ebank/users/${userId}/operations`,
          token,
          body: { operation, signature },
        })
      ).json();
    };

    it('lists the users with role, lock and menus; only an administrator may', async () => {
      const users = (await h.request({ method: 'GET', url: '/ebank/users', token: admin })).json();
      expect(users.map((u: any) => u.loginName)).toEqual([
        'demo.admin1',
        'demo.admin2',
        'demo.operator',
        'demo.reviewer',
      ]);
      expect(users[2]).toMatchObject({
        role: 'operator',
        locked: false,
        // in the manual's order
        permissions: ['ebank.settle.contract', 'ebank.settle.memberQuery', 'ebank.query.txnDetail'],
      });
      const operator = await h.signedIn('demo.operator');
      expect((await h.request({ method: 'GET', url: '/ebank/users', token: operator })).statusCode).toBe(403);
    });

    it('shows a pending menu change as what it adds and removes', async () => {
      const users = (await h.request({ method: 'GET', url: '/ebank/users', token: admin })).json();
      const operator = users.find((u: any) => u.loginName === 'demo.operator');
      const change = await submitInstruction(h, admin, 'demo.admin1', {
        kind: 'menu',
        targetUserId: operator.id,
        permissions: [
          'ebank.settle.contract',
          'ebank.settle.deposit',
          'ebank.settle.withdraw',
          'ebank.settle.memberQuery',
        ],
      });
      expect(change.body.menuChange).toEqual({
        target: { id: operator.id, loginName: 'demo.operator', displayName: '赵子航' },
        added: ['ebank.settle.deposit', 'ebank.settle.withdraw'],
        removed: ['ebank.query.txnDetail'],
      });
      const after = (await h.request({ method: 'GET', url: '/ebank/users', token: admin })).json();
      expect(after.find((u: any) => u.loginName === 'demo.operator').menuChangePending).toBe(true);
    });

    it('unlocks a locked user and resets a password with the administrator’s signature', async () => {
      for (let i = 0; i < 5; i++) {
        await h.request({
          method: 'POST',
          url: '/auth/login',
          body: { loginName: 'demo.reviewer', password: 'Wrong0000x', ...(await h.captcha()) },
        });
      }
      const users = (await h.request({ method: 'GET', url: '/ebank/users', token: admin })).json();
      const reviewer = users.find((u: any) => u.loginName === 'demo.reviewer');
      expect(reviewer).toMatchObject({ locked: true, failedAttempts: 5 });
      const unsigned = await h.request({
        method: 'POST',
        url: `/ebank/users/${reviewer.id}/operations`,
        token: admin,
        body: { operation: 'unlock' },
      });
      expect(unsigned.json().error.code).toBe('SIGNATURE_MISSING');
      const unlocked = await operate(reviewer.id, 'unlock');
      expect(unlocked).toMatchObject({
        operation: 'unlock',
        initialPassword: null,
        serial: expect.stringMatching(/^\d{16}$/),
      });
      await expect(h.login('demo.reviewer', 'Demo1234')).resolves.toMatchObject({ token: expect.any(String) });
      const reset = await operate(reviewer.id, 'resetPassword');
      expect(reset.initialPassword).toMatch(/^(?=.*[A-Za-z])(?=.*\d)[A-Za-z\d]{10}$/);
      const again = await h.login('demo.reviewer', reset.initialPassword);
      expect(again.body.profile.mustChangePassword).toBe(true);
      // another enterprise's user is out of reach
      const stranger = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'trade.operator')
        .executeTakeFirstOrThrow();
      expect((await operate(stranger.id, 'unlock')).error.code).toBe('USER_NOT_IN_ENTERPRISE');
    });
  });
}
