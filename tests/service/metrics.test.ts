// What operators read of an instance (issue 15): its Prometheus figures
// (src-service/http/metrics.ts), on both databases:
// requests by route pattern and status, the journal and the outbox read from the
// database at each scrape, the pool on PostgreSQL — on an internal listener of its
// own; the public app has no /metrics. And the request id a reply carries.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveMetrics } from '../../src-service/http/metrics';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { decide, submitInstruction, tradeDesk } from '../support/instructions';
import { harnessFor } from '../support/service-harness';

for (const kind of DATABASE_KINDS) {
  const available = await checkAvailable(kind);
  describe.skipIf(!available)(`an instance's metrics on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let served: Awaited<ReturnType<typeof serveMetrics>>;
    beforeAll(async () => {
      served = await serveMetrics(h.ctx, '127.0.0.1', 0);
    });
    afterAll(async () => {
      await served?.close();
    });

    const scrape = async () => {
      const res = await fetch(served.url);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/plain');
      return res.text();
    };
    const value = (text: string, series: string) => {
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };

    it('counts requests by route pattern and status, and reads the journal’s growth from the database', async () => {
      const before = await scrape();
      const entriesBefore = value(before, 'settlekey_journal_entries')!;
      const { op, rev, contract } = await tradeDesk(h);
      const deposit = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: contract,
        amount: 1_00,
      });
      expect((await decide(h, rev, 'trade.reviewer', deposit.body.id, 'approve')).status).toBe(200);
      await h.request({ method: 'GET', url: `/instructions/${deposit.body.id}`, token: op });
      await h.request({ method: 'GET', url: '/instructions/999999', token: op });

      const after = await scrape();
      // the approved deposit's entry
      expect(value(after, 'settlekey_journal_entries')! - entriesBefore).toBe(1);
      // the route's pattern, not the id in the path
      expect(
        value(
          after,
          'settlekey_http_request_duration_seconds_count{method="GET",route="/instructions/:id",status="200"}',
        ),
      ).toBe(1);
      expect(
        value(
          after,
          'settlekey_http_request_duration_seconds_count{method="GET",route="/instructions/:id",status="422"}',
        ),
      ).toBe(1);
      expect(after).not.toContain('/instructions/999999');
      expect(value(after, 'settlekey_outbox_backlog')).toBeGreaterThanOrEqual(0);
      // the process's own figures too
      expect(after).toContain('settlekey_process_cpu_seconds_total');
      if (kind.name === 'postgres')
        expect(value(after, 'settlekey_db_pool_connections{state="total"}')).toBeGreaterThan(0);
      else expect(after).not.toContain('settlekey_db_pool_connections{');
    });

    it('carries the load balancer’s request id into the reply, and makes one when it sent none or a bad one', async () => {
      const given = await h.request({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'lb-7f3a:42' } });
      expect(given.headers['x-request-id']).toBe('lb-7f3a:42');
      const none = await h.request({ method: 'GET', url: '/health/live' });
      expect(none.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      // a header that would break a log line is not taken
      const bad = await h.request({ method: 'GET', url: '/health/live', headers: { 'x-request-id': 'a b\u0000c' } });
      expect(bad.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('is not served by the public app', async () => {
      expect((await h.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      expect((await fetch(served.url.replace('/metrics', '/other'))).status).toBe(404);
    });
  });
}
