// SM2 USB-KEYs end to end through the service, on both databases: two users'
// keys made in containers of the software SKF library (the simulator of a
// Chinese bank's USB-KEY), their requests signed there, SM2 certificates issued
// by the bank's SM2 CA (whose key is in the simulator's device standing in for
// the bank's SM2 HSM), then sign-off, signed login, a signed contract and a
// signed deposit approved — every signature the tokens made also accepted by
// Debian's openssl with the standard signer ID, and the certificates by
// `openssl verify` against the SM2 CA. A changed byte, or another key's
// signature, is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readSm2Certificate } from '../../src-token/sm2-x509';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { decide, submitInstruction, tradeDesk } from '../support/instructions';
import { memberOperation } from '../support/members';
import { harnessFor } from '../support/service-harness';
import { signEnvelopeWith } from '../support/soft-certificates';
import {
  opensslVerifiesCertificate,
  opensslVerifiesSm2,
  SKF_LIBRARY,
  SkfBench,
  type SkfKey,
} from '../support/sm2-tokens';
import { join } from 'node:path';
import { SkfSm2KeyStore, sm2HsmSettingsFromEnv } from '../../src-service/bank-keys/skf-sm2-store';
import { SETTLEKEY_APPLICATION } from '../../src-token/skf-driver';

const bench = new SkfBench();
afterAll(() => bench.close());

describe("the bank's SM2 HSM as its settings name it (a vendor's, or here the simulator's device)", () => {
  it('opens the device the settings name, makes a key there and signs with it; a partial setting names what is missing', async () => {
    const device = join(bench.dir, 'bank-sm2-hsm');
    const slot = bench.driver.createDevice(device, 'BANKSM2HSM');
    bench.driver.initApplication(slot, SETTLEKEY_APPLICATION, '87654321', 'hsm-pin-1', 10);
    const settings = sm2HsmSettingsFromEnv({
      SETTLEKEY_SM2_HSM_LIBRARY: SKF_LIBRARY,
      SETTLEKEY_SM2_HSM_DEVICE: device,
      SETTLEKEY_SM2_HSM_PIN: 'hsm-pin-1',
    })!;
    const store = SkfSm2KeyStore.open(settings);
    try {
      expect(store.kind).toBe('skf');
      const key = await store.generate('SettleKey bank SM2 CA');
      expect(await store.publicKey(key.ref)).toEqual(key.point);
      expect(await store.publicKey('6e6f6e65')).toBeNull(); // a container the HSM does not hold
      const data = new TextEncoder().encode('tbsCertificate');
      const rs = await store.sign(key.ref, data);
      expect(opensslVerifiesSm2(key.point, { data, rs }).ok).toBe(true);
    } finally {
      await store.close();
    }
    // the device is the service's own: no user's token list shows it
    expect(bench.driver.tokens().map((t) => t.slotId)).not.toContain(slot);
    expect(() => sm2HsmSettingsFromEnv({ SETTLEKEY_SM2_HSM_LIBRARY: SKF_LIBRARY })).toThrow(
      expect.objectContaining({ code: 'BANK_HSM_SETTING_MISSING' }),
    );
  });
});

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`SM2 USB-KEYs on the SKF simulator, ${kind.name}`, () => {
    const h = harnessFor(kind);
    let operatorKey: SkfKey;
    let reviewerKey: SkfKey;
    let desk: { op: string; rev: string; contract: number };

    beforeAll(async () => {
      operatorKey = await bench.issue(h.ctx, 'trade.operator');
      reviewerKey = await bench.issue(h.ctx, 'trade.reviewer');
      h.useKey('trade.operator', operatorKey);
      h.useKey('trade.reviewer', reviewerKey);
    }, 60_000);

    it('issues SM3withSM2 certificates from the SM2 CA, each verified by openssl, for requests signed in the container', async () => {
      const ca = await h.ctx.bankKeys.sm2.certificate();
      for (const key of [operatorKey, reviewerKey]) {
        const view = readSm2Certificate(key.der);
        expect(view.signature, 'signed with SM3withSM2').not.toBeNull();
        expect(Buffer.from(view.point!.x)).toEqual(Buffer.from(key.point.x));
        const verified = opensslVerifiesCertificate(key.der, ca);
        expect(verified.ok, verified.out).toBe(true);
        // the request was signed in the container: openssl accepts that signature as well
        expect(opensslVerifiesSm2(key.point, key.signed[0]).ok).toBe(true);
      }
      // the CA's key is in the stand-in SM2 HSM, a device folder of the service's own: no user's token list shows it
      const recorded = await h.ctx.db.selectFrom('bank_sm2_keys').selectAll().executeTakeFirstOrThrow();
      expect(recorded).toMatchObject({ purpose: 'sm2-ca', store: 'demo-skf' });
      expect(bench.driver.tokens().map((t) => t.serial)).toEqual(
        expect.not.arrayContaining([expect.stringMatching(/^SM2HSM/)]),
      );
      expect(bench.driver.tokens().map((t) => t.slotId)).toEqual(
        expect.arrayContaining([operatorKey.slotId, reviewerKey.slotId]),
      );
      const row = await h.ctx.db
        .selectFrom('certificates')
        .select(['key_type', 'status'])
        .where('serial', '=', operatorKey.serial)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ key_type: 'sm2', status: 'issued' });
    });

    it('signs off, logs in, signs a contract and a deposit, and approves it — all with the SM2 keys', async () => {
      desk = await tradeDesk(h); // sign-off and the first login of both, and the contract signed and approved
      const status = await h.ctx.db
        .selectFrom('certificates')
        .select('status')
        .where('serial', 'in', [operatorKey.serial, reviewerKey.serial])
        .execute();
      expect(status.map((r) => r.status)).toEqual(['activated', 'activated']);
      // a second login: the signed-login step, not sign-off
      const again = await h.login('trade.operator', 'Ready2026go', { certificate: false });
      expect(again.body.certificateStep.step).toBe('signIn');
      const signedIn = await h.certificateAnswer(again.token, {
        ...again.body.certificateStep,
        key: operatorKey,
        loginName: 'trade.operator',
      });
      expect(signedIn.statusCode, signedIn.body).toBe(200);

      const deposit = await submitInstruction(h, desk.op, 'trade.operator', {
        kind: 'deposit',
        contractId: desk.contract,
        amount: 123_45,
      });
      expect(deposit.status, JSON.stringify(deposit.body)).toBe(200);
      expect(deposit.body.state).toBe('pending');
      const approved = await decide(h, desk.rev, 'trade.reviewer', deposit.body.id, 'approve');
      expect(approved.body.state).toBe('executed');
      const balance = await h.request({ method: 'GET', url: `/member-accounts/${desk.contract}`, token: desk.op });
      expect(balance.json().balance).toBe(123_45);
    });

    it("a corporate member's operations are signed with an SM2 key: sign-off, a market signed, the transfer-out card set", async () => {
      const corpKey = await bench.issue(h.ctx, 'm.corp');
      h.useKey('m.corp', corpKey);
      const corp = await h.signedIn('m.corp'); // sign-off with the SM2 key in the container
      const card = (await h.request({ method: 'GET', url: '/member/cards', token: corp })).json()[0].id;
      const market = (await h.request({ method: 'GET', url: '/markets/mine', token: corp }))
        .json()
        .find((m: { code: string }) => m.code === 'B2B02').id;
      const signed = await memberOperation(h, corp, 'm.corp', 'signContract', {
        marketId: market,
        memberCode: 'B22001',
        cardId: card,
      });
      expect(signed.status, JSON.stringify(signed.body)).toBe(200);
      expect(signed.prepared.method).toBe('usbkey');
      const transferOut = await memberOperation(h, corp, 'm.corp', 'setTransferOutCard', { cardId: card });
      expect(transferOut.status, JSON.stringify(transferOut.body)).toBe(200);
      const op = await h.ctx.db
        .selectFrom('member_operations')
        .select(['kind', 'verified_by'])
        .where('serial', '=', transferOut.body.serial)
        .executeTakeFirstOrThrow();
      expect(op).toEqual({ kind: 'setTransferOutCard', verified_by: 'usbkey' });
      // the request, the sign-off and both operations: each one openssl accepts with the standard ID
      expect(corpKey.signed.length).toBeGreaterThanOrEqual(4);
      for (const one of corpKey.signed) expect(opensslVerifiesSm2(corpKey.point, one).ok).toBe(true);
    });

    it('made every one of those signatures so that openssl verifies it with the standard ID', () => {
      for (const key of [operatorKey, reviewerKey]) {
        // the request, sign-off, two logins (operator), the contract or its decision, the deposit or its decision
        expect(key.signed.length).toBeGreaterThanOrEqual(4);
        for (const signed of key.signed) {
          const verified = opensslVerifiesSm2(key.point, signed);
          expect(verified.ok, verified.out).toBe(true);
        }
      }
    });

    it('refuses an SM2 signature with a changed byte, and one made by another SM2 key', async () => {
      const challenge = async () =>
        (
          await h.request({
            method: 'POST',
            url: '/signing/challenge',
            token: desk.op,
            body: { purpose: 'certificateTest' },
          })
        ).json().challenge as string;
      const payload = (ch: string) => ({
        kind: 'certificateTest' as const,
        loginName: 'trade.operator',
        certSerial: operatorKey.serial,
        note: 'sm2',
        challenge: ch,
        time: h.clock.nowIso(),
      });
      const submit = (signature: unknown) =>
        h.request({
          method: 'POST',
          url: '/certificates/test-signature',
          token: desk.op,
          body: { note: 'sm2', signature },
          lang: 'en',
        });

      const good = await signEnvelopeWith(operatorKey, payload(await challenge()));
      expect((await submit(good)).json()).toMatchObject({ verified: true, serial: operatorKey.serial });

      const tampered = await signEnvelopeWith(operatorKey, payload(await challenge()));
      const bytes = Buffer.from(tampered.signature, 'base64');
      bytes[40] ^= 0x01;
      const refused = await submit({ ...tampered, signature: bytes.toString('base64') });
      expect(refused.json().error.code).toBe('SIGNATURE_INVALID');

      // the reviewer's SM2 key signing the operator's payload, sent under the operator's serial
      const ch = await challenge();
      const other = await signEnvelopeWith(reviewerKey, payload(ch));
      const byOther = await submit({ ...other, certSerial: operatorKey.serial });
      expect(byOther.json().error.code).toBe('SIGNATURE_INVALID');
    });
  });
}
