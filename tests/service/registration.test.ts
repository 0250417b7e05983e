// The member system's public side through the HTTP API on both databases:
// identity check characters, the documents archive, SMS codes, card
// authentication, registration and the counter's decision, recovery, the
// first-login code, self-service.
import { describe, expect, it } from 'vitest';
import { MAX_ARCHIVE_BYTES } from '../../src-service/registrations/archive';
import { approveRegistration, registrationArchive, rejectRegistration } from '../../src-service/registrations/service';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { harnessFor } from '../support/service-harness';
import { makeZip, zipOfSize } from '../support/zip';
import { CORPORATE_APPLICANT } from '../support/members';

const ZIP = makeZip([
  { name: '营业执照.pdf', content: 'license' },
  { name: '法定代表人身份证.jpg', content: 'id card' },
]);

const CORPORATE = CORPORATE_APPLICANT;

const LISI = {
  name: '李四',
  idNo: '110105198511223011',
  card: { cardNo: '6225880000000035', bankCode: '308', branchCode: '308100000001', phone: '13900139001' },
};

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`registration and recovery on ${kind.name}`, () => {
    const h = harnessFor(kind);

    const post = (url: string, body: unknown, lang: 'zh-CN' | 'en' = 'zh-CN', token?: string) =>
      h.request({ method: 'POST', url, body, lang, token });

    /** An SMS code for the phone; waits out the resend interval on the test clock. */
    async function code(phone: string, purpose: 'register' | 'recover') {
      h.clock.advance(61_000);
      const sent = await post('/public/otp', { phone, purpose });
      expect(sent.statusCode, sent.body).toBe(200);
      return { codeId: sent.json().codeId as string, code: await h.smsCode(phone) };
    }

    const field = (res: { json(): any }) => res.json().error.fields?.[0];

    it('checks the national standards’ check characters and names the field and the rule', async () => {
      const otp = { codeId: 'x', code: '123456' };
      const archive = { name: 'docs.zip', base64: ZIP.toString('base64') };
      const badUscc = await post('/registrations/corporate', {
        ...CORPORATE,
        certNo: '91330100MA2H4K7Q2A',
        archive,
        otp,
      });
      expect(badUscc.statusCode).toBe(400);
      expect(field(badUscc)).toMatchObject({ field: 'certNo', rule: 'USCC_RULE' });
      expect(field(badUscc).message).toContain('证件号码');
      expect(field(badUscc).message).toContain('GB 32100');
      const badOrg = await post(
        '/registrations/corporate',
        { ...CORPORATE, certType: 'ORG', certNo: '12345678-0', archive, otp },
        'en',
      );
      expect(field(badOrg)).toMatchObject({ field: 'certNo', rule: 'ORG_CODE_RULE' });
      expect(field(badOrg).message).toContain('GB 11714');
      const badId = await post('/registrations/individual', { ...LISI, idNo: '110105198511223012', otp });
      expect(field(badId)).toMatchObject({ field: 'idNo', rule: 'ID_NUMBER_RULE' });
      const badCard = await post('/registrations/individual', {
        ...LISI,
        card: { ...LISI.card, cardNo: '6225880000000036' },
        otp,
      });
      expect(field(badCard)).toMatchObject({ field: 'card.cardNo', rule: 'CARD_NUMBER_RULE' });
      const badPhone = await post('/public/otp', { phone: '1390013900', purpose: 'register' });
      expect(field(badPhone)).toMatchObject({ field: 'phone', rule: 'MOBILE_RULE' });
    });

    it('takes only a zip or rar of at most 5 MB that holds files, told on the archive field — and stores it intact', async () => {
      const submit = async (data: Buffer, lang: 'zh-CN' | 'en' = 'zh-CN') =>
        post(
          '/registrations/corporate',
          {
            ...CORPORATE,
            archive: { name: 'docs.zip', base64: data.toString('base64') },
            otp: await code(CORPORATE.phone, 'register'),
          },
          lang,
        );
      const tooBig = await submit(zipOfSize(MAX_ARCHIVE_BYTES + 1));
      expect(tooBig.statusCode).toBe(422);
      expect(field(tooBig)).toMatchObject({ field: 'archive', rule: 'ARCHIVE_TOO_LARGE' });
      expect(field(tooBig).message).toContain('5 MB');
      const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(200, 1)]);
      const renamed = await submit(exe, 'en');
      expect(field(renamed)).toMatchObject({ field: 'archive', rule: 'ARCHIVE_TYPE' });
      expect(field(renamed).message).toMatch(/zip or rar/);
      const empty = await submit(makeZip([]));
      expect(field(empty)).toMatchObject({ field: 'archive', rule: 'ARCHIVE_EMPTY' });
      // far over the limit: the body limit answers, still on the archive's field
      const huge = await post('/registrations/corporate', {
        ...CORPORATE,
        archive: { name: 'docs.zip', base64: Buffer.alloc(9 * 1024 * 1024, 7).toString('base64') },
        otp: { codeId: 'x', code: '123456' },
      });
      expect(huge.statusCode).toBe(422);
      expect(field(huge)).toMatchObject({ field: 'archive', rule: 'ARCHIVE_TOO_LARGE' });
      // nothing of the refused ones was kept
      expect(await h.ctx.db.selectFrom('registrations').selectAll().execute()).toHaveLength(0);

      const exactly5 = zipOfSize(MAX_ARCHIVE_BYTES);
      const accepted = await submit(exactly5);
      expect(accepted.statusCode, accepted.body).toBe(200);
      expect(accepted.json()).toMatchObject({ memberType: 'corporate', status: 'pending', phone: '139****9003' });
      const stored = await registrationArchive(h.ctx.db, accepted.json().serial);
      expect(stored.data.equals(exactly5)).toBe(true);
      expect(stored.listing.entries.map((e) => e.name)).toEqual(['scan.pdf']);
      expect(await h.lastSms(CORPORATE.phone)).toContain(accepted.json().serial);

      const again = await submit(ZIP);
      expect(again.json().error).toMatchObject({ code: 'REGISTRATION_PENDING' });
    });

    it('SMS codes: bound to the phone and purpose, valid 120 s, 5 tries, a new one after 60 s', async () => {
      const phone = '13900139002';
      h.clock.advance(61_000);
      const first = await post('/public/otp', { phone, purpose: 'recover' });
      expect(first.statusCode).toBe(200);
      const soon = await post('/public/otp', { phone, purpose: 'recover' }, 'en');
      expect(soon.json().error.code).toBe('OTP_RESEND_TOO_SOON');
      expect(soon.json().error.message).toMatch(/\d+ s|\d+ seconds/);
      const right = await h.smsCode(phone);
      const wrong = right === '000000' ? '111111' : '000000';
      const recovery = (c: string, p = phone) =>
        post('/recovery/corporate', {
          certType: 'USCC',
          certNo: CORPORATE.certNo,
          phone: p,
          otp: { codeId: first.json().codeId, code: c },
        });
      // another phone cannot use it
      expect((await recovery(right, '13900139001')).json().error.code).toBe('OTP_EXPIRED');
      for (let left = 4; left >= 1; left--) {
        const res = await recovery(wrong);
        expect(res.json().error).toMatchObject({ code: 'OTP_WRONG', params: { left } });
      }
      expect((await recovery(wrong)).json().error.code).toBe('OTP_TOO_MANY_TRIES');
      expect((await recovery(right)).json().error.code).toBe('OTP_TOO_MANY_TRIES');

      const fresh = await code(phone, 'recover');
      h.clock.advance(121_000);
      const late = await post('/recovery/corporate', {
        certType: 'USCC',
        certNo: CORPORATE.certNo,
        phone,
        otp: fresh,
      });
      expect(late.json().error.code).toBe('OTP_EXPIRED');
    });

    it('card authentication names what does not match, refuses our own and unsupported cards, and stops after 5 failures', async () => {
      const attempt = async (card: Partial<typeof LISI.card>, person: Partial<typeof LISI> = {}) => {
        const phone = card.phone ?? LISI.card.phone;
        const res = await post('/registrations/individual', {
          ...LISI,
          ...person,
          card: { ...LISI.card, ...card },
          otp: await code(phone, 'register'),
        });
        return res.json().error;
      };
      expect(await attempt({}, { name: '李五' })).toMatchObject({
        code: 'CARD_AUTH_MISMATCH',
        message: expect.stringContaining('户名'),
      });
      expect(await attempt({ phone: '13900139009' })).toMatchObject({
        code: 'CARD_AUTH_MISMATCH',
        message: expect.stringContaining('预留手机号码'),
      });
      expect((await attempt({ cardNo: '6225880000000043' }, {})).code).toBe('CARD_UNSUPPORTED');
      expect((await attempt({ cardNo: '6235010000000011' })).code).toBe('CARD_OWN_BANK');
      // the card number says ICBC: not the bank chosen
      expect(await attempt({ cardNo: '6222020000000023' })).toMatchObject({
        code: 'CARD_BANK_MISMATCH',
        message: expect.stringContaining('中国工商银行'),
      });
      expect((await attempt({ branchCode: '102100000001' })).code).toBe('BRANCH_UNKNOWN');
      // failures so far on this phone: holder, unsupported (the phone mismatch counts on the other phone)
      expect((await attempt({}, { idNo: '310104199206154027' })).code).toBe('CARD_AUTH_MISMATCH');
      expect((await attempt({ cardNo: '6225880000000019' })).code).toBe('CARD_IN_USE');
      expect((await attempt({}, { name: '李六' })).code).toBe('CARD_AUTH_MISMATCH');
      expect((await attempt({}, { name: '李七' })).code).toBe('CARD_AUTH_MISMATCH');
      expect((await attempt({})).code).toBe('CARD_AUTH_TOO_MANY');
      // the next business day the card network may be asked again
      h.clock.advance(24 * 3600_000);
    });

    it('registers an individual: the login name and initial password by SMS, a first login with an SMS code and a forced change', async () => {
      const res = await post('/registrations/individual', { ...LISI, otp: await code(LISI.card.phone, 'register') });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.json()).toMatchObject({ memberType: 'individual', status: 'approved', phone: '139****9001' });
      const sms = await h.lastSms(LISI.card.phone);
      const [, loginName, password] = /登录名 (\S+)，初始密码 (\S+)，/.exec(sms)!;
      expect(loginName).toMatch(/^sk\d{8}$/);
      const again = await post('/registrations/individual', { ...LISI, otp: await code(LISI.card.phone, 'register') });
      expect(again.json().error.code).toBe('REGISTRATION_EXISTS');

      // the login page's choice must match
      const wrongSystem = await post('/auth/login', {
        loginName,
        password,
        ...(await h.captcha()),
        system: 'member',
        memberType: 'corporate',
      });
      expect(wrongSystem.json().error).toMatchObject({ code: 'AUTH_WRONG_SYSTEM' });
      const login = await post('/auth/login', {
        loginName,
        password,
        ...(await h.captcha()),
        system: 'member',
        memberType: 'individual',
      });
      expect(login.statusCode, login.body).toBe(200);
      const token = login.json().token;
      expect(login.json().otpStep).toEqual({ phone: '139****9001' });
      // nothing works before the code
      const early = await h.request({ method: 'GET', url: '/member-accounts', token });
      expect(early.json().error.code).toBe('AUTH_OTP_STEP_REQUIRED');
      // the SMS step comes before the password's change: the code is asked only while the password is the initial one
      const changeFirst = await post(
        '/auth/password',
        { oldPassword: password, newPassword: 'Lisi2026ok', confirmPassword: 'Lisi2026ok' },
        'zh-CN',
        token,
      );
      expect(changeFirst.json().error.code).toBe('AUTH_OTP_STEP_REQUIRED');
      const sent = await post('/auth/otp/send', undefined, 'zh-CN', token);
      const verified = await post(
        '/auth/otp',
        { codeId: sent.json().codeId, code: await h.smsCode(LISI.card.phone) },
        'zh-CN',
        token,
      );
      expect(verified.statusCode, verified.body).toBe(200);
      expect(verified.json().profile).toMatchObject({ mustChangePassword: true, system: 'member' });
      const forced = await h.request({ method: 'GET', url: '/member-accounts', token });
      expect(forced.json().error.code).toBe('AUTH_PASSWORD_CHANGE_REQUIRED');
      const changed = await post(
        '/auth/password',
        { oldPassword: password, newPassword: 'Lisi2026ok', confirmPassword: 'Lisi2026ok' },
        'zh-CN',
        token,
      );
      expect(changed.statusCode).toBe(200);
      const cards = await h.request({ method: 'GET', url: '/member/cards', token });
      expect(cards.json()).toEqual([
        expect.objectContaining({ cardNo: '6225 **** **** 0035', bankName: '招商银行', status: 'active' }),
      ]);
    });

    it('the counter approves a corporate application (member, user, SMS) or rejects it with a reason', async () => {
      const pending = await h.ctx.db
        .selectFrom('registrations')
        .select('serial')
        .where('status', '=', 'pending')
        .executeTakeFirstOrThrow();
      const { loginName } = await approveRegistration(h.ctx, pending.serial, 'counter');
      expect(await h.lastSms(CORPORATE.phone)).toContain(`登录名 ${loginName}`);
      await expect(approveRegistration(h.ctx, pending.serial, 'counter')).rejects.toMatchObject({
        code: 'REGISTRATION_DECIDED',
      });
      const member = await h.ctx.db
        .selectFrom('members')
        .selectAll()
        .where('cert_no', '=', CORPORATE.certNo)
        .executeTakeFirstOrThrow();
      expect(member).toMatchObject({ member_type: 'corporate', contact_name: '陈晓', address: CORPORATE.address });
      // a corporate member needs a USB-KEY at login: it has a certificate step and no certificate yet
      const again = await post('/registrations/corporate', {
        ...CORPORATE,
        archive: { name: 'docs.zip', base64: ZIP.toString('base64') },
        otp: await code(CORPORATE.phone, 'register'),
      });
      expect(again.json().error.code).toBe('REGISTRATION_EXISTS');

      const other = await post('/registrations/corporate', {
        ...CORPORATE,
        name: '南岭示范物流有限公司',
        certNo: '91320100MA1N6W8R3G',
        phone: '13900139005',
        archive: { name: 'docs.zip', base64: ZIP.toString('base64') },
        otp: await code('13900139005', 'register'),
      });
      expect(other.statusCode, other.body).toBe(200);
      await expect(rejectRegistration(h.ctx, other.json().serial, ' ', 'counter')).rejects.toMatchObject({
        code: 'REJECT_REASON_REQUIRED',
      });
      await rejectRegistration(h.ctx, other.json().serial, '营业执照复印件未加盖公章', 'counter');
      expect(await h.lastSms('13900139005')).toContain('营业执照复印件未加盖公章');
    });

    it('recovers the login name and a new password: corporate by certificate and phone, individual by card authentication', async () => {
      const wrong = await post('/recovery/corporate', {
        certType: 'USCC',
        certNo: CORPORATE.certNo,
        phone: '13900139005',
        otp: await code('13900139005', 'recover'),
      });
      expect(wrong.json().error.code).toBe('RECOVERY_NO_MATCH');
      const corp = await post('/recovery/corporate', {
        certType: 'USCC',
        certNo: CORPORATE.certNo,
        phone: CORPORATE.phone,
        otp: await code(CORPORATE.phone, 'recover'),
      });
      expect(corp.statusCode, corp.body).toBe(200);
      expect(corp.json().loginName).toMatch(/^sk\d{8}$/);
      expect(await h.lastSms(CORPORATE.phone)).toContain('登录密码已重置为');

      // 张三 locks himself out, then recovers with his bound card
      const zhangsan = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'm.zhangsan')
        .executeTakeFirstOrThrow();
      await h.ctx.db
        .updateTable('users')
        .set({ locked: 1, failed_attempts: 5 })
        .where('id', '=', zhangsan.id)
        .execute();
      const individual = {
        name: '张三',
        idNo: '110105199003071239',
        bankCode: '308',
        cardNo: '6225880000000019',
        phone: '13800138002',
      };
      const notHisCard = await post('/recovery/individual', {
        ...individual,
        cardNo: '6222020000000015',
        bankCode: '102',
        otp: await code(individual.phone, 'recover'),
      });
      expect(notHisCard.json().error.code).toBe('RECOVERY_NO_MATCH');
      const ok = await post('/recovery/individual', { ...individual, otp: await code(individual.phone, 'recover') });
      expect(ok.statusCode, ok.body).toBe(200);
      expect(ok.json()).toEqual({ loginName: 'm.zhangsan', phone: '138****8002' });
      const password = /重置为 (\S+)，/.exec(await h.lastSms(individual.phone))![1];
      const user = await h.ctx.db
        .selectFrom('users')
        .selectAll()
        .where('id', '=', zhangsan.id)
        .executeTakeFirstOrThrow();
      expect(user).toMatchObject({ locked: 0, failed_attempts: 0, must_change_password: 1 });
      const login = await post('/auth/login', { loginName: 'm.zhangsan', password, ...(await h.captcha()) });
      expect(login.statusCode, login.body).toBe(200);
      // after a reset the SMS code is asked again
      expect(login.json().otpStep).toEqual({ phone: '138****8002' });
    });

    it('self-service: contact details, login name and password changed only when verified; a phone change needs a card reserved to the new phone', async () => {
      h.clock.advance(61_000);
      const { token } = await h.login('m.zhangsan', /重置为 (\S+)，/.exec(await h.lastSms('13800138002'))![1]);
      const password = 'Zhang2026a';
      const current = /重置为 (\S+)，/.exec(
        (
          await h.ctx.db
            .selectFrom('sms_outbox')
            .select('text')
            .where('text', 'like', '%重置为%')
            .orderBy('id', 'desc')
            .executeTakeFirstOrThrow()
        ).text,
      )![1];
      expect(
        (
          await post(
            '/auth/password',
            { oldPassword: current, newPassword: password, confirmPassword: password },
            'zh-CN',
            token,
          )
        ).statusCode,
      ).toBe(200);
      const operate = async (operation: string, input: object, phone = '13800138002') => {
        h.clock.advance(61_000);
        const prepared = await post(`/member/operations/${operation}/prepare`, input, 'zh-CN', token);
        if (prepared.statusCode !== 200) return prepared;
        const code = await h.smsCode(phone);
        return post(
          `/member/operations/${operation}`,
          { input, proof: { otp: { codeId: prepared.json().codeId, code } } },
          'zh-CN',
          token,
        );
      };
      // without the code, nothing changes
      const unverified = await post(
        '/member/operations/updateInfo',
        { input: { contactName: '张三', address: '北京市朝阳区' } },
        'zh-CN',
        token,
      );
      expect(unverified.json().error.code).toBe('VERIFICATION_REQUIRED');
      expect(
        (await operate('updateInfo', { contactName: '张三', address: '北京市朝阳区建国路 1 号' })).statusCode,
      ).toBe(200);
      const profile = (await h.request({ method: 'GET', url: '/member/profile', token })).json();
      expect(profile).toMatchObject({ name: '张三', certNo: '110105199003071239', address: '北京市朝阳区建国路 1 号' });

      const mismatch = await operate('changeLoginName', {
        newLoginName: 'zhangsan.2026',
        confirmLoginName: 'zhangsan.2027',
        password,
      });
      expect(mismatch.json().error.code).toBe('LOGIN_NAME_MISMATCH');
      const digitFirst = await operate('changeLoginName', {
        newLoginName: '2026zhangsan',
        confirmLoginName: '2026zhangsan',
        password,
      });
      expect(digitFirst.json().error.fields[0]).toMatchObject({ field: 'newLoginName', rule: 'LOGIN_NAME_RULE' });
      const taken = await operate('changeLoginName', { newLoginName: 'm.corp', confirmLoginName: 'm.corp', password });
      expect(taken.json().error.code).toBe('LOGIN_NAME_TAKEN');
      const renamed = await operate('changeLoginName', {
        newLoginName: 'zhangsan.2026',
        confirmLoginName: 'zhangsan.2026',
        password,
      });
      expect(renamed.statusCode, renamed.body).toBe(200);

      const pw = await operate('changePassword', {
        oldPassword: password,
        newPassword: 'Zhang2027b',
        confirmPassword: 'Zhang2027b',
      });
      expect(pw.statusCode, pw.body).toBe(200);
      const stored = await h.ctx.db
        .selectFrom('member_operations')
        .select('payload')
        .where('kind', '=', 'changePassword')
        .executeTakeFirstOrThrow();
      expect(stored.payload).not.toContain('Zhang2027b');

      // phone change: the CCB card reserved to 13800138012, the code to the new phone
      const card = await post(
        '/member/cards/authenticate',
        {
          card: { cardNo: '6227000000000012', bankCode: '105', branchCode: '105100000001', phone: '13800138012' },
          purpose: 'bound',
        },
        'zh-CN',
        token,
      );
      expect(card.statusCode, card.body).toBe(200);
      expect(card.json().status).toBe('pending');
      const same = await operate('changePhone', { cardId: card.json().id, newPhone: '13800138002' });
      expect(same.json().error.code).toBe('PHONE_SAME');
      const moved = await operate('changePhone', { cardId: card.json().id, newPhone: '13800138012' }, '13800138012');
      expect(moved.statusCode, moved.body).toBe(200);
      expect((await h.request({ method: 'GET', url: '/member/profile', token })).json().phone).toBe('13800138012');
    });
  });
}
