// The main process stays responsive while the token host signs: its timers
// keep firing and an IPC call through the browser shell is answered in the
// middle of a burst of 100 signatures. (The figures are in bench:token.)
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MainCore } from '../../src-main/core/main-core';
import { fileKeyProvider } from '../../src-main/core/session-cache';
import { Downloads } from '../../src-main/shell/downloads';
import { childProcessSpawner, childTokenHostSpawner } from '../../src-main/core/spawn-child';
import { startShell, type RunningShell } from '../../src-main/shell/host';
import { SoftHsm, TEST_PIN } from '../support/softhsm';

describe('main process during a burst of signatures', () => {
  let hsm: SoftHsm;
  let dir: string;
  let core: MainCore;
  let shell: RunningShell;

  beforeAll(async () => {
    hsm = new SoftHsm();
    hsm.initToken('SK burst');
    dir = mkdtempSync(join(tmpdir(), 'sk-burst-'));
    mkdirSync(join(dir, 'renderer'));
    writeFileSync(join(dir, 'renderer', 'index.html'), '<!doctype html><script src="x.js"></script>');
    core = new MainCore({
      userDataDir: join(dir, 'user'),
      version: 'test',
      demo: false,
      spawnService: childProcessSpawner(join(dir, 'service.log')),
      spawnTokenHost: childTokenHostSpawner(join(dir, 'host.log'), () => hsm.env()),
      cacheKeys: fileKeyProvider,
      files: new Downloads(),
    });
    shell = await startShell({ core, rendererDir: join(dir, 'renderer'), testMode: true });
  });
  afterAll(async () => {
    await shell?.close();
    core?.close();
    hsm?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps firing timers and answers IPC while the host signs 100 times', async () => {
    const token = (await core.tokens.status()).tokens[0];
    const { keyId } = await core.tokens.request('provision', {
      slotId: token.slotId,
      userPin: TEST_PIN,
      keyType: 'rsa',
      subject: { commonName: 'demo.operator', organization: 'x' },
    });
    const launch = await fetch(shell.launchUrl, { redirect: 'manual' });
    const cookie = (launch.headers.get('set-cookie') ?? '').split(';')[0];

    let ticks = 0;
    let burstDone = false;
    let ticksDuringBurst = 0;
    const timer = setInterval(() => {
      ticks += 1;
      if (!burstDone) ticksDuringBurst += 1;
    }, 5);
    const burst = core.tokens
      .request('sign', {
        slotId: token.slotId,
        keyId,
        pin: TEST_PIN,
        data: Array.from({ length: 100 }, (_, i) => Buffer.from(`n${i}`).toString('base64')),
      })
      .finally(() => (burstDone = true));
    // an IPC call over the shell, as the renderer would make it, during the burst
    const answer = await fetch(`${shell.origin}/ipc/settings.get`, {
      method: 'POST',
      headers: { cookie, origin: shell.origin, 'x-settlekey-bridge': '1', 'content-type': 'application/json' },
      body: '{}',
    }).then((r) => r.json());
    const answeredBeforeBurstEnded = !burstDone;
    const { signatures } = await burst;
    clearInterval(timer);

    expect(answer).toMatchObject({ ok: true, value: { language: 'zh-CN' } });
    expect(answeredBeforeBurstEnded).toBe(true);
    expect(signatures).toHaveLength(100);
    expect(ticksDuringBurst).toBeGreaterThan(1);
    expect(ticks).toBeGreaterThanOrEqual(ticksDuringBurst);
  });
});
