// A service instance's life as a load balancer sees it (issue 15): ready only once
// it listens with its keys open; on SIGTERM, readiness says 'draining' at once while
// requests are still served for the drain time, then the listener closes (Fastify
// lets the requests in flight finish), the outbox batch in hand ends, and the
// process exits 0.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVICE_FROM_SOURCE, startServiceProcess, type ServiceProcess } from '../support/service-process';

const DRAIN_MS = 1_500;

describe('an instance’s readiness and graceful stop', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-lifecycle-'));
  let service: ServiceProcess | undefined;
  afterAll(() => {
    service?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  const get = async (path: string) => {
    const res = await fetch(`${service!.url}${path}`);
    return { status: res.status, body: (await res.json()) as { status: string } };
  };

  it('is ready when it listens, drains on SIGTERM while still answering, then closes and exits 0', async () => {
    service = await startServiceProcess(SERVICE_FROM_SOURCE, ['--demo', '--db', join(dir, 'service.sqlite')], {
      SETTLEKEY_DRAIN_MS: String(DRAIN_MS),
      SETTLEKEY_DEMO_KEYS: 'file',
    });
    expect(await get('/health/live')).toEqual({ status: 200, body: { status: 'alive' } });
    // a demo listens while its keys are still opening: not ready for requests that need them yet
    await expect
      .poll(async () => (await get('/health/ready')).body.status, { timeout: 30_000, interval: 100 })
      .toBe('ready');

    const exited = new Promise<number | null>((resolve) => service!.child.on('exit', (code) => resolve(code)));
    const stoppedAt = Date.now();
    service.child.kill('SIGTERM');
    // draining: the load balancer is told at once, and a request sent meanwhile is still served
    await expect.poll(async () => (await get('/health/ready')).status, { timeout: 1_000, interval: 50 }).toBe(503);
    expect((await get('/health/ready')).body).toEqual({ status: 'draining' });
    expect((await get('/health/live')).status).toBe(200);
    // a request sent late in the drain time is still answered
    await new Promise((resolve) => setTimeout(resolve, DRAIN_MS - 150 - (Date.now() - stoppedAt)));
    const late = await fetch(`${service.url}/auth/captcha`, { method: 'POST' });
    expect(late.status).toBe(200);
    expect(await exited).toBe(0);
    expect(Date.now() - stoppedAt).toBeGreaterThanOrEqual(DRAIN_MS);
    // and then nothing listens
    await expect(fetch(`${service.url}/health/live`)).rejects.toThrow();
  }, 60_000);
});
