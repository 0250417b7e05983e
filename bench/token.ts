// `npm run bench:token`: RSA-2048 signatures per second on SoftHSM2 through the
// token host (a separate process) against pkcs11js called directly in this
// process, in the same run; and how much this process's event loop lags while
// each runs. The ratio says what the isolation costs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { childTokenHostSpawner } from '../src-main/core/spawn-child';
import { TokenHostClient } from '../src-main/token/host-client';
import { SoftHsm, TEST_PIN } from '../tests/support/softhsm';

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
    client.stop();

    console.log('');
    console.log(`through the host, batched: ${Math.round((100 * batch) / direct) / 100}× the direct rate`);
    console.log(
      `through the host, one signature per request: ${Math.round((100 * single) / direct) / 100}× the direct rate`,
    );
  } finally {
    hsm.cleanup();
    rmSync(logs, { recursive: true, force: true });
  }
}

void main();
