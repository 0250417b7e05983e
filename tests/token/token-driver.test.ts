// The PKCS#11 layer against a real module (SoftHSM2): keys made on the token,
// CSRs signed by it, certificates issued by the service's CA and written back,
// pairing by CKA_ID, RSA (both mechanisms) and EC signatures that the service
// verifies, and PIN states read from the token's flags.
import * as pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pkcs11Driver } from '../../src-token/pkcs11-driver';
import { verifySigned } from '../../src-service/certificates/signatures';
import { issueChallenge } from '../../src-service/certificates/signatures';
import { issueCertificate } from '../../src-service/certificates/issue';
import { canonicalBytes } from '../../src-shared/signing';
import { sqlite } from '../support/databases';
import { startHarness, type Harness } from '../support/service-harness';
import { SoftHsm, SOFTHSM_MODULE, TEST_PIN } from '../support/softhsm';

describe('PKCS#11 driver on SoftHSM2', () => {
  let hsm: SoftHsm;
  let h: Harness;
  let slotId: string;

  beforeAll(async () => {
    hsm = new SoftHsm();
    slotId = hsm.initToken('SK demo.operator');
    // The bank's keys in files: this file's own SoftHSM2 use would share the process's one PKCS#11 library.
    h = await startHarness(sqlite, { keys: 'file' });
  });
  afterAll(async () => {
    await h?.close();
    hsm?.cleanup();
  });

  async function provision(driver: Pkcs11Driver, keyType: 'rsa' | 'ec') {
    return driver.withLogin(slotId, TEST_PIN, true, async (s) => {
      const key = await driver.generateKeyPair(s, keyType, 'demo.operator');
      const csrPem = await driver.createCsr(s, key, keyType, {
        commonName: 'demo.operator',
        organization: '演示科技有限公司',
      });
      const user = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'demo.operator')
        .executeTakeFirstOrThrow();
      const issued = await issueCertificate(h.ctx, { userId: user.id, csrPem, media: 'token' });
      driver.writeCertificate(s, key.keyId, issued.der, `demo.operator ${keyType}`);
      return { keyId: key.keyId, serial: issued.serial, protection: driver.privateKeyProtection(s, key.keyId) };
    });
  }

  it('generates RSA and EC keys on the token that never leave it, has the CA issue, writes the certificate back', async () => {
    const driver = hsm.driver();
    try {
      const rsa = await provision(driver, 'rsa');
      const ec = await provision(driver, 'ec');
      for (const p of [rsa, ec]) {
        expect(p.protection).toEqual({ sensitive: true, extractable: false, valueReadable: false });
      }
      const certs = driver.certificates(slotId);
      expect(certs.map((c) => c.serial).sort()).toEqual([rsa.serial, ec.serial].sort());
      const rsaCert = certs.find((c) => c.serial === rsa.serial)!;
      expect(rsaCert).toMatchObject({
        keyId: rsa.keyId,
        keyType: 'rsa',
        subjectCommonName: 'demo.operator',
        subjectOrganization: '演示科技有限公司',
        paired: true,
      });
      expect(rsaCert.issuer).toMatch(/Root CA/);
      expect(certs.find((c) => c.serial === ec.serial)).toMatchObject({ keyType: 'ec', paired: true });
    } finally {
      driver.close();
    }
  });

  it('signs with CKM_SHA256_RSA_PKCS, with the DigestInfo fallback, and with ECDSA — all verified by the service', async () => {
    const driver = hsm.driver();
    try {
      const user = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'demo.operator')
        .executeTakeFirstOrThrow();
      const certs = driver.certificates(slotId);
      const cases: { serial: string; keyId: string; mechanisms?: number[] }[] = [];
      for (const cert of certs) {
        cases.push({ serial: cert.serial, keyId: cert.keyId });
        if (cert.keyType === 'rsa')
          cases.push({ serial: cert.serial, keyId: cert.keyId, mechanisms: [pkcs11js.CKM_RSA_PKCS] });
        else cases.push({ serial: cert.serial, keyId: cert.keyId, mechanisms: [pkcs11js.CKM_ECDSA] });
      }
      // activate all of them the way sign-off does, so signatures count
      await h.ctx.db.updateTable('certificates').set({ status: 'activated' }).where('user_id', '=', user.id).execute();
      for (const c of cases) {
        const challenge = await issueChallenge(h.ctx, user.id, 'certificateTest');
        const payload = {
          kind: 'certificateTest' as const,
          loginName: 'demo.operator',
          certSerial: c.serial,
          note: 'driver test',
          challenge,
          time: h.clock.nowIso(),
        };
        const signature = await driver.withLogin(slotId, TEST_PIN, false, async (s) =>
          driver.sign(s, driver.privateKey(s, c.keyId), Buffer.from(canonicalBytes(payload)), {
            mechanisms: c.mechanisms,
          }),
        );
        const verified = await verifySigned(h.ctx, {
          userId: user.id,
          purpose: 'certificateTest',
          need: 'activated',
          envelope: { certSerial: c.serial, challenge, time: payload.time, signature: signature.toString('base64') },
          payload: (env) => ({ ...payload, certSerial: env.certSerial }),
        });
        expect(verified.serial).toBe(c.serial);
      }
      // the RSA fallback really is a different mechanism with the same result: PKCS#1 v1.5 is deterministic
      const rsa = certs.find((c) => c.keyType === 'rsa')!;
      const data = Buffer.from('same bytes');
      const [combined, fallback] = await driver.withLogin(slotId, TEST_PIN, false, async (s) => {
        const key = driver.privateKey(s, rsa.keyId);
        return [
          await driver.sign(s, key, data),
          await driver.sign(s, key, data, { mechanisms: [pkcs11js.CKM_RSA_PKCS] }),
        ];
      });
      expect(fallback.equals(combined)).toBe(true);
      // a token without either mechanism is refused clearly
      await expect(
        driver.withLogin(slotId, TEST_PIN, false, async (s) =>
          driver.sign(s, driver.privateKey(s, rsa.keyId), data, { mechanisms: [] }),
        ),
      ).rejects.toMatchObject({ code: 'TOKEN_MECHANISM_UNSUPPORTED' });
    } finally {
      driver.close();
    }
  });

  it('pairs a certificate with its key by CKA_ID: none or several is a clear error', async () => {
    const driver = hsm.driver();
    try {
      const rsa = driver.certificates(slotId).find((c) => c.keyType === 'rsa')!;
      await expect(
        driver.withLogin(slotId, TEST_PIN, false, async (s) => driver.privateKey(s, 'deadbeef')),
      ).rejects.toMatchObject({ code: 'TOKEN_KEY_NOT_FOUND', params: { keyId: 'deadbeef' } });
      await driver.withLogin(slotId, TEST_PIN, true, (s) => driver.generateExtraPrivateKey(s, rsa.keyId));
      await expect(
        driver.withLogin(slotId, TEST_PIN, false, async (s) => driver.privateKey(s, rsa.keyId)),
      ).rejects.toMatchObject({ code: 'TOKEN_KEY_AMBIGUOUS' });
      // the listing shows the problem too (two public halves under one CKA_ID)
      expect(driver.certificates(slotId).find((c) => c.serial === rsa.serial)).toMatchObject({
        paired: false,
        pairingProblem: 'severalKeys',
      });
    } finally {
      driver.close();
    }
  });

  it('reports a wrong PIN from the token flags: count low, final try, locked', async () => {
    const slot = hsm.initToken('SK pin test');
    let driver = hsm.driver();
    await expect(driver.withLogin(slot, '000000', false, async () => 1)).rejects.toMatchObject({
      code: 'TOKEN_PIN_INCORRECT_COUNT_LOW',
    });
    expect(driver.tokens().find((t) => t.label === 'SK pin test')?.pinState).toBe('countLow');
    // the right PIN clears it, as the token says
    await driver.withLogin(slot, TEST_PIN, false, async () => 1);
    expect(driver.tokens().find((t) => t.label === 'SK pin test')?.pinState).toBe('ok');
    driver.close();

    hsm.setTokenFlags('SK pin test', pkcs11js.CKF_USER_PIN_FINAL_TRY);
    driver = hsm.driver();
    expect(driver.tokens().find((t) => t.label === 'SK pin test')?.pinState).toBe('finalTry');
    await expect(driver.withLogin(slot, '000000', false, async () => 1)).rejects.toMatchObject({
      code: 'TOKEN_PIN_INCORRECT_FINAL_TRY',
    });
    driver.close();

    hsm.setTokenFlags('SK pin test', pkcs11js.CKF_USER_PIN_LOCKED);
    driver = hsm.driver();
    expect(driver.tokens().find((t) => t.label === 'SK pin test')?.pinState).toBe('locked');
    // a locked token is not even tried, with the right PIN or not
    await expect(driver.withLogin(slot, TEST_PIN, false, async () => 1)).rejects.toMatchObject({
      code: 'TOKEN_PIN_LOCKED',
    });
    driver.close();
  });

  it('names the path and the likely cause when a module cannot be loaded', () => {
    const missing = new Pkcs11Driver('/nonexistent/libvendor-p11.so');
    expect(() => missing.load()).toThrow(
      expect.objectContaining({
        code: 'TOKEN_MODULE_LOAD_FAILED',
        params: expect.objectContaining({
          path: '/nonexistent/libvendor-p11.so',
          cause: expect.stringMatching(/does not exist/),
        }),
      }),
    );
    const notALibrary = new Pkcs11Driver('/etc/hostname');
    expect(() => notALibrary.load()).toThrow(
      expect.objectContaining({
        params: expect.objectContaining({ cause: expect.stringMatching(/not a shared library/) }),
      }),
    );
    // a real library that is not a PKCS#11 module
    const notPkcs11 = new Pkcs11Driver('/lib/x86_64-linux-gnu/libz.so.1');
    expect(() => notPkcs11.load()).toThrow(expect.objectContaining({ code: 'TOKEN_MODULE_LOAD_FAILED' }));
    expect(SOFTHSM_MODULE).toMatch(/softhsm/);
  });
});
