// Pieces of the bank stack (issue 15) a unit of the service can show on its own:
// an instance serves HTTPS from a certificate and a key only its owner may read,
// and a SIGTERM ends it promptly although the load balancer holds a keep-alive
// connection open; a database out of reach answers 503 DATABASE_UNAVAILABLE, not
// 500; and the bank CA issues the public TLS certificate for a CSR. The whole
// stack under faults is `npm run bank-stack:chaos` (its short run is in the test command).
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { Agent, request } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyRequest } from 'fastify';
import { issueServerCertificate } from '../../src-service/certificates/server-tls';
import { statusOf, toAppError } from '../../src-service/http/errors';
import { sqlite } from '../support/databases';
import { marketTls } from '../support/market-tls';
import { startHarness } from '../support/service-harness';
import { SERVICE_FROM_SOURCE, startServiceProcess } from '../support/service-process';
import { publicKeyAndCsr } from '../../scripts/bank-stack/pki';

describe('an instance behind the load balancer', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-instance-tls-'));
  const tls = marketTls(dir);
  const keyFile = join(dir, 'server.key');
  const certFile = join(dir, 'server.pem');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS, and stops on SIGTERM within its drain although a keep-alive connection is open', async () => {
    chmodSync(keyFile, 0o600);
    const service = await startServiceProcess(SERVICE_FROM_SOURCE, ['--demo', '--db', join(dir, 'a.sqlite')], {
      SETTLEKEY_TLS_CERT_FILE: certFile,
      SETTLEKEY_TLS_KEY_FILE: keyFile,
      SETTLEKEY_DEMO_KEYS: 'file',
      SETTLEKEY_DRAIN_MS: '300',
    });
    const agent = new Agent({ connect: { ca: tls.ca } });
    const { port } = new URL(service.url);
    // As haproxy does: a keep-alive connection with a request in flight when the stop comes,
    // which becomes idle (and stays open) once answered.
    const socket = connect({ host: '127.0.0.1', port: Number(port), ca: tls.ca });
    const secure = new Promise<void>((resolve) => socket.once('secureConnect', () => resolve()));
    try {
      expect(service.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const live = await request(`${service.url}/health/live`, { dispatcher: agent });
      expect(live.statusCode).toBe(200);
      expect(await live.body.json()).toEqual({ status: 'alive' });
      await secure;
      let answered = '';
      socket.on('data', (chunk: Buffer) => (answered += chunk.toString()));
      socket.write(
        'POST /auth/captcha HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\n',
      );
      const exited = new Promise<number | null>((resolve) => service.child.on('exit', resolve));
      const t0 = Date.now();
      service.child.kill('SIGTERM');
      await new Promise((resolve) => setTimeout(resolve, 800)); // the drain is over, the listener closing
      socket.write('{}');
      await expect.poll(() => answered, { timeout: 5_000 }).toMatch(/^HTTP\/1\.1 200/);
      expect(await exited).toBe(0);
      expect(Date.now() - t0).toBeLessThan(10_000);
    } finally {
      socket.destroy();
      service.child.kill('SIGKILL');
      await agent.close();
    }
  }, 60_000);

  it('refuses to start with a TLS key others may read, naming the file', async () => {
    const open = join(dir, 'open.key');
    writeFileSync(open, readFileSync(keyFile));
    chmodSync(open, 0o644);
    const started = startServiceProcess(SERVICE_FROM_SOURCE, ['--demo', '--db', join(dir, 'b.sqlite')], {
      SETTLEKEY_TLS_CERT_FILE: certFile,
      SETTLEKEY_TLS_KEY_FILE: open,
      SETTLEKEY_DEMO_KEYS: 'file',
    });
    await expect(started).rejects.toThrow(/service exited \(1\)[\s\S]*open\.key[\s\S]*0644/);
  }, 60_000);
});

describe('a database out of reach', () => {
  const req = { url: '/instructions', lang: 'en' } as unknown as FastifyRequest;
  it.each([
    ['a connection cut', Object.assign(new Error('Connection terminated unexpectedly'), {})],
    ['PgBouncer down', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6432'), { code: 'ECONNREFUSED' })],
    ['the primary shutting down', Object.assign(new Error('terminating connection'), { code: '57P01' })],
    ['a write that reached a standby', Object.assign(new Error('read-only transaction'), { code: '25006' })],
  ])('%s is 503 DATABASE_UNAVAILABLE', (_what, error) => {
    const mapped = toAppError(error, req);
    expect(mapped.code).toBe('DATABASE_UNAVAILABLE');
    expect(statusOf(mapped.code)).toBe(503);
  });
  it('a fault of the code stays 500 INTERNAL', () => {
    expect(toAppError(new TypeError('x is undefined'), req).code).toBe('INTERNAL');
    expect(toAppError(Object.assign(new Error('duplicate key'), { code: '23505' }), req).code).toBe('INTERNAL');
  });
});

describe('the public TLS certificate', () => {
  it('is issued by the bank CA for the names asked, for serverAuth, from the CSR’s own key', async () => {
    const h = await startHarness(sqlite, { keys: 'file' });
    const dir = mkdtempSync(join(tmpdir(), 'sk-server-tls-'));
    try {
      // the key and CSR as the bank stack makes them for its load balancer
      const { csr } = publicKeyAndCsr(dir);
      const pem = await issueServerCertificate(h.ctx, {
        csrPem: readFileSync(csr, 'utf8'),
        names: ['127.0.0.1', 'settle.bank.example'],
      });
      const cert = new X509Certificate(pem);
      const ca = new X509Certificate((await h.ctx.bankKeys.caCertificate()).toString('pem'));
      expect(cert.verify(ca.publicKey)).toBe(true);
      expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
      expect(cert.checkHost('settle.bank.example')).toBe('settle.bank.example');
      expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
      await expect(
        issueServerCertificate(h.ctx, {
          csrPem: readFileSync(csr, 'utf8'),
          names: ['127.0.0.1'],
          validityDays: 3650,
        }),
      ).rejects.toThrow(/--days/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await h.close();
    }
  }, 60_000);
});
