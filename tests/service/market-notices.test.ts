// Notices to the market (issue 13), on both databases, to a real HTTPS server
// standing for a market's system (its certificate from its own CA, which the
// dispatcher is told to trust): written in the transaction of the event they
// tell of; signed with the bank's document key; retried with backoff while the
// market answers 500, then nothing, until it answers OK — every notice accepted
// exactly once, a member's notices in order; a redirect is not followed; and a
// service killed with SIGKILL while a notice was on its way delivers it after
// its restart.
import { createVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setSignedIn } from '../../src-service/markets/markets';
import { NoticeDispatcher, setMarketUrl, type NoticeBody } from '../../src-service/markets/notices';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { contractDemoMembers, transferFromCard } from '../support/market-members';
import { marketTls } from '../support/market-tls';
import { startHarness, type Harness } from '../support/service-harness';
import { SERVICE_FROM_SOURCE, startServiceProcess } from '../support/service-process';

const CORP_CARD = '6228480000000015';
const ZHANG_CARD = '6225880000000019';

/** A market's notice endpoint: answers as `answer` says for each request, and keeps what it accepted. */
class MarketEndpoint {
  server!: Server;
  url = '';
  requests: NoticeBody[] = [];
  accepted = new Map<number, NoticeBody>();
  order: number[] = [];
  headers: IncomingMessage['headers'][] = [];
  answer: (n: number) => 'ok' | 'error' | 'silence' | 'redirect' = () => 'ok';
  private pending: ServerResponse[] = [];

  constructor(private readonly tls: { key: string; cert: string }) {}

  async start(): Promise<void> {
    this.server = createServer(this.tls, (req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString()));
      req.on('end', () => {
        const body = JSON.parse(raw) as NoticeBody;
        this.requests.push(body);
        this.headers.push(req.headers);
        const how = this.answer(this.requests.length);
        if (how === 'silence') return void this.pending.push(res);
        if (how === 'error') return void res.writeHead(500).end();
        if (how === 'redirect') return void res.writeHead(302, { location: `${this.url}/elsewhere` }).end();
        // Idempotent by the notice's id, as the integration guide asks of a market.
        if (!this.accepted.has(body.id)) {
          this.accepted.set(body.id, body);
          this.order.push(body.id);
        }
        res.writeHead(200).end('{}');
      });
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    this.url = `https://127.0.0.1:${(this.server.address() as AddressInfo).port}/notices`;
  }

  async stop(): Promise<void> {
    for (const res of this.pending) res.destroy();
    this.server.closeAllConnections();
    await new Promise((r) => this.server.close(r));
  }
}

const until = async (what: () => Promise<boolean> | boolean, ms = 15_000) => {
  const end = Date.now() + ms;
  while (!(await what())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
};

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`notices to the market on ${kind.name}`, () => {
    let h: Harness;
    let dir: string;
    let tls: ReturnType<typeof marketTls>;
    const transfer = (card: string, amount: number) =>
      transferFromCard(h.ctx, { marketCode: 'EXCH01', cardNo: card, amount, keyPrefix: `notice-${kind.name}` });
    const undelivered = async () =>
      (await h.ctx.db.selectFrom('market_notices').select('id').where('delivered_at', 'is', null).execute()).length;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sk-notices-'));
      tls = marketTls(dir);
      h = await startHarness(kind);
      await contractDemoMembers(h.ctx, 'EXCH01', { corporate: 'EX2001', individual: 'EX2002' });
      await setSignedIn(h.ctx, 'EXCH01', true);
      // The demo's and the set-up's contracts made notices of their own: taken as delivered before these tests.
      await h.ctx.db.updateTable('market_notices').set({ delivered_at: new Date().toISOString() }).execute();
    });
    afterAll(async () => {
      await h?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('delivers after 500, then silence, then OK: each notice accepted once, signed, a member’s in order', async () => {
      const market = new MarketEndpoint(tls);
      await market.start();
      await setMarketUrl(h.ctx, 'EXCH01', 'notice', market.url);
      // Three credited transfers: two for the corporate member, one for the individual.
      for (const [card, amount] of [
        [CORP_CARD, 100],
        [ZHANG_CARD, 200],
        [CORP_CARD, 300],
      ] as const)
        expect(await transfer(card, amount)).toMatchObject({ outcome: 'credited' });
      const written = await h.ctx.db
        .selectFrom('market_notices')
        .select(['id', 'member_code', 'kind', 'payload'])
        .where('delivered_at', 'is', null)
        .orderBy('id')
        .execute();
      expect(written.map((n) => [n.member_code, n.kind, JSON.parse(n.payload).amount])).toEqual([
        ['EX2001', 'money.in', 100],
        ['EX2002', 'money.in', 200],
        ['EX2001', 'money.in', 300],
      ]);
      market.answer = (n) => (n === 1 ? 'error' : n === 2 ? 'silence' : 'ok');
      const dispatcher = new NoticeDispatcher(h.ctx, {
        intervalMs: 20,
        backoffMs: 40,
        maxBackoffMs: 200,
        timeoutMs: 300,
        ca: tls.ca,
      });
      dispatcher.start();
      try {
        await until(async () => (await undelivered()) === 0);
      } finally {
        await dispatcher.stop();
        await market.stop();
      }
      expect([...market.accepted.keys()].sort((a, b) => a - b)).toEqual(written.map((n) => n.id));
      const corporate = market.order.filter((id) => market.accepted.get(id)!.memberCode === 'EX2001');
      expect(corporate).toEqual(written.filter((n) => n.member_code === 'EX2001').map((n) => n.id));
      // The failed attempts were retried: more requests than notices, and the first two were not accepted.
      expect(market.requests.length).toBeGreaterThanOrEqual(written.length + 2);
      // A member's later notice was never sent before the earlier one was accepted.
      const firstCorporate = market.requests.findIndex((r) => r.id === written[2].id);
      const acceptedFirst = market.requests.findLastIndex((r) => r.id === written[0].id);
      expect(firstCorporate).toBeGreaterThan(acceptedFirst);
      // The bank's document key signed the very bytes, under a certificate from the bank CA.
      const headers = market.headers.at(-1)!;
      const certificate = new X509Certificate(Buffer.from(String(headers['x-settlekey-certificate']), 'base64'));
      const ca = await h.ctx.bankKeys.caCertificate();
      expect(certificate.verify(new X509Certificate(Buffer.from(ca.rawData)).publicKey)).toBe(true);
      const last = market.requests.at(-1)!;
      const verifier = createVerify('sha256');
      verifier.update(Buffer.from(JSON.stringify(last)));
      expect(
        verifier.verify(certificate.publicKey, Buffer.from(String(headers['x-settlekey-signature']), 'base64')),
      ).toBe(true);
    });

    it('does not follow a redirect, and checks the market’s certificate', async () => {
      const market = new MarketEndpoint(tls);
      await market.start();
      await setMarketUrl(h.ctx, 'EXCH01', 'notice', market.url);
      market.answer = () => 'redirect';
      await transfer(ZHANG_CARD, 5);
      const strict = new NoticeDispatcher(h.ctx, { intervalMs: 10_000, backoffMs: 1, maxBackoffMs: 1, timeoutMs: 500 });
      const trusting = new NoticeDispatcher(h.ctx, {
        intervalMs: 10_000,
        backoffMs: 1,
        maxBackoffMs: 1,
        timeoutMs: 500,
        ca: tls.ca,
      });
      try {
        // Without the market's CA the TLS handshake is refused: nothing reaches the market.
        await strict.tick();
        expect(market.requests).toHaveLength(0);
        const failed = await h.ctx.db
          .selectFrom('market_notices')
          .select(['attempts', 'last_error'])
          .where('delivered_at', 'is', null)
          .executeTakeFirstOrThrow();
        expect(failed.attempts).toBe(1);
        expect(failed.last_error).toMatch(/certificate|self.signed|issuer/i);
        await new Promise((r) => setTimeout(r, 5));
        await trusting.tick();
        expect(market.requests).toHaveLength(1);
        expect(market.accepted.size).toBe(0);
        expect(await undelivered()).toBe(1);
        market.answer = () => 'ok';
        await new Promise((r) => setTimeout(r, 5));
        await trusting.tick();
        expect(await undelivered()).toBe(0);
        expect(market.requests.filter((r) => r.memberCode === 'EX2002')).toHaveLength(2);
      } finally {
        await strict.stop();
        await trusting.stop();
        await market.stop();
      }
    });

    it('delivers a notice that was on its way when the service was killed, after the restart', async () => {
      const market = new MarketEndpoint(tls);
      await market.start();
      await setMarketUrl(h.ctx, 'EXCH01', 'notice', market.url);
      // The first attempt is never answered: the service is killed while it waits.
      market.answer = (n) => (n === 1 ? 'silence' : 'ok');
      await transfer(CORP_CARD, 7);
      const env = {
        ...h.keysEnv,
        SETTLEKEY_NOTICE_CA_FILE: tls.caFile,
        SETTLEKEY_NOTICE_INTERVAL_MS: '20',
        SETTLEKEY_NOTICE_BACKOFF_MS: '20',
        SETTLEKEY_NOTICE_TIMEOUT_MS: '400',
      };
      const first = await startServiceProcess(SERVICE_FROM_SOURCE, ['--db', h.database, '--demo'], env);
      try {
        await until(() => market.requests.length === 1);
      } finally {
        first.child.kill('SIGKILL');
        await new Promise((r) => first.child.once('exit', r));
      }
      expect(await undelivered()).toBe(1);
      const second = await startServiceProcess(SERVICE_FROM_SOURCE, ['--db', h.database, '--demo'], env);
      try {
        await until(async () => (await undelivered()) === 0);
      } finally {
        second.child.kill('SIGTERM');
        await new Promise((r) => second.child.once('exit', r));
        await market.stop();
      }
      expect(market.accepted.size).toBe(1);
      expect([...market.accepted.values()][0]).toMatchObject({ memberCode: 'EX2001', payload: { amount: 7 } });
    });
  });
}
