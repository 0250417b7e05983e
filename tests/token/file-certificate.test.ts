// Where no PKCS#11 module exists, the security tool is a password-protected
// PKCS#12 file: made, issued, written, listed, signed with and verified.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childTokenHostSpawner } from '../../src-main/core/spawn-child';
import { TokenHostClient } from '../../src-main/token/host-client';
import { issueCertificate } from '../../src-service/certificates/issue';
import { issueChallenge, verifySigned } from '../../src-service/certificates/signatures';
import { canonicalBytes } from '../../src-shared/signing';
import { sqlite } from '../support/databases';
import { startHarness, type Harness } from '../support/service-harness';

describe('file certificates (PKCS#12) when no PKCS#11 module is found', () => {
  let dir: string;
  let client: TokenHostClient;
  let h: Harness;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sk-p12-'));
    client = new TokenHostClient(childTokenHostSpawner(join(dir, 'host.log')), () => ({
      modulePath: null,
      searchKnownPaths: false,
      fileCertDir: join(dir, 'certificates'),
    }));
    h = await startHarness(sqlite);
  });
  afterAll(async () => {
    client?.stop();
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('offers file certificates only because no module was found, and says so', async () => {
    const status = await client.start();
    expect(status.module).toMatchObject({ loaded: false, source: 'none', path: null });
    expect(status.fileCertificates).toBe(true);
    expect(status.tokens).toEqual([]);
  });

  it('creates the key and CSR, writes a 0600 PKCS#12 after issuance, and signs what the service verifies', async () => {
    const provisioned = await client.request('provision', {
      slotId: null,
      userPin: '123456',
      keyType: 'rsa',
      subject: { commonName: 'demo.operator', organization: '演示科技有限公司' },
    });
    const user = await h.ctx.db
      .selectFrom('users')
      .select('id')
      .where('login_name', '=', 'demo.operator')
      .executeTakeFirstOrThrow();
    const issued = await issueCertificate(h.ctx, { userId: user.id, csrPem: provisioned.csrPem, media: 'file' });
    const written = await client.request('writeCertificate', {
      slotId: provisioned.slotId,
      keyId: provisioned.keyId,
      pin: 'Strong-file-pw-1',
      certDer: issued.der.toString('base64'),
      label: 'demo.operator',
    });
    for (const file of readdirSync(join(dir, 'certificates'))) {
      expect(statSync(join(dir, 'certificates', file)).mode & 0o777).toBe(0o600);
    }
    const status = await client.status();
    expect(status.tokens).toEqual([
      expect.objectContaining({ slotId: written.slotId, kind: 'file', label: 'demo.operator', serial: issued.serial }),
    ]);
    const [cert] = await client.request('certificates', {});
    expect(cert).toMatchObject({ serial: issued.serial, subjectCommonName: 'demo.operator' });

    await h.ctx.db
      .updateTable('certificates')
      .set({ status: 'activated' })
      .where('serial', '=', issued.serial)
      .execute();
    const challenge = await issueChallenge(h.ctx, user.id, 'certificateTest');
    const payload = {
      kind: 'certificateTest' as const,
      loginName: 'demo.operator',
      certSerial: issued.serial,
      note: 'file',
      challenge,
      time: h.clock.nowIso(),
    };
    const { signatures } = await client.request('sign', {
      slotId: written.slotId,
      keyId: cert.keyId,
      pin: 'Strong-file-pw-1',
      data: [Buffer.from(canonicalBytes(payload)).toString('base64')],
    });
    const verified = await verifySigned(h.ctx, {
      userId: user.id,
      purpose: 'certificateTest',
      need: 'activated',
      envelope: { certSerial: issued.serial, challenge, time: payload.time, signature: signatures[0] },
      payload: () => payload,
    });
    expect(verified.serial).toBe(issued.serial);

    await expect(
      client.request('sign', { slotId: written.slotId, keyId: cert.keyId, pin: 'wrong', data: ['AA=='] }),
    ).rejects.toMatchObject({ code: 'TOKEN_FILE_PASSWORD' });
  });
});
