// The PIN policy in the token host, on a real SoftHSM2 token (EC key) and on
// the SKF simulator (SM2 key): with a hold, the token stays logged in — the
// second signature needs no PIN — until the hold ends, the login is released
// (lock, logout, idle timeout), or the device goes. The PIN itself is not kept:
// a heap snapshot of the host process, taken while the login is held, does
// not contain it, and neither do the host's files.
import { randomBytes } from 'node:crypto';
import { createPublicKey, verify } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childTokenHostSpawner } from '../../src-main/core/spawn-child';
import { TokenHostClient } from '../../src-main/token/host-client';
import { readSm2Csr } from '../../src-token/sm2-x509';
import { x509 } from '../../src-service/certificates/x509';
import { opensslVerifiesSm2, SKF_LIBRARY } from '../support/sm2-tokens';
import { SoftHsm } from '../support/softhsm';
import { waitFor } from '../support/token-host';

/** A PIN of this run only (letters and digits, as both kinds of token take), so finding it anywhere means it was kept. */
const PIN = `Pq${randomBytes(6).toString('hex')}`;
const LABEL = `SK pin ${randomBytes(3).toString('hex')}`;
const DEVICE = `SK pin sm2 ${randomBytes(3).toString('hex')}`;
const MINUTE = 60_000;

/** The one heap snapshot in the folder, once V8 has written all of it (the JSON closes). */
async function wholeSnapshot(folder: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const files = readdirSync(folder).filter((f) => f.endsWith('.heapsnapshot'));
    if (files.length === 1) {
      const text = readFileSync(join(folder, files[0]), 'utf8');
      if (text.trimEnd().endsWith(']}')) return text;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no complete heap snapshot within 30 s');
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('PIN policy: the token stays logged in, the PIN is not kept', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-pin-policy-'));
  const snapshots = join(dir, 'snapshots');
  const devices = join(dir, 'skf-devices');
  let hsm: SoftHsm;
  let client: TokenHostClient;
  const keys: Record<'pkcs11' | 'skf', { slotId: string; keyId: string; csrPem: string }> = {} as never;

  beforeAll(async () => {
    mkdirSync(snapshots);
    hsm = new SoftHsm();
    hsm.initToken(LABEL, PIN);
    client = new TokenHostClient(
      childTokenHostSpawner(join(dir, 'host.log'), () => ({
        ...hsm.env(),
        SETTLEKEY_SKF_SOFT_DIR: devices,
        SETTLEKEY_SKF_SOFT_LIBRARY: SKF_LIBRARY,
        // The host writes a heap snapshot when told (SIGUSR2): the proof that the PIN is not in its memory.
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=SIGUSR2 --diagnostic-dir=${snapshots}`,
      })),
      () => ({ modulePath: null, fileCertDir: join(dir, 'certs') }),
    );
    const status = await client.start();
    const p11 = status.tokens.find((t) => t.label === LABEL)!;
    keys.pkcs11 = await client.request('provision', {
      slotId: p11.slotId,
      userPin: PIN,
      keyType: 'ec',
      subject: { commonName: 'pin.policy', organization: '演示科技有限公司' },
    });
    keys.skf = await client.request('provision', {
      slotId: null,
      init: { label: DEVICE, soPin: '12345678' },
      userPin: PIN,
      keyType: 'sm2',
      subject: { commonName: 'pin.policy', organization: '示范贸易有限公司' },
    });
  }, 60_000);

  afterAll(() => {
    client?.stop();
    hsm?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  const data = (text: string) => [Buffer.from(text, 'utf8').toString('base64')];

  /** The signature checks out with the key of the token's own request: the held login signs with the right key. */
  async function expectSignedBy(api: 'pkcs11' | 'skf', text: string, signature: string): Promise<void> {
    const signed = Buffer.from(text, 'utf8');
    const raw = Buffer.from(signature, 'base64');
    if (api === 'skf') {
      const verified = opensslVerifiesSm2(readSm2Csr(keys.skf.csrPem)!.point, { data: signed, rs: raw });
      expect(verified.ok, verified.out).toBe(true);
      return;
    }
    const csr = new x509.Pkcs10CertificateRequest(keys.pkcs11.csrPem);
    const publicKey = createPublicKey({ key: Buffer.from(csr.publicKey.rawData), format: 'der', type: 'spki' });
    expect(verify('sha256', signed, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
  }

  const heldUntilOf = async (slotId: string) =>
    (await client.status()).tokens.find((t) => t.slotId === slotId)?.heldUntil;

  for (const api of ['pkcs11', 'skf'] as const) {
    describe(api === 'pkcs11' ? 'PKCS#11 (SoftHSM2, EC P-256)' : 'SKF (simulator, SM2)', () => {
      it('asks for the PIN at every signature when the policy does not hold the login', async () => {
        const { slotId, keyId } = keys[api];
        await client.request('sign', { slotId, keyId, pin: PIN, data: data('first') });
        expect(await heldUntilOf(slotId)).toBeUndefined();
        await expect(client.request('sign', { slotId, keyId, pin: '', data: data('second') })).rejects.toMatchObject({
          code: 'TOKEN_NOT_LOGGED_IN',
        });
      });

      it('within the hold the second signature needs no PIN; a release (lock, logout, idle) ends it', async () => {
        const { slotId, keyId } = keys[api];
        const before = Date.now();
        await client.request('sign', { slotId, keyId, pin: PIN, data: data('deposit 1'), holdMs: 5 * MINUTE });
        const until = Date.parse((await heldUntilOf(slotId))!);
        expect(until).toBeGreaterThanOrEqual(before + 5 * MINUTE);
        expect(until).toBeLessThan(Date.now() + 5 * MINUTE + 1_000);

        const { signatures } = await client.request('sign', { slotId, keyId, pin: '', data: data('deposit 2') });
        await expectSignedBy(api, 'deposit 2', signatures[0]);

        expect(await client.request('release', {})).toEqual({ released: 1 });
        expect(await heldUntilOf(slotId)).toBeUndefined();
        await expect(client.request('sign', { slotId, keyId, pin: '', data: data('deposit 3') })).rejects.toMatchObject(
          {
            code: 'TOKEN_NOT_LOGGED_IN',
          },
        );
        // …and the PIN works as before.
        const again = await client.request('sign', { slotId, keyId, pin: PIN, data: data('deposit 3') });
        await expectSignedBy(api, 'deposit 3', again.signatures[0]);
      });

      it('ends the hold when its time is up: the next status says so and a signature asks for the PIN', async () => {
        const { slotId, keyId } = keys[api];
        await client.request('sign', { slotId, keyId, pin: PIN, data: data('short'), holdMs: 1_500 });
        expect(await heldUntilOf(slotId)).toBeTruthy();
        await waitFor(client, (s) => !s.tokens.find((t) => t.slotId === slotId)?.heldUntil || undefined, 4_000);
        await expect(client.request('sign', { slotId, keyId, pin: '', data: data('late') })).rejects.toMatchObject({
          code: 'TOKEN_NOT_LOGGED_IN',
        });
      });
    });
  }

  it('keeps the login, not the PIN: a heap snapshot of the host holding two logins has no trace of the PIN', async () => {
    for (const api of ['pkcs11', 'skf'] as const) {
      const { slotId, keyId } = keys[api];
      await client.request('sign', { slotId, keyId, pin: PIN, data: data('held'), holdMs: 5 * MINUTE });
      expect(await heldUntilOf(slotId)).toBeTruthy();
    }
    process.kill(client.pid!, 'SIGUSR2');
    const heap = await wholeSnapshot(snapshots);
    // The search finds what the host does keep (the held logins are keyed by the slot, "skf:<device>")…
    expect(heap.includes(DEVICE), 'the held slot in the snapshot').toBe(true);
    // …and not the PIN, in any of the forms it went through.
    expect(heap.includes(PIN), 'the PIN in the snapshot').toBe(false);
    expect(heap.includes(Buffer.from(PIN).toString('base64')), 'the PIN in base64 in the snapshot').toBe(false);
    // Both logins are still held, and sign.
    for (const api of ['pkcs11', 'skf'] as const) {
      const { slotId, keyId } = keys[api];
      const { signatures } = await client.request('sign', { slotId, keyId, pin: '', data: data('after snapshot') });
      await expectSignedBy(api, 'after snapshot', signatures[0]);
    }
    rmSync(snapshots, { recursive: true, force: true });
    // Nor on disk: the host's log, its certificate folder, the devices and tokens hold no PIN.
    for (const file of [...filesUnder(dir), ...filesUnder(hsm.dir)])
      expect(readFileSync(file).includes(Buffer.from(PIN)), file).toBe(false);
  }, 60_000);

  it('a device pulled out ends its hold: the status drops it and no signature goes through without a PIN', async () => {
    const { slotId, keyId } = keys.skf;
    if (!(await heldUntilOf(slotId)))
      await client.request('sign', { slotId, keyId, pin: PIN, data: data('held'), holdMs: 5 * MINUTE });
    rmSync(join(devices, DEVICE), { recursive: true, force: true });
    await waitFor(client, (s) => !s.tokens.some((t) => t.slotId === slotId) || undefined, 4_000);
    await expect(client.request('sign', { slotId, keyId, pin: '', data: data('gone') })).rejects.toMatchObject({
      code: expect.stringMatching(/^TOKEN_(NOT_LOGGED_IN|NOT_PRESENT)$/),
    });
    // The PKCS#11 hold is untouched by another token's going.
    expect(await heldUntilOf(keys.pkcs11.slotId)).toBeTruthy();
  });
});
