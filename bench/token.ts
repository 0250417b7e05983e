// `npm run bench:token`: RSA-2048 signatures per second on SoftHSM2 through the
// token host (a separate process) against pkcs11js called directly in this
// process, in the same run; and how much this process's event loop lags while
// each runs. The ratio says what the isolation costs. Then the same for SM2 on
// the SKF simulator (koffi), and the service's SM2 verifications per second
// (sm-crypto-v2 on its worker pool) next to RSA's (node:crypto), in this run.
import { generateKeyPairSync, sign as rsaSign, verify as rsaVerify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { childTokenHostSpawner } from '../src-main/core/spawn-child';
import { TokenHostClient } from '../src-main/token/host-client';
import { SoftHsm, TEST_PIN } from '../tests/support/softhsm';
import { sm2Verifier } from '../src-service/certificates/sm2-verify';
import { pointHex } from '../src-token/sm2';
import { SETTLEKEY_APPLICATION, SkfDriver } from '../src-token/skf-driver';
import { SKF_LIBRARY } from '../tests/support/sm2-tokens';

const N = 500;

async function measure(label: string, run: () => Promise<void>) {
  const lag = monitorEventLoopDelay({ resolution: 5 });
  lag.enable();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  lag.disable();
  const rate = (N * 1000) / ms;
  console.log(
    `${label.padEnd(44)} ${String(Math.round(rate)).padStart(6)} sig/s   event-loop lag p99 ${Math.round(lag.percentile(99) / 1e6)} ms, max ${Math.round(lag.max / 1e6)} ms`,
  );
  return rate;
}

/** SM2 on the SKF simulator: direct, then through the host; and service-side verification, SM2 against RSA. */
async function sm2Figures(logs: string) {
  const devices = join(logs, 'skf');
  process.env.SETTLEKEY_SKF_SOFT_DIR = devices;
  const driver = new SkfDriver(SKF_LIBRARY);
  driver.load();
  const slotId = driver.createDevice('SK bench sm2', 'BENCH0001');
  driver.initApplication(slotId, SETTLEKEY_APPLICATION, '12345678', TEST_PIN, 6);
  const key = await driver.withLogin(slotId, TEST_PIN, (s) => driver.generateKeyPair(s, 'bench'));
  const items = Array.from({ length: N }, (_, i) => Buffer.from(`instruction ${i}`));
  const signatures: Buffer[] = [];
  const direct = await measure('SM2: SKF library called directly (1 login)', async () => {
    await driver.withLogin(slotId, TEST_PIN, async (s) => {
      for (const item of items) signatures.push(await driver.signSm2(s, key.keyId, item));
    });
  });
  driver.close();
  const client = new TokenHostClient(
    childTokenHostSpawner(join(logs, 'host-sm2.log'), () => ({ ...process.env, SETTLEKEY_SKF_SOFT_DIR: devices })),
    () => ({ modulePath: null, fileCertDir: join(logs, 'certs'), searchKnownPaths: false }),
  );
  await client.start();
  const batch = await measure('SM2: token host, one request of 500 (1 login)', async () => {
    await client.request('sign', {
      slotId,
      keyId: key.keyId,
      pin: TEST_PIN,
      data: items.map((i) => i.toString('base64')),
    });
  });
  client.stop();

  const point = pointHex({ x: key.x, y: key.y });
  const sm2Verify = await measure('service: SM2 verifications (worker pool)', async () => {
    const ok = await Promise.all(items.map((item, i) => sm2Verifier.verify(point, item, signatures[i])));
    if (!ok.every(Boolean)) throw new Error('an SM2 signature did not verify');
  });
  await sm2Verifier.close();
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaSignatures = items.map((item) => rsaSign('sha256', item, rsa.privateKey));
  const rsaVerifies = await measure('service: RSA-2048 verifications (libuv pool)', async () => {
    const ok = await Promise.all(
      items.map(
        (item, i) =>
          new Promise<boolean>((resolve) =>
            rsaVerify('sha256', item, rsa.publicKey, rsaSignatures[i], (e, v) => resolve(!e && v)),
          ),
      ),
    );
    if (!ok.every(Boolean)) throw new Error('an RSA signature did not verify');
  });
  return { direct, batch, sm2Verify, rsaVerifies };
}

async function main() {
  const hsm = new SoftHsm();
  const logs = mkdtempSync(join(tmpdir(), 'sk-bench-token-'));
  try {
    const slotId = hsm.initToken('SK bench');
    const driver = hsm.driver();
    const { keyId } = await driver.withLogin(slotId, TEST_PIN, true, async (s) => {
      const key = await driver.generateKeyPair(s, 'rsa', 'bench');
      return { keyId: key.keyId };
    });
    const items = Array.from({ length: N }, (_, i) => Buffer.from(`instruction ${i}`));

    const direct = await measure('direct pkcs11js in this process (1 login)', async () => {
      await driver.withLogin(slotId, TEST_PIN, false, async (s) => {
        const key = driver.privateKey(s, keyId);
        for (const item of items) await driver.sign(s, key, item);
      });
    });
    driver.close();

    const client = new TokenHostClient(
      childTokenHostSpawner(join(logs, 'host.log'), () => hsm.env()),
      () => ({
        modulePath: null,
        fileCertDir: join(logs, 'certs'),
      }),
    );
    await client.start();
    const data = items.map((i) => i.toString('base64'));
    const batch = await measure('token host, one request of 500 (1 login)', async () => {
      await client.request('sign', { slotId, keyId, pin: TEST_PIN, data });
    });
    const single = await measure('token host, 500 requests (login each)', async () => {
      for (const d of data) await client.request('sign', { slotId, keyId, pin: TEST_PIN, data: [d] });
    });
    // The PIN policy: the first request logs in and the login is kept; the others send no PIN.
    const held = await measure('token host, 500 requests (login kept)', async () => {
      await client.request('sign', { slotId, keyId, pin: TEST_PIN, data: [data[0]], holdMs: 60_000 });
      for (const d of data.slice(1)) await client.request('sign', { slotId, keyId, pin: '', data: [d] });
    });
    await client.request('release', {});
    client.stop();
    const sm2 = await sm2Figures(logs);

    console.log('');
    console.log(`through the host, batched: ${Math.round((100 * batch) / direct) / 100}× the direct rate`);
    console.log(
      `through the host, one signature per request: ${Math.round((100 * single) / direct) / 100}× the direct rate`,
    );
    console.log(
      `through the host, one signature per request with the login kept (PIN policy): ${Math.round((100 * held) / direct) / 100}× the direct rate`,
    );
    console.log(
      `SM2 through the host, batched: ${Math.round((100 * sm2.batch) / sm2.direct) / 100}× the SKF library directly`,
    );
    console.log(
      `service-side SM2 verification: ${Math.round((100 * sm2.sm2Verify) / sm2.rsaVerifies) / 100}× RSA-2048's rate`,
    );
  } finally {
    hsm.cleanup();
    rmSync(logs, { recursive: true, force: true });
  }
}

void main();
