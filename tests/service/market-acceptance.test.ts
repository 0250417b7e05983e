// Where the market answers before money moves (issue 13), on both databases,
// against a real HTTPS server standing for the market's system: a transfer
// from another bank's card is credited only when the market accepts; a refusal,
// or no answer in time, sends the money to suspense and tells the market,
// whose late acceptance counts for nothing; the question is signed by the bank
// and asked outside any transaction (other postings go on meanwhile); a card
// bound to no one, or a market with no acceptance URL, is not asked.
import { createVerify, X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as events from '../../src-service/markets/events';
import { setSignedIn } from '../../src-service/markets/markets';
import { setMarketUrl } from '../../src-service/markets/notices';
import type { Fen } from '../../src-shared/money';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { contractDemoMembers, transferFromCard } from '../support/market-members';
import { marketTls } from '../support/market-tls';
import { startHarness, type Harness } from '../support/service-harness';

const CORP_CARD = '6228480000000015';
const UNBOUND = '6217000000000014';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`the market's acceptance of transfers on ${kind.name}`, () => {
    let h: Harness;
    let dir: string;
    let server: Server;
    let answer: (res: ServerResponse) => void = (res) => res.writeHead(200).end('{"accept":true}');
    const questions: { body: string; headers: IncomingMessage['headers'] }[] = [];
    const transfer = (card: string, amount: number) =>
      transferFromCard(h.ctx, { marketCode: 'EXCH01', cardNo: card, amount, keyPrefix: `accept-${kind.name}` });
    const notices = () =>
      h.ctx.db
        .selectFrom('market_notices')
        .select(['kind', 'payload'])
        .where('kind', '=', 'transfer.suspended')
        .orderBy('id')
        .execute();

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sk-acceptance-'));
      const tls = marketTls(dir);
      server = createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString()));
        req.on('end', () => {
          questions.push({ body, headers: req.headers });
          answer(res);
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      h = await startHarness(kind, { marketCa: tls.ca, acceptanceTimeoutMs: 400 });
      await contractDemoMembers(h.ctx, 'EXCH01', { corporate: 'EX2001', individual: 'EX2002' });
      await setSignedIn(h.ctx, 'EXCH01', true);
      await setMarketUrl(
        h.ctx,
        'EXCH01',
        'acceptance',
        `https://127.0.0.1:${(server.address() as AddressInfo).port}/accept`,
      );
    });
    afterAll(async () => {
      await h?.close();
      server?.closeAllConnections();
      await new Promise((r) => server?.close(r));
      rmSync(dir, { recursive: true, force: true });
    });

    it('credits the member when the market accepts, after a question the bank signed', async () => {
      const before = questions.length;
      expect(await transfer(CORP_CARD, 100)).toMatchObject({ outcome: 'credited' });
      expect(questions).toHaveLength(before + 1);
      const q = questions.at(-1)!;
      expect(JSON.parse(q.body)).toMatchObject({
        market: 'EXCH01',
        memberCode: 'EX2001',
        amount: 100,
        cardTail: '0015',
      });
      expect(q.body).not.toContain(CORP_CARD);
      const certificate = new X509Certificate(Buffer.from(String(q.headers['x-settlekey-certificate']), 'base64'));
      const verifier = createVerify('sha256');
      verifier.update(q.body);
      expect(
        verifier.verify(certificate.publicKey, Buffer.from(String(q.headers['x-settlekey-signature']), 'base64')),
      ).toBe(true);
    });

    it('sends the money to suspense when the market refuses, and tells it so', async () => {
      answer = (res) => res.writeHead(200).end('{"accept":false}');
      expect(await transfer(CORP_CARD, 200)).toMatchObject({
        outcome: 'suspense',
        reason: 'marketRefused',
        answer: 'refused',
      });
      expect((await notices()).map((n) => JSON.parse(n.payload))).toContainEqual(
        expect.objectContaining({ memberCode: 'EX2001', amount: 200, answer: 'refused' }),
      );
    });

    it('counts no answer in time as a refusal — a late acceptance counts for nothing — and never waits inside a transaction', async () => {
      let late: ServerResponse | null = null;
      answer = (res) => {
        late = res;
      };
      const pending = transfer(CORP_CARD, 300);
      // While the market keeps the bank waiting, other postings go on.
      await new Promise((r) => setTimeout(r, 50));
      const t0 = Date.now();
      const other = await events.marketMoney(h.ctx, {
        marketCode: 'EXCH01',
        direction: 'deposit',
        memberCode: 'EX2002',
        amount: 10 as Fen,
        key: `accept-${kind.name}-other`,
      });
      expect(other).toMatchObject({ serial: expect.any(String) });
      expect(Date.now() - t0).toBeLessThan(300);
      expect(await pending).toMatchObject({ outcome: 'suspense', reason: 'marketRefused', answer: 'noAnswer' });
      // The acceptance, arriving now, is too late.
      (late as ServerResponse | null)?.writeHead(200).end('{"accept":true}');
      const parked = await h.ctx.db
        .selectFrom('suspense_records')
        .select(['status', 'amount'])
        .where('reason', '=', 'marketRefused')
        .orderBy('id', 'desc')
        .executeTakeFirstOrThrow();
      expect(parked).toMatchObject({ status: 'open' });
      expect(Number(parked.amount)).toBe(300);
      expect((await notices()).map((n) => JSON.parse(n.payload))).toContainEqual(
        expect.objectContaining({ amount: 300, answer: 'noAnswer' }),
      );
    });

    it('does not ask about a card bound to no one, nor when no acceptance URL is set', async () => {
      answer = (res) => res.writeHead(200).end('{"accept":true}');
      const before = questions.length;
      expect(await transfer(UNBOUND, 5)).toMatchObject({ outcome: 'suspense', reason: 'unboundCard' });
      await setMarketUrl(h.ctx, 'EXCH01', 'acceptance', null);
      expect(await transfer(CORP_CARD, 6)).toMatchObject({ outcome: 'credited' });
      expect(questions).toHaveLength(before);
    });
  });
}
