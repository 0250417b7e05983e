// The token host with an SKF library, as the app runs it: a separate process
// that finds SettleKey's SKF simulator (the software SKF library built from
// native/skf-soft), makes an SM2 key in a container of a new device, has the
// request signed there, takes the certificate back, and signs through SKF —
// each signature checked by Debian's openssl with the standard signer ID. A
// wrong PIN says what is left; a device pulled out is noticed and refused with
// a typed error; "test this library" tells PKCS#11 from SKF from neither.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childTokenHostSpawner } from '../../src-main/core/spawn-child';
import { TokenHostClient } from '../../src-main/token/host-client';
import { findKnownModule } from '../../src-token/module-paths';
import { fromHex, signSm2InSoftware, pointFromUncompressed, type Sm2Point } from '../../src-token/sm2';
import { buildSm2Certificate, readSm2Csr, sm2NameDer, sm2Spki } from '../../src-token/sm2-x509';
import { sm2 } from 'sm-crypto-v2';
import { opensslVerifiesSm2, SKF_LIBRARY } from '../support/sm2-tokens';
import { waitFor } from '../support/token-host';

const PIN = '123456';
const ADMIN_PIN = '12345678';

describe('token host with the SKF simulator', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-skf-host-'));
  const devices = join(dir, 'devices');
  let client: TokenHostClient;

  beforeAll(async () => {
    client = new TokenHostClient(
      childTokenHostSpawner(join(dir, 'host.log'), () => ({
        ...process.env,
        SETTLEKEY_SKF_SOFT_DIR: devices,
        SETTLEKEY_SKF_SOFT_LIBRARY: SKF_LIBRARY,
      })),
      () => ({ modulePath: null, fileCertDir: join(dir, 'certs'), searchKnownPaths: false }),
    );
    await client.start();
  });
  afterAll(() => {
    client?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists the SKF library it loaded among the libraries it tried', async () => {
    const status = await client.status();
    expect(status.libraries).toContainEqual(
      expect.objectContaining({ api: 'skf', source: 'simulator', path: SKF_LIBRARY, present: true, loaded: true }),
    );
    expect(status.fileCertificates).toBe(false);
    expect(status.tokens).toEqual([]);
  });

  let slotId = '';
  let keyId = '';
  let point: Sm2Point;

  it('issues a new device, makes an SM2 key in a container and signs the request there; the certificate goes back', async () => {
    const provisioned = await client.request('provision', {
      slotId: null,
      init: { label: 'SK trade.operator', soPin: ADMIN_PIN },
      userPin: PIN,
      keyType: 'sm2',
      subject: { commonName: 'trade.operator', organization: '示范贸易有限公司' },
    });
    ({ slotId, keyId } = provisioned);
    expect(slotId).toBe('skf:SK trade.operator');
    const request = readSm2Csr(provisioned.csrPem)!;
    expect(request).toMatchObject({ commonName: 'trade.operator', selfSigned: true });
    point = request.point;

    // a certificate for it, from a CA key in software (the service's SM2 CA is tested in tests/service)
    const ca = sm2.generateKeyPairHex();
    const caName = sm2NameDer({ commonName: 'Test SM2 CA', organization: 'Test' });
    const der = await buildSm2Certificate(
      {
        serialNumber: '5a01',
        issuer: caName,
        subject: request.subject,
        notBefore: new Date(),
        notAfter: new Date(Date.now() + 86_400_000),
        publicKey: sm2Spki(point),
        extensions: [],
      },
      async (tbs) => signSm2InSoftware(ca.privateKey, tbs),
    );
    expect(pointFromUncompressed(fromHex(ca.publicKey)).x).toHaveLength(32);
    await client.request('writeCertificate', {
      slotId,
      keyId,
      pin: PIN,
      certDer: Buffer.from(der).toString('base64'),
      label: 'trade.operator',
    });
    const status = await client.status();
    expect(status.tokens).toEqual([
      expect.objectContaining({ slotId, kind: 'skf', label: 'SK trade.operator', pinState: 'ok' }),
    ]);
    expect(await client.request('certificates', { slotId })).toEqual([
      expect.objectContaining({
        keyId,
        keyType: 'sm2',
        paired: true,
        serial: '5A01',
        subjectCommonName: 'trade.operator',
      }),
    ]);
  });

  it('signs through SKF; openssl verifies every signature with the standard ID', async () => {
    const data = ['{"kind":"deposit","amount":12345}', '{"kind":"decision","decision":"approve"}'].map((t) =>
      Buffer.from(t, 'utf8'),
    );
    let progress = 0;
    const { signatures } = await client.request(
      'sign',
      { slotId, keyId, pin: PIN, data: data.map((d) => d.toString('base64')) },
      { onProgress: (done) => (progress = done) },
    );
    expect(progress).toBe(2);
    signatures.forEach((signature, i) => {
      const verified = opensslVerifiesSm2(point, { data: data[i], rs: Buffer.from(signature, 'base64') });
      expect(verified.ok, verified.out).toBe(true);
    });
  });

  it('says what a wrong PIN leaves, and the count is back once the right one is given', async () => {
    await expect(client.request('sign', { slotId, keyId, pin: '000000', data: ['AA=='] })).rejects.toMatchObject({
      code: expect.stringMatching(/^TOKEN_PIN_INCORRECT/),
    });
    for (let i = 0; i < 3; i++)
      await client.request('sign', { slotId, keyId, pin: '000000', data: ['AA=='] }).catch(() => 0);
    expect((await client.status()).tokens[0].pinState).toMatch(/countLow|finalTry/);
    await client.request('sign', { slotId, keyId, pin: PIN, data: ['AA=='] });
    expect((await client.status()).tokens[0].pinState).toBe('ok');
  });

  it('notices a device pulled out, refuses to sign on it with TOKEN_NOT_PRESENT, and keeps running', async () => {
    const pid = client.pid;
    const gone = waitFor(client, (s) => s.tokens.length === 0 || undefined, 3_000);
    rmSync(join(devices, 'SK trade.operator'), { recursive: true, force: true });
    await gone;
    await expect(client.request('sign', { slotId, keyId, pin: PIN, data: ['AA=='] })).rejects.toMatchObject({
      code: 'TOKEN_NOT_PRESENT',
    });
    expect(client.pid).toBe(pid);
  });

  it('tests a library the user names: SKF, PKCS#11, or neither — with the reason', async () => {
    expect(await client.request('testLibrary', { path: SKF_LIBRARY })).toMatchObject({ api: 'skf', loaded: true });
    const softhsm = findKnownModule();
    if (softhsm) {
      expect(await client.request('testLibrary', { path: softhsm.path })).toMatchObject({
        api: 'pkcs11',
        loaded: true,
      });
    }
    const neither = await client.request('testLibrary', { path: '/etc/hostname' });
    expect(neither).toMatchObject({ api: null, loaded: false });
    expect(neither.error).toBeTruthy();
    expect(await client.request('testLibrary', { path: '/opt/none/libskf.so' })).toMatchObject({ api: null });
  });
});
