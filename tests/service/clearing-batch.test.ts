// Batch clearing over the market API (issue 13), on both databases: 8,190
// lines mixing valid, insufficient-funds, unknown-member and duplicate-key
// lines each get the result an independent model of the rules predicts, in
// order; the ledger stays balanced and the reconciliation ties; a linked chain
// with one bad line posts nothing; a chain open at the end fails whole; the
// batch is answered once per request key, and each posted line can be asked
// for by its own key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src-service/audit/verify';
import * as events from '../../src-service/markets/events';
import { custodyAccount } from '../../src-service/markets/reconciliation';
import { setSignedIn } from '../../src-service/markets/markets';
import type { MarketKey } from '../../src-market-sim/signing';
import { MAX_FEN, type Fen } from '../../src-shared/money';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { marketCall, marketKey } from '../support/market-client';
import { contractDemoMembers } from '../support/market-members';
import { rowCount } from '../support/rows';
import { harnessFor } from '../support/service-harness';

const A = 'EX2001';
const B = 'EX2002';
const batches = '/market-api/v1/markets/EXCH01/clearing-batches';

interface Line {
  key: string;
  payerCode: string;
  payeeCode: string;
  amount: number;
  fee?: number;
  linked?: boolean;
}

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`batch clearing on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let key: MarketKey;
    let run = 0;
    const k = (label: string) => `${label}-${kind.name}-${++run}`;

    const balanceOf = async (memberCode: string) =>
      Number(
        (
          await h.ctx.db
            .selectFrom('contracts')
            .innerJoin('accounts', 'accounts.id', 'contracts.detail_account_id')
            .select('accounts.balance')
            .where('contracts.member_code', '=', memberCode)
            .where('contracts.status', '=', 'active')
            .executeTakeFirstOrThrow()
        ).balance,
      );
    const feeBalance = async () =>
      Number(
        (
          await h.ctx.db
            .selectFrom('accounts')
            .innerJoin('markets', 'markets.id', 'accounts.market_id')
            .select('accounts.balance')
            .where('accounts.kind', '=', 'fee')
            .where('markets.code', '=', 'EXCH01')
            .executeTakeFirstOrThrow()
        ).balance,
      );
    const count = (table: 'journal_entries' | 'journal_lines') => rowCount(h.ctx.db, table);
    const send = (batchKey: string, lines: Line[]) =>
      marketCall(h, key, { path: batches, body: { key: batchKey, lines }, lang: 'en' });

    beforeAll(async () => {
      await setSignedIn(h.ctx, 'EXCH01', true);
      key = await marketKey(h, 'EXCH01');
      await contractDemoMembers(h.ctx, 'EXCH01', { corporate: A, individual: B });
      await events.marketMoney(h.ctx, {
        marketCode: 'EXCH01',
        direction: 'deposit',
        memberCode: A,
        amount: 100_000 as Fen,
        key: k('fund'),
      });
    });
    afterAll(() => h?.close());

    it('applies 8,190 mixed lines in order, each with the result the rules give it, and the books tie', async () => {
      const start = { [A]: await balanceOf(A), [B]: await balanceOf(B), fee: await feeBalance() };
      const lines: Line[] = [];
      for (let i = 0; i < 8_190; i++) {
        const r = i % 10;
        if (r <= 5) lines.push({ key: k('ok'), payerCode: A, payeeCode: B, amount: 7, fee: 1 });
        else if (r === 6) lines.push({ key: k('back'), payerCode: B, payeeCode: A, amount: 3 });
        else if (r === 7) lines.push({ key: k('who'), payerCode: 'EX9999', payeeCode: A, amount: 1 });
        else if (r === 8) lines.push({ key: k('big'), payerCode: A, payeeCode: B, amount: Number(MAX_FEN) });
        else lines.push({ ...lines[i - 9], amount: 2 }); // the key of the line nine before
      }
      // The rules, modelled independently: in order, a known member on each side, a key not
      // used before, the payer's balance covering amount and fee.
      const model = { ...start };
      const used = new Set<string>();
      const expected = lines.map((l) => {
        if (used.has(l.key)) return { key: l.key, outcome: 'refused', code: 'CLEARING_KEY_USED' };
        if (!(l.payerCode in model) || !(l.payeeCode in model))
          return { key: l.key, outcome: 'refused', code: 'CONTRACT_NOT_FOUND' };
        const fee = l.fee ?? 0;
        if (model[l.payerCode as 'EX2001'] < l.amount + fee)
          return { key: l.key, outcome: 'refused', code: 'INSUFFICIENT_FUNDS' };
        model[l.payerCode as 'EX2001'] -= l.amount + fee;
        model[l.payeeCode as 'EX2001'] += l.amount;
        model.fee += fee;
        used.add(l.key);
        return { key: l.key, outcome: 'posted' };
      });
      const entriesBefore = await count('journal_entries');
      const linesBefore = await count('journal_lines');
      const res = await send(k('batch'), lines);
      expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
      const result = res.json();
      expect(result.lines).toHaveLength(8_190);
      expect(result.lines.map(({ key, outcome, code }: any) => ({ key, outcome, ...(code ? { code } : {}) }))).toEqual(
        expected,
      );
      const posted = expected.filter((e) => e.outcome === 'posted').length;
      expect(result).toMatchObject({ posted, refused: 8_190 - posted });
      expect(new Set(result.lines.filter((l: any) => l.serial).map((l: any) => l.serial)).size).toBe(posted);
      expect({ [A]: await balanceOf(A), [B]: await balanceOf(B), fee: await feeBalance() }).toEqual(model);
      expect(await count('journal_entries')).toBe(entriesBefore + posted);
      const withFee = lines.filter((l, i) => expected[i].outcome === 'posted' && (l.fee ?? 0) > 0).length;
      expect(await count('journal_lines')).toBe(linesBefore + 2 * posted + withFee);
      expect((await verifyAudit(h.ctx.db)).breaks).toEqual([]);
      expect((await custodyAccount(h.ctx, 'EXCH01')).ties).toBe(true);
    });

    it('posts a linked chain with one bad line not at all, and the lines around it as usual', async () => {
      const before = { a: await balanceOf(A), b: await balanceOf(B) };
      const lines: Line[] = [
        { key: k('solo'), payerCode: A, payeeCode: B, amount: 5 },
        { key: k('c1'), payerCode: A, payeeCode: B, amount: 10, linked: true },
        { key: k('c2'), payerCode: B, payeeCode: A, amount: 1, linked: true },
        { key: k('c3'), payerCode: A, payeeCode: B, amount: Number(MAX_FEN), linked: true },
        { key: k('c4'), payerCode: A, payeeCode: B, amount: 1 },
        { key: k('after'), payerCode: A, payeeCode: B, amount: 2 },
      ];
      const result = (await send(k('linked'), lines)).json();
      expect(result.lines.map((l: any) => l.code ?? l.outcome)).toEqual([
        'posted',
        'LINKED_LINE_FAILED',
        'LINKED_LINE_FAILED',
        'INSUFFICIENT_FUNDS',
        'LINKED_LINE_FAILED',
        'posted',
      ]);
      expect({ a: await balanceOf(A), b: await balanceOf(B) }).toEqual({ a: before.a - 7, b: before.b + 7 });
      // A refused line's key stays free: the corrected chain posts under the same keys.
      const retry = (
        await send(k('linked-retry'), [{ ...lines[1] }, { ...lines[2] }, { ...lines[3], amount: 4 }, { ...lines[4] }])
      ).json();
      expect(retry.lines.map((l: any) => l.outcome)).toEqual(['posted', 'posted', 'posted', 'posted']);
    });

    it('fails a chain still open at the end of the batch whole', async () => {
      const before = await balanceOf(B);
      const result = (
        await send(k('open'), [
          { key: k('x'), payerCode: A, payeeCode: B, amount: 1 },
          { key: k('o1'), payerCode: A, payeeCode: B, amount: 1, linked: true },
          { key: k('o2'), payerCode: A, payeeCode: B, amount: 1, linked: true },
        ])
      ).json();
      expect(result.lines.map((l: any) => l.code ?? l.outcome)).toEqual([
        'posted',
        'LINKED_CHAIN_OPEN',
        'LINKED_CHAIN_OPEN',
      ]);
      expect(await balanceOf(B)).toBe(before + 1);
    });

    it('answers a batch once per request key, and each posted line by its own key', async () => {
      const batchKey = k('once');
      const lines = [{ key: k('line'), payerCode: A, payeeCode: B, amount: 3 }];
      const first = await send(batchKey, lines);
      const entries = await count('journal_entries');
      const again = await send(batchKey, lines);
      expect(again.json()).toEqual(first.json());
      expect(await count('journal_entries')).toBe(entries);
      const changed = await send(batchKey, [{ ...lines[0], amount: 4 }]);
      expect(changed.statusCode).toBe(409);
      const asked = await marketCall(h, key, {
        method: 'GET',
        path: `/market-api/v1/markets/EXCH01/requests/${lines[0].key}`,
      });
      expect(asked.json()).toMatchObject({ operation: 'clearing', result: { serial: first.json().lines[0].serial } });
      // The same line sent again as a single clearing, with the same content, is the same request.
      const single = await marketCall(h, key, {
        path: '/market-api/v1/markets/EXCH01/clearing',
        body: { ...lines[0], fee: 0 },
      });
      expect(single.json()).toEqual({ serial: first.json().lines[0].serial });
      expect(await count('journal_entries')).toBe(entries);
    });

    it('refuses more than 8,190 lines, naming the field and the rule, and takes 8,190 of the longest', async () => {
      const line = (i: number): Line => ({
        key: `${'k'.repeat(56)}-${String(i).padStart(7, '0')}`,
        payerCode: 'P'.repeat(32),
        payeeCode: 'Q'.repeat(32),
        amount: Number(MAX_FEN),
        fee: Number(MAX_FEN),
        linked: false,
      });
      const tooMany = await send(
        k('many'),
        Array.from({ length: 8_191 }, (_, i) => line(i)),
      );
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.json().error.fields).toContainEqual(expect.objectContaining({ field: 'lines' }));
      const longest = await send(
        k('long'),
        Array.from({ length: 8_190 }, (_, i) => line(i)),
      );
      expect(longest.statusCode, longest.body.slice(0, 200)).toBe(200);
      expect(longest.json().refused).toBe(8_190);
    });
  });
}
