// Every limit that counts attempts holds when the attempts arrive together: the
// decision "may this attempt be evaluated?" is taken with counting it, so a
// burst of `limit + k` evaluates exactly `limit` (counted from the attempt
// rows), the right answer afterwards is refused, and no success is returned
// once the limit's failures are recorded. Both databases, real parallel requests.
import { describe, expect, it } from 'vitest';
import { fen } from '../../src-shared/money';
import { DEMO_PASSWORD } from '../../src-service/demo/data';
import * as events from '../../src-service/markets/events';
import { MAX_PASSWORD_ATTEMPTS } from '../../src-service/auth/password-attempts';
import { CARD_AUTH_MAX_FAILURES } from '../../src-service/members/cards';
import { OTP_MAX_TRIES } from '../../src-service/members/otp';
import type { AttemptKind } from '../../src-service/store/schema';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { harnessFor } from '../support/service-harness';
import { signEnvelope } from '../support/soft-certificates';

const BURST = 15;

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`attempt limits under parallel requests on ${kind.name}`, () => {
    const h = harnessFor(kind);

    const codes = (replies: { json(): any }[]) => replies.map((r) => r.json().error?.code ?? 'OK');
    const count = (list: string[], code: string) => list.filter((c) => c === code).length;

    async function attempts(kindOf: AttemptKind, subject: string | number) {
      return h.ctx.db
        .selectFrom('auth_attempts')
        .select(['id', 'outcome'])
        .where('kind', '=', kindOf)
        .where('subject', '=', String(subject))
        .orderBy('id')
        .execute();
    }

    async function userRow(loginName: string) {
      return h.ctx.db.selectFrom('users').selectAll().where('login_name', '=', loginName).executeTakeFirstOrThrow();
    }

    /** Login requests, each with its own captcha, fired together. */
    async function logins(loginName: string, passwords: string[]) {
      const bodies = [];
      for (const password of passwords) bodies.push({ loginName, password, ...(await h.captcha()) });
      return Promise.all(bodies.map((body) => h.request({ method: 'POST', url: '/auth/login', body, lang: 'en' })));
    }

    describe('five wrong passwords lock the user', () => {
      it('(a) limit + k wrong passwords together: exactly the limit evaluated, the rest refused as locked', async () => {
        const replies = await logins('demo.operator', Array(MAX_PASSWORD_ATTEMPTS + BURST).fill('Wrong1234'));
        const got = codes(replies);
        const user = await userRow('demo.operator');
        const evaluated = await attempts('password', user.id);
        expect(evaluated).toHaveLength(MAX_PASSWORD_ATTEMPTS);
        expect(evaluated.every((a) => a.outcome === 'wrong')).toBe(true);
        expect(user.failed_attempts).toBe(MAX_PASSWORD_ATTEMPTS);
        expect(user.locked).toBe(1);
        expect(count(got, 'AUTH_BAD_PASSWORD') + count(got, 'AUTH_USER_LOCKED')).toBe(got.length);
        expect(count(got, 'AUTH_USER_LOCKED')).toBeGreaterThanOrEqual(BURST);
      });

      it('(b) then the right password: refused, no session, not even evaluated', async () => {
        const user = await userRow('demo.operator');
        const sessionsBefore = await h.ctx.db.selectFrom('sessions').select('token_hash').execute();
        const [reply] = await logins('demo.operator', [DEMO_PASSWORD]);
        expect(reply.statusCode).toBe(423);
        expect(reply.json().error.code).toBe('AUTH_USER_LOCKED');
        expect(reply.json().token).toBeUndefined();
        expect(await attempts('password', user.id)).toHaveLength(MAX_PASSWORD_ATTEMPTS);
        expect(await h.ctx.db.selectFrom('sessions').select('token_hash').execute()).toHaveLength(
          sessionsBefore.length,
        );
      });

      it('(c) after 4 failures, 15 wrong and the right one together: the right one is never accepted behind 5 failures', async () => {
        for (let i = 0; i < MAX_PASSWORD_ATTEMPTS - 1; i++) await logins('demo.reviewer', ['Wrong1234']);
        const user = await userRow('demo.reviewer');
        const before = (await attempts('password', user.id)).length;
        expect(before).toBe(MAX_PASSWORD_ATTEMPTS - 1);
        const passwords = Array<string>(BURST).fill('Wrong1234');
        passwords.splice(7, 0, DEMO_PASSWORD);
        const replies = await logins('demo.reviewer', passwords);
        const right = replies[7];
        const burst = (await attempts('password', user.id)).slice(before);
        const rightRecord = burst.find((a) => a.outcome === 'right');
        if (right.statusCode === 200) {
          // It took the last free attempt: no wrong one of the burst was evaluated before it.
          expect(rightRecord).toBeDefined();
          expect(burst.filter((a) => a.outcome === 'wrong' && a.id < rightRecord!.id)).toHaveLength(0);
        } else {
          // A wrong one took the last attempt: the user is locked and the right one was not even compared.
          expect(right.json().error.code).toBe('AUTH_USER_LOCKED');
          expect(rightRecord).toBeUndefined();
          expect((await userRow('demo.reviewer')).locked).toBe(1);
        }
        expect(codes(replies).filter((c) => c === 'OK')).toHaveLength(right.statusCode === 200 ? 1 : 0);
      });

      it('(c) a mixed burst on a fresh user: no success behind five recorded failures, the count ends consistent', async () => {
        const passwords = Array<string>(20).fill('Wrong1234');
        passwords.splice(10, 0, DEMO_PASSWORD);
        const replies = await logins('trade.operator', passwords);
        const user = await userRow('trade.operator');
        const all = await attempts('password', user.id);
        const rightRecord = all.find((a) => a.outcome === 'right');
        // The right password compared means it took a free attempt (trade.operator then meets its
        // certificate step, so the reply need not be 200); not compared means the user was locked first.
        if (rightRecord) {
          expect(replies[10].json().error?.code).not.toBe('AUTH_USER_LOCKED');
          expect(all.filter((a) => a.outcome === 'wrong' && a.id < rightRecord.id).length).toBeLessThan(
            MAX_PASSWORD_ATTEMPTS,
          );
        } else {
          expect(replies[10].json().error.code).toBe('AUTH_USER_LOCKED');
          expect(user.locked).toBe(1);
        }
        // whatever the order, never more than the limit evaluated past the last success
        const afterSuccess = rightRecord ? all.filter((a) => a.id > rightRecord.id) : all;
        expect(afterSuccess.filter((a) => a.outcome === 'wrong').length).toBeLessThanOrEqual(MAX_PASSWORD_ATTEMPTS);
        expect(user.locked === 1).toBe(user.failed_attempts >= MAX_PASSWORD_ATTEMPTS);
      });

      it('the current password asked when changing it counts against the same lock', async () => {
        const token = await h.signedIn('trade.reviewer');
        const user = await userRow('trade.reviewer');
        const replies = await Promise.all(
          Array.from({ length: MAX_PASSWORD_ATTEMPTS + 5 }, () =>
            h.request({
              method: 'POST',
              url: '/auth/password',
              token,
              body: { oldPassword: 'Wrong1234', newPassword: 'Other2026x', confirmPassword: 'Other2026x' },
            }),
          ),
        );
        expect((await attempts('password', user.id)).filter((a) => a.outcome === 'wrong')).toHaveLength(
          MAX_PASSWORD_ATTEMPTS,
        );
        expect(codes(replies)).toContain('AUTH_USER_LOCKED');
        expect((await userRow('trade.reviewer')).locked).toBe(1);
        // the lock ended the session it was tried from
        const after = await h.request({ method: 'GET', url: '/auth/session', token });
        expect(after.statusCode).toBe(401);
      });
    });

    describe('an SMS code allows five tries', () => {
      const phone = '13900139002';
      const recovery = (codeId: string, code: string) =>
        h.request({
          method: 'POST',
          url: '/recovery/corporate',
          lang: 'en',
          body: { certType: 'USCC', certNo: '91330100MA2H4K7Q2K', phone, otp: { codeId, code } },
        });
      async function newCode() {
        h.clock.advance(61_000);
        const sent = await h.request({ method: 'POST', url: '/public/otp', body: { phone, purpose: 'recover' } });
        expect(sent.statusCode, sent.body).toBe(200);
        const right = await h.smsCode(phone);
        return { codeId: sent.json().codeId as string, right, wrong: right === '000000' ? '111111' : '000000' };
      }
      const usedAt = async (codeId: string) =>
        (await h.ctx.db.selectFrom('otp_codes').selectAll().where('id', '=', codeId).executeTakeFirstOrThrow()).used_at;

      it('(a) 40 wrong codes together: exactly five compared, the code then exhausted', async () => {
        const code = await newCode();
        const replies = await Promise.all(Array.from({ length: 40 }, () => recovery(code.codeId, code.wrong)));
        const got = codes(replies);
        expect(await attempts('otp', code.codeId)).toHaveLength(OTP_MAX_TRIES);
        const row = await h.ctx.db.selectFrom('otp_codes').selectAll().where('id', '=', code.codeId).executeTakeFirst();
        expect(row!.tries).toBe(OTP_MAX_TRIES);
        expect(count(got, 'OTP_WRONG')).toBe(OTP_MAX_TRIES - 1);
        expect(count(got, 'OTP_TOO_MANY_TRIES')).toBe(40 - (OTP_MAX_TRIES - 1));
        // (b) the right code afterwards: refused, not compared, not used
        const late = await recovery(code.codeId, code.right);
        expect(late.json().error.code).toBe('OTP_TOO_MANY_TRIES');
        expect(await attempts('otp', code.codeId)).toHaveLength(OTP_MAX_TRIES);
        expect(await usedAt(code.codeId)).toBeNull();
      });

      it('(c) 39 wrong and the right one together: accepted only within the five tries, once', async () => {
        const code = await newCode();
        const tries = Array.from({ length: 39 }, () => code.wrong);
        tries.splice(20, 0, code.right);
        await Promise.all(tries.map((c) => recovery(code.codeId, c)));
        const evaluated = await attempts('otp', code.codeId);
        expect(evaluated.length).toBeLessThanOrEqual(OTP_MAX_TRIES);
        const right = evaluated.find((a) => a.outcome === 'right');
        // used exactly when the right code was among the five compared
        expect((await usedAt(code.codeId)) !== null).toBe(right !== undefined);
        if (right) expect(evaluated.filter((a) => a.id < right.id).length).toBeLessThan(OTP_MAX_TRIES);
      });

      it('a new code at most once a minute, however many ask together', async () => {
        h.clock.advance(61_000);
        const before = await h.ctx.db.selectFrom('sms_outbox').select('id').where('phone', '=', phone).execute();
        const replies = await Promise.all(
          Array.from({ length: 12 }, () =>
            h.request({ method: 'POST', url: '/public/otp', body: { phone, purpose: 'recover' } }),
          ),
        );
        expect(codes(replies).filter((c) => c === 'OK')).toHaveLength(1);
        expect(count(codes(replies), 'OTP_RESEND_TOO_SOON')).toBe(11);
        const after = await h.ctx.db.selectFrom('sms_outbox').select('id').where('phone', '=', phone).execute();
        expect(after.length - before.length).toBe(1);
      });
    });

    describe('card authentication allows five failures a day', () => {
      const card = { cardNo: '6222020000000015', bankCode: '102', branchCode: '102100000001' };
      const authenticate = (token: string, cardPhone: string) =>
        h.request({
          method: 'POST',
          url: '/member/cards/authenticate',
          token,
          body: { card: { ...card, phone: cardPhone }, purpose: 'bound' },
        });

      it('(a) limit + k mismatching checks together: exactly five asked, then (b) the right card is refused', async () => {
        const token = await h.signedIn('m.zhangsan');
        const member = await h.ctx.db
          .selectFrom('users')
          .select('member_id')
          .where('login_name', '=', 'm.zhangsan')
          .executeTakeFirstOrThrow();
        const subject = `member:${member.member_id}`;
        const replies = await Promise.all(
          Array.from({ length: CARD_AUTH_MAX_FAILURES + BURST }, () => authenticate(token, '13900139009')),
        );
        const got = codes(replies);
        expect(await attempts('card-auth', subject)).toHaveLength(CARD_AUTH_MAX_FAILURES);
        expect(count(got, 'CARD_AUTH_MISMATCH')).toBe(CARD_AUTH_MAX_FAILURES);
        expect(count(got, 'CARD_AUTH_TOO_MANY')).toBe(BURST);
        const right = await authenticate(token, '13800138002');
        expect(right.json().error?.code).toBe('CARD_AUTH_TOO_MANY');
        expect(await attempts('card-auth', subject)).toHaveLength(CARD_AUTH_MAX_FAILURES);
        const pending = await h.ctx.db
          .selectFrom('cards')
          .select('id')
          .where('member_id', '=', member.member_id!)
          .where('status', '=', 'pending')
          .execute();
        expect(pending).toHaveLength(0);
        // the next business day the network may be asked again, and the right card passes
        h.clock.advance(24 * 3600_000);
        const nextDay = await h.signedIn('m.zhangsan');
        const ok = await authenticate(nextDay, '13800138002');
        expect(ok.statusCode, ok.body).toBe(200);
      });
    });

    describe('once-only: a suspense record, a captcha, a challenge', () => {
      it('one suspense record allocated by 10 market requests together (different keys): credited once', async () => {
        const parked = await events.incomingTransfer(h.ctx, {
          marketCode: 'B2B02',
          cardNo: '6217000000000014',
          payerName: '李四',
          amount: fen(7_000),
          key: 'once-in',
        });
        expect(parked).toMatchObject({ outcome: 'suspense', reason: 'unboundCard' });
        const suspenseId = (parked as { suspenseId: number }).suspenseId;
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) =>
            events.allocateSuspense(h.ctx, { marketCode: 'B2B02', suspenseId, memberCode: 'B21001', key: `once-${i}` }),
          ),
        );
        expect(
          outcomes.filter((o) => o.status === 'fulfilled'),
          JSON.stringify(outcomes.map((o) => (o.status === 'rejected' ? String(o.reason?.code ?? o.reason) : 'ok'))),
        ).toHaveLength(1);
        for (const o of outcomes.filter((x) => x.status === 'rejected'))
          expect((o as PromiseRejectedResult).reason).toMatchObject({ code: 'SUSPENSE_ALREADY_RESOLVED' });
        const entries = await h.ctx.db
          .selectFrom('journal_entries')
          .select('id')
          .where('kind', '=', 'allocate')
          .execute();
        expect(entries).toHaveLength(1);
      });

      it('one captcha answered right by 10 logins together lets exactly one through to the password check', async () => {
        const captcha = await h.captcha();
        const replies = await Promise.all(
          Array.from({ length: 10 }, () =>
            h.request({
              method: 'POST',
              url: '/auth/login',
              body: { loginName: 'demo.admin1', password: DEMO_PASSWORD, ...captcha },
            }),
          ),
        );
        const got = codes(replies);
        // one passed the captcha (and was then told the user has no certificate yet): the others never got past it
        expect(
          got.filter((c) => !c.startsWith('AUTH_CAPTCHA')),
          got.join(),
        ).toEqual(['CERT_NONE_ISSUED']);
        expect(count(got, 'AUTH_CAPTCHA_EXPIRED')).toBe(9);
      });

      it('one signed login challenge sent 10 times together verifies once', async () => {
        const key = await h.keyOf('demo.admin2');
        const { token, body } = await h.login('demo.admin2', DEMO_PASSWORD, { certificate: false });
        const step = body.certificateStep as { step: 'signOff' | 'signIn'; challenge: string };
        const signature = signEnvelope(key, {
          kind: step.step === 'signOff' ? 'signOff' : 'login',
          loginName: 'demo.admin2',
          certSerial: key.serial,
          challenge: step.challenge,
          time: h.clock.nowIso(),
        });
        const replies = await Promise.all(
          Array.from({ length: 10 }, () =>
            h.request({ method: 'POST', url: '/auth/certificate', token, body: { step: step.step, signature } }),
          ),
        );
        expect(replies.filter((r) => r.statusCode === 200)).toHaveLength(1);
        for (const code of codes(replies).filter((c) => c !== 'OK'))
          expect(['CHALLENGE_REUSED', 'CONFLICT', 'CERT_ALREADY_ACTIVATED']).toContain(code);
      });
    });
  });
}
