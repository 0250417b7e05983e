// Member operations in service tests: prepare, then prove — an individual with
// the SMS code read from the simulator's outbox, a corporate member with a
// USB-KEY signature (software key) over the operation's fields.
import type { Harness } from './service-harness';
import { payloadOf } from './instructions';
import { signEnvelopeWith } from './soft-certificates';

/** A corporate applicant's identity and contact details, as the registration form sends them. */
export const CORPORATE_APPLICANT = {
  name: '星河示范供应链有限公司',
  certType: 'USCC',
  certNo: '91330100MA2H4K7Q2K',
  contactName: '陈晓',
  phone: '13900139003',
  address: '浙江省杭州市西湖区文三路 100 号',
};

export async function lastSmsCode(h: Harness, phone: string): Promise<string> {
  const row = await h.ctx.db
    .selectFrom('sms_outbox')
    .selectAll()
    .where('phone', '=', phone)
    .orderBy('id', 'desc')
    .executeTakeFirstOrThrow();
  const match = /(\d{6})/.exec(row.text);
  if (!match) throw new Error(`no code in: ${row.text}`);
  return match[1];
}

export async function memberOperation(
  h: Harness,
  token: string,
  loginName: string,
  operation: string,
  input: Record<string, unknown>,
  options: { phone?: string; code?: string; skipProof?: boolean } = {},
): Promise<{ status: number; body: any; prepared?: any }> {
  const prep = await h.request({
    method: 'POST',
    url: `/member/operations/${operation}/prepare`,
    token,
    body: input,
    lang: 'en',
  });
  if (prep.statusCode !== 200) return { status: prep.statusCode, body: prep.json() };
  const prepared = prep.json();
  let proof: unknown;
  if (!options.skipProof) {
    if (prepared.method === 'otp') {
      proof = { otp: { codeId: prepared.codeId, code: options.code ?? (await lastSmsCode(h, options.phone!)) } };
    } else {
      const key = await h.signerOf(loginName);
      proof = {
        usbkey: await signEnvelopeWith(
          key,
          payloadOf('memberOperation', prepared.fields, prepared.challenge, h.clock.nowIso()),
        ),
      };
    }
  }
  const res = await h.request({
    method: 'POST',
    url: `/member/operations/${operation}`,
    token,
    body: { input, ...(proof ? { proof } : {}) },
    lang: 'en',
  });
  return { status: res.statusCode, body: res.json(), prepared };
}

/** The demo's individual member 张三 (m.zhangsan) and the card and phone he registered with. */
export const ZHANG = { loginName: 'm.zhangsan', phone: '13800138002', cardNo: '6225880000000019' };

/** 张三 signs 云采 B2B (B2B02) as member B22002 with his registered card, confirmed by SMS. */
export async function zhangSignsB2b(h: Harness, token: string): Promise<{ status: number; body: any }> {
  const get = async (url: string) => (await h.request({ method: 'GET', url, token })).json();
  const b2b = (await get('/markets/mine')).find((m: { code: string }) => m.code === 'B2B02').id;
  const card = (await get('/member/cards'))[0].id;
  return memberOperation(
    h,
    token,
    ZHANG.loginName,
    'signContract',
    { marketId: b2b, memberCode: 'B22002', cardId: card },
    { phone: ZHANG.phone },
  );
}
