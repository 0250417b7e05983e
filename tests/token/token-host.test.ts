// The token host as it runs in the app: a separate process the main process
// talks to. Tokens come and go, a token disappears mid-operation, the host
// crashes — and the main process keeps serving throughout.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childTokenHostSpawner } from '../../src-main/core/spawn-child';
import { TokenHostClient } from '../../src-main/token/host-client';
import { SoftHsm, TEST_PIN } from '../support/softhsm';
import { waitFor } from '../support/token-host';

describe('token host process', () => {
  let hsm: SoftHsm;
  let logs: string;
  let client: TokenHostClient;

  beforeAll(async () => {
    hsm = new SoftHsm();
    hsm.initToken('SK first');
    logs = mkdtempSync(join(tmpdir(), 'sk-host-'));
    client = new TokenHostClient(
      childTokenHostSpawner(join(logs, 'host.log'), () => hsm.env()),
      () => ({
        modulePath: null,
        fileCertDir: join(logs, 'certs'),
      }),
    );
    await client.start();
  });
  afterAll(() => {
    client?.stop();
    hsm?.cleanup();
    rmSync(logs, { recursive: true, force: true });
  });

  it('finds SoftHSM2 from the known paths and lists its tokens with label, serial and manufacturer', async () => {
    const status = await client.status();
    expect(status.module).toMatchObject({
      loaded: true,
      source: 'known-path',
      path: expect.stringMatching(/softhsm2/),
    });
    expect(status.fileCertificates).toBe(false);
    expect(status.tokens).toEqual([
      expect.objectContaining({
        label: 'SK first',
        manufacturer: 'SoftHSM project',
        serial: expect.stringMatching(/^[0-9a-f]+$/),
        pinState: 'ok',
      }),
    ]);
    expect(client.pid).not.toBe(process.pid);
  });

  it('notices a token inserted and one removed within 2 seconds', async () => {
    const inserted = waitFor(client, (s) => s.tokens.find((t) => t.label === 'SK second'), 2_500);
    hsm.initToken('SK second');
    expect((await inserted).after).toBeLessThan(2_000 + 300);
    const removed = waitFor(client, (s) => (s.tokens.some((t) => t.label === 'SK second') ? undefined : true), 2_500);
    hsm.removeToken('SK second');
    expect((await removed).after).toBeLessThan(2_000 + 300);
  });

  it('provisions a key and certificate through the host, and signs 100 times while the main loop keeps serving', async () => {
    const first = (await client.status()).tokens.find((t) => t.label === 'SK first')!;
    const provisioned = await client.request('provision', {
      slotId: first.slotId,
      userPin: TEST_PIN,
      keyType: 'ec',
      subject: { commonName: 'demo.reviewer', organization: '演示科技有限公司' },
    });
    expect(provisioned.csrPem).toMatch(/BEGIN CERTIFICATE REQUEST/);

    let ticks = 0;
    const timer = setInterval(() => (ticks += 1), 10);
    let answeredDuring = false;
    let progress = 0;
    const burst = client.request(
      'sign',
      {
        slotId: first.slotId,
        keyId: provisioned.keyId,
        pin: TEST_PIN,
        data: Array.from({ length: 100 }, (_, i) => Buffer.from(`item ${i}`).toString('base64')),
      },
      { onProgress: (done) => (progress = done) },
    );
    // While the host signs, the main process answers another request to the host and runs its timers.
    const status = await client.status();
    answeredDuring = progress < 100;
    const { signatures } = await burst;
    clearInterval(timer);
    expect(status.tokens.length).toBeGreaterThan(0);
    expect(answeredDuring).toBe(true);
    expect(signatures).toHaveLength(100);
    expect(new Set(signatures).size).toBe(100);
    expect(progress).toBe(100);
    expect(ticks).toBeGreaterThan(0);
  });

  it('a token taken away mid-operation gives a typed error; the host keeps running and sees the next token', async () => {
    hsm.initToken('SK removable');
    const token = (await client.status()).tokens.find((t) => t.label === 'SK removable')!;
    const provisioned = await client.request('provision', {
      slotId: token.slotId,
      userPin: TEST_PIN,
      keyType: 'rsa',
      subject: { commonName: 'demo.admin1', organization: '演示科技有限公司' },
    });
    const pidBefore = client.pid;
    const many = client.request('sign', {
      slotId: token.slotId,
      keyId: provisioned.keyId,
      pin: TEST_PIN,
      data: Array.from({ length: 400 }, (_, i) => Buffer.from(`x${i}`).toString('base64')),
    });
    await new Promise((r) => setTimeout(r, 50));
    hsm.removeToken('SK removable');
    // SoftHSM2 keeps serving the session it has open; the next operation meets the missing token.
    await many.catch(() => undefined);
    await expect(
      client.request('sign', { slotId: token.slotId, keyId: provisioned.keyId, pin: TEST_PIN, data: ['AA=='] }),
    ).rejects.toMatchObject({ code: 'TOKEN_NOT_PRESENT' });
    expect(client.pid).toBe(pidBefore);
    expect(await client.request('ping', {})).toEqual({ pid: pidBefore });
    const next = waitFor(client, (s) => s.tokens.find((t) => t.label === 'SK after removal'), 2_500);
    hsm.initToken('SK after removal');
    await next;
  });

  it('survives a crashing vendor library: pending calls fail with a typed error and the host comes back', async () => {
    const token = (await client.status()).tokens.find((t) => t.label === 'SK first')!;
    const certs = await client.request('certificates', { slotId: token.slotId });
    expect(Array.isArray(certs)).toBe(true);
    const pidBefore = client.pid!;
    const crashed = new Promise((resolve) => client.once('crashed', resolve));
    const pending = client.request('sign', {
      slotId: token.slotId,
      keyId: 'aa',
      pin: TEST_PIN,
      data: Array.from({ length: 50 }, () => 'AA=='),
    });
    process.kill(pidBefore, 'SIGSEGV');
    await expect(pending).rejects.toMatchObject({ code: 'TOKEN_HOST_CRASHED' });
    await crashed;
    const after = await client.status();
    expect(client.pid).not.toBe(pidBefore);
    expect(after.restartedAt).not.toBeNull();
    expect(after.tokens.some((t) => t.label === 'SK first')).toBe(true);
  });

  it('says which module failed to load and why', async () => {
    const broken = new TokenHostClient(
      childTokenHostSpawner(join(logs, 'broken.log'), () => hsm.env()),
      () => ({
        modulePath: '/opt/vendor/libnothere-pkcs11.so',
        fileCertDir: join(logs, 'certs'),
      }),
    );
    try {
      const status = await broken.start();
      expect(status.module).toMatchObject({
        loaded: false,
        source: 'settings',
        path: '/opt/vendor/libnothere-pkcs11.so',
      });
      expect(status.module.error).toMatch(/libnothere-pkcs11\.so.*does not exist/);
      await expect(broken.request('certificates', {})).rejects.toMatchObject({ code: 'TOKEN_MODULE_LOAD_FAILED' });
    } finally {
      broken.stop();
    }
  });
});
