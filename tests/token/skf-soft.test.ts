// The SKF (GM/T 0016) driver against SettleKey's software SKF library, built
// from native/skf-soft, with its devices in a folder of this test's own: a
// device made and issued, an SM2 key made in a container, a message signed on
// it — and the signature checked by two verifiers that share no code with it
// (sm-crypto-v2, and Debian's openssl on the DER form), a changed message
// failing both; the PIN counted down to locked, unblocked with the admin PIN
// and changed; a device pulled out mid-session; a certificate written and read
// back; and only present devices listed.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sm2 } from 'sm-crypto-v2';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SkfApi, USER_TYPE } from '../../src-token/skf-api';
import { SkfDriver, SETTLEKEY_APPLICATION, SM2_SIGNER_ID, keyIdOf, skfSlotId } from '../../src-token/skf-driver';
import { toSkfError } from '../../src-token/skf-errors';
import { buildSm2Certificate, readSm2Certificate, sm2NameDer, sm2Spki } from '../../src-token/sm2-x509';

const LIBRARY = fileURLToPath(new URL('../../native/skf-soft/build/libsettlekey-skf-soft.so', import.meta.url));
const ADMIN_PIN = '87654321';
const USER_PIN = '123456';
const RETRIES = 5;

/** DER INTEGER of an unsigned big-endian value. */
function derInteger(value: Buffer): Buffer {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  const body = value[i] & 0x80 ? Buffer.concat([Buffer.of(0), value.subarray(i)]) : value.subarray(i);
  return Buffer.concat([Buffer.of(0x02, body.length), body]);
}

/** r‖s as the DER SEQUENCE { r INTEGER, s INTEGER } openssl reads. */
function signatureDer(rs: Buffer): Buffer {
  const body = Buffer.concat([derInteger(rs.subarray(0, 32)), derInteger(rs.subarray(32))]);
  return Buffer.concat([Buffer.of(0x30, body.length), body]);
}

/** An SM2 public key as PEM: id-ecPublicKey (1.2.840.10045.2.1) on the SM2 curve (1.2.156.10197.1.301). */
function publicKeyPem(x: Buffer, y: Buffer): string {
  const spki = Buffer.concat([
    Buffer.from('3059301306072a8648ce3d020106082a811ccf5501822d034200', 'hex'),
    Buffer.of(4),
    x,
    y,
  ]);
  return `-----BEGIN PUBLIC KEY-----\n${spki.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`;
}

it('has the software SKF library built (npm run build:skf)', () => {
  expect(existsSync(LIBRARY), `${LIBRARY} is missing: run \`npm run build:skf\``).toBe(true);
});

describe('SKF driver on the software SKF library (native/skf-soft)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-skf-soft-'));
  const devices = join(dir, 'devices');
  let driver: SkfDriver;
  let device = 0;

  beforeAll(() => {
    if (!existsSync(LIBRARY)) {
      throw new Error(`${LIBRARY} is not built: run \`npm run build:skf\` (make -C native/skf-soft) first`);
    }
    process.env.SETTLEKEY_SKF_SOFT_DIR = devices;
    driver = new SkfDriver(LIBRARY);
    driver.load();
  });
  afterAll(() => {
    driver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A new device issued as the bank counter would: the SettleKey application with both PINs. */
  function issueDevice(): { slotId: string; name: string } {
    device += 1;
    const name = `SK-SIM-${device}`;
    const slotId = driver.createDevice(name, `SN${String(device).padStart(6, '0')}`);
    driver.initApplication(slotId, SETTLEKEY_APPLICATION, ADMIN_PIN, USER_PIN, RETRIES);
    return { slotId, name };
  }

  /** `openssl dgst -sm3 -verify` of an SM2 signature r‖s over data, with the standard ID. */
  function opensslVerify(
    key: { x: Buffer; y: Buffer },
    rs: Buffer,
    data: Buffer,
  ): { status: number | null; out: string } {
    writeFileSync(join(dir, 'pub.pem'), publicKeyPem(key.x, key.y));
    writeFileSync(join(dir, 'sig.der'), signatureDer(rs));
    writeFileSync(join(dir, 'data.bin'), data);
    const run = spawnSync(
      'openssl',
      ['dgst', '-sm3', '-verify', join(dir, 'pub.pem'), '-sigopt', `distid:${SM2_SIGNER_ID}`].concat([
        '-signature',
        join(dir, 'sig.der'),
        join(dir, 'data.bin'),
      ]),
      { encoding: 'utf8' },
    );
    return { status: run.status, out: `${run.stdout}${run.stderr}` };
  }

  it('makes a key on the device and signs with it; sm-crypto-v2 and openssl verify it, and refuse a changed message', async () => {
    const { slotId } = issueDevice();
    const message = Buffer.from('{"kind":"withdraw","serial":"20260101000001","amount":123456}', 'utf8');
    const { key, publicKey, signature } = await driver.withLogin(slotId, USER_PIN, async (s) => {
      const made = await driver.generateKeyPair(s, 'demo.operator');
      return {
        key: made,
        publicKey: await driver.publicKey(s, made.keyId),
        signature: await driver.signSm2(s, made.keyId, message),
      };
    });
    expect(key.keyId).toBe(keyIdOf('demo.operator'));
    expect(publicKey).toEqual({ x: key.x, y: key.y });
    expect(key.x).toHaveLength(32);
    expect(signature).toHaveLength(64);

    // sm-crypto-v2: SM3(Z ‖ M) with its default ID, which is the standard one
    expect(SM2_SIGNER_ID).toBe('1234567812345678');
    const publicHex = `04${key.x.toString('hex')}${key.y.toString('hex')}`;
    const verify = (m: Buffer) =>
      sm2.doVerifySignature(new Uint8Array(m), signature.toString('hex'), publicHex, { hash: true, der: false });
    expect(verify(message)).toBe(true);
    const changed = Buffer.from(message);
    changed[changed.length - 2] ^= 1;
    expect(verify(changed)).toBe(false);

    // Debian's openssl: the public key as an SM2 PEM, r‖s as DER, the ID as distid
    const good = opensslVerify(key, signature, message);
    expect(good.out).toMatch(/Verified OK/);
    expect(good.status).toBe(0);
    const bad = opensslVerify(key, signature, changed);
    expect(bad.out).not.toMatch(/Verified OK/);
    expect(bad.out).toMatch(/Verification failure/);
    expect(bad.status).not.toBe(0);

    // the device's own SKF_ECCVerify agrees, on the digest it made
    const api = new SkfApi(LIBRARY);
    const dev = api.connectDev(slotId.slice('skf:'.length));
    try {
      const blob = Buffer.alloc(132);
      blob.writeUInt32LE(256, 0);
      key.x.copy(blob, 36);
      key.y.copy(blob, 100);
      const hash = api.digestInit(dev, 1, blob, Buffer.from(SM2_SIGNER_ID));
      const e = await api.digestAsync(hash, message);
      api.closeHandle(hash);
      const sigBlob = Buffer.alloc(128);
      signature.copy(sigBlob, 32, 0, 32);
      signature.copy(sigBlob, 96, 32, 64);
      expect(() => api.eccVerify(dev, blob, e, sigBlob)).not.toThrow();
      e[0] ^= 1;
      expect(() => api.eccVerify(dev, blob, e, sigBlob)).toThrow(/SAR_FAIL/);
    } finally {
      api.disconnectDev(dev);
      api.unload();
    }
  });

  it('writes a certificate into the container and reads it back; the listing pairs it with the key', async () => {
    const { slotId } = issueDevice();
    const subject = sm2NameDer({ commonName: 'demo.reviewer', organization: '演示科技有限公司' });
    const { der, key } = await driver.withLogin(slotId, USER_PIN, async (s) => {
      const made = await driver.generateKeyPair(s, 'demo.reviewer');
      // self-signed by the token's own key: no CA needed to prove the round trip
      const cert = Buffer.from(
        await buildSm2Certificate(
          {
            serialNumber: '01a2b3c4',
            issuer: subject,
            subject,
            notBefore: new Date('2026-01-01T00:00:00Z'),
            notAfter: new Date('2028-01-01T00:00:00Z'),
            publicKey: sm2Spki({ x: made.x, y: made.y }),
            extensions: [],
          },
          async (tbs) => driver.signSm2(s, made.keyId, Buffer.from(tbs)),
        ),
      );
      await driver.writeCertificate(s, made.keyId, cert);
      return { der: cert, key: made };
    });
    const [listed, ...more] = driver.certificates(slotId);
    expect(more).toEqual([]);
    expect(listed).toMatchObject({
      slotId,
      keyId: keyIdOf('demo.reviewer'),
      label: 'demo.reviewer',
      serial: '1A2B3C4',
      subjectCommonName: 'demo.reviewer',
      subjectOrganization: '演示科技有限公司',
      issuer: 'demo.reviewer',
      notBefore: '2026-01-01T00:00:00.000Z',
      keyType: 'sm2',
      paired: true,
      pairingProblem: 'none',
    });
    // byte for byte what was written
    const api = new SkfApi(LIBRARY);
    const dev = api.connectDev(slotId.slice('skf:'.length));
    try {
      const app = api.openApplication(dev, SETTLEKEY_APPLICATION);
      const con = api.openContainer(app, 'demo.reviewer');
      expect(api.exportCertificate(con, true).equals(der)).toBe(true);
      expect(api.getContainerType(con)).toBe(2);
      // writing needs the user PIN: this handle never gave it
      let refused: unknown;
      try {
        api.importCertificate(con, true, der);
      } catch (error) {
        refused = error;
      }
      expect(toSkfError(refused)).toMatchObject({ code: 'TOKEN_NOT_LOGGED_IN' });
    } finally {
      api.disconnectDev(dev);
      api.unload();
    }
    // the token's SM3withSM2 signature on it, checked by openssl over the signed part
    // (openssl verify cannot: OpenSSL 3.0 fails SM2 certificates' own signatures even with -vfyopt distid)
    const view = readSm2Certificate(new Uint8Array(der));
    expect(view.signature).not.toBeNull();
    expect(opensslVerify(key, Buffer.from(view.signature!), Buffer.from(view.tbs)).out).toMatch(/Verified OK/);
    // a container without the key the certificate names is reported, as is a keyId with no container
    await expect(
      driver.withLogin(slotId, USER_PIN, (s) => driver.signSm2(s, keyIdOf('no such container'), Buffer.from('x'))),
    ).rejects.toMatchObject({ code: 'TOKEN_KEY_NOT_FOUND', params: { keyId: keyIdOf('no such container') } });
  });

  describe('the user PIN', () => {
    let slotId: string;
    beforeEach(() => {
      slotId = issueDevice().slotId;
    });
    const login = (pin: string) => driver.withLogin(slotId, pin, async () => 'in');
    const state = () => driver.tokens().find((t) => t.slotId === slotId)?.pinState;

    it('counts down on wrong PINs (count low, final try), locks, refuses the right PIN once locked; the admin PIN unblocks', async () => {
      expect(state()).toBe('ok');
      await expect(login('000000')).rejects.toMatchObject({ code: 'TOKEN_PIN_INCORRECT_COUNT_LOW' });
      expect(driver.pinInfo(slotId)).toMatchObject({ max: RETRIES, remaining: RETRIES - 1, state: 'countLow' });
      expect(state()).toBe('countLow');
      // the right PIN gives every try back
      await expect(login(USER_PIN)).resolves.toBe('in');
      expect(driver.pinInfo(slotId)).toMatchObject({ remaining: RETRIES, state: 'ok' });

      for (let left = RETRIES - 1; left >= 2; left--) {
        await expect(login('000000')).rejects.toMatchObject({ code: 'TOKEN_PIN_INCORRECT_COUNT_LOW' });
      }
      await expect(login('000000')).rejects.toMatchObject({ code: 'TOKEN_PIN_INCORRECT_FINAL_TRY' });
      expect(state()).toBe('finalTry');
      await expect(login('000000')).rejects.toMatchObject({ code: 'TOKEN_PIN_LOCKED' });
      expect(driver.pinInfo(slotId)).toMatchObject({ remaining: 0, state: 'locked' });
      expect(state()).toBe('locked');
      await expect(login(USER_PIN)).rejects.toMatchObject({ code: 'TOKEN_PIN_LOCKED' });

      // the bank counter: a wrong admin PIN counts on the admin PIN, the right one sets a new user PIN
      expect(() => driver.unblockPin(slotId, '00000000', '246810')).toThrow(
        expect.objectContaining({ code: 'TOKEN_PIN_INCORRECT_COUNT_LOW' }),
      );
      driver.unblockPin(slotId, ADMIN_PIN, '246810');
      expect(driver.pinInfo(slotId)).toMatchObject({ remaining: RETRIES, state: 'ok', isDefault: true });
      await expect(login(USER_PIN)).rejects.toMatchObject({ code: 'TOKEN_PIN_INCORRECT_COUNT_LOW' });
      await expect(login('246810')).resolves.toBe('in');
    });

    it('changes the PIN: the old one no longer opens it, a wrong old one counts, a short new one is refused', async () => {
      expect(driver.pinInfo(slotId).isDefault).toBe(true);
      expect(() => driver.changePin(slotId, USER_PIN, '12345')).toThrow(
        expect.objectContaining({ code: 'TOKEN_PIN_FORMAT' }),
      );
      expect(() => driver.changePin(slotId, '999999', '13572468')).toThrow(
        expect.objectContaining({ code: 'TOKEN_PIN_INCORRECT_COUNT_LOW' }),
      );
      driver.changePin(slotId, USER_PIN, '13572468');
      expect(driver.pinInfo(slotId)).toMatchObject({ isDefault: false, remaining: RETRIES });
      await expect(login('13572468')).resolves.toBe('in');
      await expect(login(USER_PIN)).rejects.toMatchObject({ code: 'TOKEN_PIN_INCORRECT_COUNT_LOW' });
    });
  });

  it('a device pulled out mid-session: the next call is TOKEN_NOT_PRESENT, and it leaves the list', async () => {
    const { slotId, name } = issueDevice();
    const keyId = await driver.withLogin(slotId, USER_PIN, async (s) => (await driver.generateKeyPair(s, 'k1')).keyId);
    await expect(
      driver.withLogin(slotId, USER_PIN, async (s) => {
        await driver.signSm2(s, keyId, Buffer.from('before')); // works while it is in
        rmSync(join(devices, name), { recursive: true, force: true });
        return driver.signSm2(s, keyId, Buffer.from('after'));
      }),
    ).rejects.toMatchObject({ code: 'TOKEN_NOT_PRESENT' });
    expect(driver.tokens().map((t) => t.slotId)).not.toContain(slotId);
    expect(() => driver.certificates(slotId)).toThrow(expect.objectContaining({ code: 'TOKEN_NOT_PRESENT' }));
    await expect(driver.withLogin(slotId, USER_PIN, async () => 1)).rejects.toMatchObject({
      code: 'TOKEN_NOT_PRESENT',
    });
  });

  it('lists present, issued devices only; a blank one waits for issuance', () => {
    rmSync(devices, { recursive: true, force: true });
    const a = issueDevice();
    const b = issueDevice();
    const blank = driver.createDevice('SK-BLANK', 'SN999999');
    expect(driver.tokens()).toEqual([
      {
        slotId: a.slotId,
        kind: 'skf',
        label: a.name,
        serial: 'SN' + a.name.replace('SK-SIM-', '').padStart(6, '0'),
        manufacturer: 'SettleKey SKF simulator',
        model: a.name,
        pinState: 'ok',
      },
      expect.objectContaining({ slotId: b.slotId }),
    ]);
    expect(driver.uninitializedSlots()).toEqual([blank]);
    expect(blank).toBe(skfSlotId('SK-BLANK'));
    rmSync(join(devices, a.name), { recursive: true, force: true });
    expect(driver.tokens().map((t) => t.slotId)).toEqual([b.slotId]);
    // the same device made twice is refused
    expect(() => driver.createDevice('SK-BLANK', 'SN999999')).toThrow(
      expect.objectContaining({ code: 'TOKEN_FUNCTION_FAILED', params: { ckr: 'SAR_FILE_ALREADY_EXIST' } }),
    );
  });

  it('names the path and the cause when a library cannot be loaded or is not an SKF library', () => {
    expect(() => new SkfDriver('/nonexistent/libvendor-skf.so').load()).toThrow(
      expect.objectContaining({
        code: 'TOKEN_MODULE_LOAD_FAILED',
        params: expect.objectContaining({ cause: expect.stringMatching(/does not exist/) }),
      }),
    );
    expect(() => new SkfDriver('/lib/x86_64-linux-gnu/libz.so.1').load()).toThrow(
      expect.objectContaining({
        code: 'TOKEN_MODULE_LOAD_FAILED',
        params: expect.objectContaining({ cause: expect.stringMatching(/not an SKF library/) }),
      }),
    );
    expect(USER_TYPE).toBe(1);
  });
});
