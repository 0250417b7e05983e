// Reconciliation files over the market API (issue 13), on both databases: a
// day's file only once the day has ended; its totals equal the ledger's; its
// manifest's SHA-256 is the file's and its signature verifies with the bank's
// document certificate, which the bank CA issued; made once when instances ask
// together; a market's file with one wrong line, one missing and one extra is
// reported as exactly those differences; a malformed file is refused, naming
// the line.
import { createHash, createVerify, X509Certificate } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as events from '../../src-service/markets/events';
import { setSignedIn } from '../../src-service/markets/markets';
import { reconciliation } from '../../src-service/markets/reconciliation';
import type { MarketKey } from '../../src-market-sim/signing';
import type { Fen } from '../../src-shared/money';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { marketCall, marketKey } from '../support/market-client';
import { contractDemoMembers } from '../support/market-members';
import { rowCount } from '../support/rows';
import { harnessFor } from '../support/service-harness';

const files = (date: string) => `/market-api/v1/markets/EXCH01/reconciliation-files/${date}`;
const DAY = 86_400_000;

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`reconciliation files on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let key: MarketKey;
    let day1: string;
    let keys = 0;
    const movements = async () => {
      await setSignedIn(h.ctx, 'EXCH01', true);
      for (const [card, amount] of [
        ['6228480000000015', 1_000],
        ['6225880000000019', 2_000],
      ] as const)
        await events.incomingTransfer(h.ctx, {
          marketCode: 'EXCH01',
          cardNo: card,
          payerName: 'payer',
          amount: amount as Fen,
          key: `recon-${kind.name}-${++keys}`,
        });
      await events.clearing(h.ctx, {
        marketCode: 'EXCH01',
        payerCode: 'EX2001',
        payeeCode: 'EX2002',
        amount: 300 as Fen,
        fee: 5 as Fen,
        key: `recon-${kind.name}-${++keys}`,
      });
    };

    beforeAll(async () => {
      key = await marketKey(h, 'EXCH01');
      await contractDemoMembers(h.ctx, 'EXCH01', { corporate: 'EX2001', individual: 'EX2002' });
      await movements();
      day1 = h.clock.today();
    });
    afterAll(() => h?.close());

    it('gives a day’s file only once it has ended: totals equal to the ledger’s, the manifest signed by the bank', async () => {
      const open = await marketCall(h, key, { method: 'GET', path: files(day1), lang: 'en' });
      expect(open.statusCode).toBe(422);
      expect(open.json().error.code).toBe('RECONCILIATION_DAY_OPEN');
      h.clock.advance(DAY);
      const res = await marketCall(h, key, { method: 'GET', path: files(day1) });
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const file = res.json();
      const lines: string[] = file.content.trimEnd().split('\n');
      expect(lines[0]).toMatch(
        new RegExp(`^H\\|SETTLEKEY-RECON\\|1\\|EXCH01\\|${day1}\\|\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\+08:00$`),
      );
      const ledger = await reconciliation(h.ctx, 'EXCH01', day1);
      const m = lines.filter((l) => l.startsWith('M|'));
      expect(m).toHaveLength(ledger.deposits.length + ledger.withdrawals.length + ledger.clearing.length);
      expect(m.length).toBeGreaterThanOrEqual(3);
      const t = lines.at(-1)!.split('|');
      expect(t).toEqual([
        'T',
        String(m.length),
        ledger.totals.deposits,
        ledger.totals.withdrawals,
        ledger.totals.clearing,
        ledger.totals.fees,
        ledger.totals.members,
        ledger.totals.summary,
      ]);
      expect(ledger.ties).toBe(true);
      // The file's own figures add up to its totals line.
      const sumOf = (rows: string[], field: number) => rows.reduce((s, l) => s + BigInt(l.split('|')[field]), 0n);
      expect(
        String(
          sumOf(
            m.filter((l) => l.split('|')[2] === 'clearing'),
            5,
          ),
        ),
      ).toBe(ledger.totals.fees);
      expect(
        String(
          sumOf(
            lines.filter((l) => l.startsWith('B|')),
            3,
          ),
        ),
      ).toBe(ledger.totals.members);
      // The manifest names the file's SHA-256; the document key signed it; the bank CA issued that key's certificate.
      expect(file.manifest.sha256).toBe(createHash('sha256').update(file.content).digest('hex'));
      expect(JSON.parse(file.manifestJson)).toEqual(file.manifest);
      const certificate = new X509Certificate(Buffer.from(file.certificate, 'base64'));
      const verifier = createVerify('sha256');
      verifier.update(file.manifestJson);
      expect(verifier.verify(certificate.publicKey, Buffer.from(file.signature, 'base64'))).toBe(true);
      const ca = await h.ctx.bankKeys.caCertificate();
      expect(certificate.verify(new X509Certificate(Buffer.from(ca.rawData)).publicKey)).toBe(true);
      // Asked again, it is the same file.
      const again = (await marketCall(h, key, { method: 'GET', path: files(day1) })).json();
      expect(again.content).toBe(file.content);
    });

    it('makes a day’s file once when it is asked for together, with one notice that it is ready', async () => {
      await movements();
      const day2 = h.clock.today();
      h.clock.advance(DAY);
      const notices = await rowCount(h.ctx.db, 'market_notices');
      const replies = await Promise.all(
        Array.from({ length: 6 }, () => marketCall(h, key, { method: 'GET', path: files(day2) })),
      );
      expect(replies.map((r) => r.statusCode)).toEqual(Array(6).fill(200));
      expect(new Set(replies.map((r) => r.json().manifest.sha256)).size).toBe(1);
      const rows = await h.ctx.db
        .selectFrom('reconciliation_files')
        .select('id')
        .where('business_date', '=', day2)
        .execute();
      expect(rows).toHaveLength(1);
      const ready = await h.ctx.db
        .selectFrom('market_notices')
        .select('payload')
        .where('kind', '=', 'reconciliation.ready')
        .execute();
      expect(ready.filter((n) => JSON.parse(n.payload).businessDate === day2)).toHaveLength(1);
      expect(await rowCount(h.ctx.db, 'market_notices')).toBe(notices + 1);
    });

    it('reports a market’s file with one wrong line, one missing and one extra as exactly those', async () => {
      const bank: string = (await marketCall(h, key, { method: 'GET', path: files(day1) })).json().content;
      const lines = bank.trimEnd().split('\n');
      const m = lines.map((l, i) => [l, i] as const).filter(([l]) => l.startsWith('M|'));
      const [wrongLine, wrongAt] = m[0];
      const [missingLine, missingAt] = m[1];
      const wrong = wrongLine.split('|');
      wrong[4] = String(Number(wrong[4]) + 1);
      const theirs = lines.map((l, i) => (i === wrongAt ? wrong.join('|') : l)).filter((_, i) => i !== missingAt);
      theirs.splice(1, 0, 'M|MKT-ONLY-1|clearing|EX2001|50|0|posted');
      const compare = (file: string) =>
        marketCall(h, key, { path: `${files(day1)}/compare`, body: { file }, lang: 'en' });
      const res = await compare(`${theirs.join('\n')}\n`);
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      expect(res.json().ties).toBe(false);
      expect(res.json().differences.map((d: any) => [d.serial, d.difference])).toEqual([
        [wrongLine.split('|')[1], 'amountDiffers'],
        [missingLine.split('|')[1], 'missingAtMarket'],
        ['MKT-ONLY-1', 'missingAtBank'],
      ]);
      expect((await compare(bank)).json()).toEqual({ businessDate: day1, ties: true, differences: [] });
      const malformed = await compare(`${lines[0]}\nM|only-three|fields\n`);
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().error.message).toMatch(/Line 2/);
    });
  });
}
