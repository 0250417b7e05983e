// Amounts, fees and balances at and past their bounds (issue 10, section 2),
// through the routes as a market's system, a member, a corporate user and the
// demo tools send them, on both databases:
// - every single amount and fee is at most MAX_FEN, refused with the field and
//   the rule named in the caller's language, before anything is written;
// - a balance that would pass 2^53−1 is refused inside the transaction with
//   BALANCE_OUT_OF_RANGE (422), nothing half-written, and the database's own
//   constraints refuse it too;
// - the contra account of other banks, which every incoming transfer passes
//   through, keeps no bounded balance: a maximum transfer from a card bound to
//   nobody, or 120 of them at once, never blocks anyone else;
// - control totals travel as exact decimal strings; verify-audit passes after.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src-service/audit/verify';
import { figureFromLines } from '../../src-service/ledger/sums';
import { openContract } from '../../src-service/markets/contracts';
import * as events from '../../src-service/markets/events';
import { setSignedIn } from '../../src-service/markets/markets';
import { atomically } from '../../src-service/store/tx';
import { MAX_BALANCE, MAX_FEN, type Fen } from '../../src-shared/money';
import type { MarketKey } from '../../src-market-sim/signing';
import { ipcContract } from '../../src-shared/ipc/contract';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { marketCall, marketKey } from '../support/market-client';
import { rowCount } from '../support/rows';
import { memberOperation } from '../support/members';
import { harnessFor } from '../support/service-harness';

const BANK_KEY = 'test-bank-key-0123456789';
const MAX = Number(MAX_FEN);
const SAFE = Number(MAX_BALANCE);
const UNBOUND = '6217000000000014';
const CORP_CARD = '6228480000000015';
const ZHANG_CARD = '6225880000000019';
const amount = (n: number) => n as Fen;
let keys = 0;
const key = (prefix: string) => `${prefix}-${++keys}-${Math.random().toString(36).slice(2, 8)}`;

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`amount and balance bounds on ${kind.name}`, () => {
    const h = harnessFor(kind, { bankKey: BANK_KEY });
    let corp: string;

    // A market's event, signed with that market's key (`EXCH01/clearing` → EXCH01's).
    const keys: Record<string, MarketKey> = {};
    const marketSends = (path: string, body: Record<string, unknown>, lang: 'en' | 'zh-CN' = 'en') =>
      marketCall(h, keys[path.split('/')[0]], { path: `/market-api/v1/markets/${path}`, body, lang });
    const bankGet = async (path: string) => {
      const res = await h.request({ method: 'GET', url: `/bank/markets/${path}`, headers: { 'x-bank-key': BANK_KEY } });
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const transfer = (market: string, cardNo: string, value: number, lang: 'en' | 'zh-CN' = 'en') =>
      marketSends(`${market}/incoming-transfer`, { cardNo, payerName: 'payer', amount: value, key: key('in') }, lang);
    const count = (table: 'journal_entries' | 'journal_lines' | 'market_events' | 'audit_log') =>
      rowCount(h.ctx.db, table);
    const written = async () => ({
      entries: await count('journal_entries'),
      lines: await count('journal_lines'),
      events: await count('market_events'),
      audit: await count('audit_log'),
    });
    const detail = async (market: string, memberCode: string) =>
      h.ctx.db
        .selectFrom('contracts')
        .innerJoin('markets', 'markets.id', 'contracts.market_id')
        .innerJoin('accounts', 'accounts.id', 'contracts.detail_account_id')
        .select(['accounts.id', 'accounts.balance', 'contracts.id as contractId'])
        .where('markets.code', '=', market)
        .where('contracts.member_code', '=', memberCode)
        .where('contracts.status', '=', 'active')
        .executeTakeFirstOrThrow();
    const balanceOf = async (market: string, memberCode: string) => Number((await detail(market, memberCode)).balance);
    const contra = async () =>
      h.ctx.db.selectFrom('accounts').selectAll().where('kind', '=', 'other_banks').executeTakeFirstOrThrow();

    beforeAll(async () => {
      corp = await h.signedIn('m.corp');
      for (const code of ['EXCH01', 'B2B02']) {
        await setSignedIn(h.ctx, code, true);
        keys[code] = await marketKey(h, code);
      }
      // Both demo members on both simulated markets, each with the card bound.
      await atomically(h.ctx.db, async (trx) => {
        const ctx = { ...h.ctx, db: trx };
        const members = await trx
          .selectFrom('members')
          .innerJoin('cards', 'cards.member_id', 'members.id')
          .select(['members.id', 'members.member_type', 'cards.id as cardId'])
          .execute();
        for (const market of ['EXCH01', 'B2B02']) {
          const m = await trx.selectFrom('markets').select('id').where('code', '=', market).executeTakeFirstOrThrow();
          for (const member of members) {
            await openContract(trx, ctx, {
              marketId: m.id,
              memberCode: `${market === 'EXCH01' ? 'EX' : 'B2'}${member.member_type === 'corporate' ? '2001' : '2002'}`,
              owner: { memberId: member.id },
              boundCardId: member.cardId,
            });
          }
        }
      });
    });

    it('refuses an amount or a fee past the maximum on every back-office route, naming the field in the caller’s language; nothing is written', async () => {
      const before = await written();
      const cases: [string, Record<string, unknown>, string][] = [
        // the reproduction: a clearing fee of 100,000,000,000,000 fen, and of 2^53−1
        ['EXCH01/clearing', { payerCode: 'EX2001', payeeCode: 'EX2002', amount: 100, fee: 1e14 }, 'fee'],
        ['EXCH01/clearing', { payerCode: 'EX2001', payeeCode: 'EX2002', amount: 100, fee: SAFE }, 'fee'],
        ['EXCH01/clearing', { payerCode: 'EX2001', payeeCode: 'EX2002', amount: MAX + 1 }, 'amount'],
        [
          'B2B02/b2b-trade',
          { payerCode: 'B22001', payeeCode: 'B22002', amount: 1, fee: 1e14, description: 'x' },
          'fee',
        ],
        ['B2B02/b2b-trade', { payerCode: 'B22001', payeeCode: 'B22002', amount: SAFE, description: 'x' }, 'amount'],
        ['EXCH01/incoming-transfer', { cardNo: UNBOUND, payerName: 'x', amount: MAX + 1 }, 'amount'],
        ['EXCH01/incoming-transfer', { cardNo: UNBOUND, payerName: 'x', amount: SAFE + 2 }, 'amount'],
        ['EXCH01/money', { direction: 'deposit', memberCode: 'EX2001', amount: 1e14 }, 'amount'],
        ['EXCH01/money', { direction: 'withdraw', memberCode: 'EX2001', amount: 1e14 }, 'amount'],
        ['EXCH01/freeze', { memberCode: 'EX2001', amount: 1e14 }, 'amount'],
      ];
      for (const [path, body, field] of cases) {
        for (const lang of ['en', 'zh-CN'] as const) {
          const res = await marketSends(path, { ...body, key: key('big') }, lang);
          expect(res.statusCode, `${path} ${JSON.stringify(body)}: ${res.body}`).toBe(400);
          const error = res.json().error;
          expect(error.code).toBe('VALIDATION');
          const issue = error.fields.find((f: any) => f.field === field);
          expect(issue, res.body).toMatchObject({ field, rule: 'MONEY_TOO_LARGE' });
          if (lang === 'en') {
            expect(issue.message).toBe(
              `${field === 'fee' ? 'Fee' : 'Amount'}: The amount cannot exceed 999,999,999,999.99 yuan`,
            );
          } else {
            expect(issue.message).toBe(`${field === 'fee' ? '手续费' : '金额'}: 金额不能超过 999,999,999,999.99 元`);
          }
        }
      }
      // the other rules of the same schema
      const rules: [Record<string, unknown>, string, string][] = [
        [{ amount: 100, fee: -1 }, 'fee', 'MONEY_NEGATIVE'],
        [{ amount: 0 }, 'amount', 'MONEY_ZERO'],
        [{ amount: 1.5 }, 'amount', 'MONEY_DECIMALS'],
        [{ amount: '100' }, 'amount', 'type'],
      ];
      for (const [body, field, rule] of rules) {
        const res = await marketSends('EXCH01/clearing', {
          payerCode: 'EX2001',
          payeeCode: 'EX2002',
          ...body,
          key: key('r'),
        });
        expect(res.statusCode, res.body).toBe(400);
        expect(res.json().error.fields).toContainEqual(expect.objectContaining({ field, rule }));
      }
      expect(await written()).toEqual(before);
    });

    it('publishes the one bound in the API document, and the totals as decimal strings', async () => {
      const doc = (await h.request({ method: 'GET', url: '/openapi.json' })).json();
      const body =
        doc.paths['/market-api/v1/markets/{code}/clearing'].post.requestBody.content['application/json'].schema;
      expect(body.properties.amount).toMatchObject({ maximum: MAX, minimum: 1 });
      expect(body.properties.fee).toMatchObject({ maximum: MAX, minimum: 0 });
      const custody = doc.paths['/bank/markets/{code}/custody'].get.responses['200'].content['application/json'].schema;
      expect(custody.properties.summaryBalance).toMatchObject({ type: 'string' });
    });

    it('refuses the same at the domain’s own door, for callers that are not routes (simulator, counter)', async () => {
      const before = await written();
      for (const fee of [1e14, SAFE]) {
        const refused = await events
          .clearing(h.ctx, {
            marketCode: 'EXCH01',
            payerCode: 'EX2001',
            payeeCode: 'EX2002',
            amount: amount(1),
            fee: amount(fee),
            key: key('dom'),
          })
          .catch((e: unknown) => e);
        expect(refused).toMatchObject({ code: 'MONEY_TOO_LARGE', fields: [{ field: 'fee', rule: 'MONEY_TOO_LARGE' }] });
      }
      const big = await events
        .incomingTransfer(h.ctx, {
          marketCode: 'EXCH01',
          cardNo: UNBOUND,
          payerName: 'x',
          amount: amount(SAFE),
          key: key('dom'),
        })
        .catch((e: unknown) => e);
      expect(big).toMatchObject({ code: 'MONEY_TOO_LARGE', fields: [{ field: 'amount' }] });
      expect(await written()).toEqual(before);
    });

    it('refuses it on the customer’s instruction routes and the demo tools too', async () => {
      const op = await h.signedIn('trade.operator');
      for (const url of ['/instructions/preview', '/instructions']) {
        const draft = { kind: 'deposit', contractId: 1, amount: MAX + 1 };
        const body = url === '/instructions' ? { draft, idempotencyKey: 'k-too-large-1' } : draft;
        const res = await h.request({ method: 'POST', url, token: op, body, lang: 'zh-CN' });
        expect(res.statusCode, res.body).toBe(400);
        const field = url === '/instructions' ? 'draft.amount' : 'amount';
        expect(res.json().error.fields).toContainEqual({
          field,
          rule: 'MONEY_TOO_LARGE',
          message: '金额: 金额不能超过 999,999,999,999.99 元',
        });
      }
      const demoIn = await h.request({
        method: 'POST',
        url: '/__demo/incoming-transfer',
        body: { marketCode: 'EXCH01', cardNo: UNBOUND, payerName: 'x', amount: MAX + 1 },
        lang: 'en',
      });
      expect(demoIn.statusCode).toBe(400);
      expect(demoIn.json().error.fields).toContainEqual(
        expect.objectContaining({ field: 'amount', rule: 'MONEY_TOO_LARGE' }),
      );
      // The demo tools' B2B trade goes through the market simulator: the desktop's contract refuses it first.
      const demoTrade = ipcContract['demo.trade'].input.safeParse({
        marketCode: 'B2B02',
        payerCode: 'B22001',
        payeeCode: 'B22002',
        amount: 1,
        fee: 1e14,
        description: 'x',
      });
      expect(demoTrade.success).toBe(false);
      expect(demoTrade.error?.issues.map((i) => i.path.join('.'))).toEqual(['fee']);
    });

    it('a maximum transfer from a card bound to nobody is accepted, and 0.01 still goes through on that market and another', async () => {
      const max = await transfer('EXCH01', UNBOUND, MAX);
      expect(max.statusCode, max.body).toBe(200);
      expect(max.json()).toMatchObject({ outcome: 'suspense', reason: 'unboundCard' });
      const demo = await h.request({
        method: 'POST',
        url: '/__demo/incoming-transfer',
        body: { marketCode: 'B2B02', cardNo: UNBOUND, payerName: 'x', amount: MAX },
      });
      expect(demo.statusCode, demo.body).toBe(200);
      for (const [market, card] of [
        ['EXCH01', UNBOUND],
        ['B2B02', UNBOUND],
        ['EXCH01', ZHANG_CARD],
        ['B2B02', CORP_CARD],
      ]) {
        const small = await transfer(market, card, 1);
        expect(small.statusCode, `${market} ${card}: ${small.body}`).toBe(200);
      }
      // The contra account keeps no row balance: its figure is its lines, and its lines carry no balance after.
      const row = await contra();
      expect(Number(row.balance)).toBe(0);
      expect(await figureFromLines(h.ctx.db, row.id)).toBeLessThan(-2n * BigInt(MAX));
      const lines = await h.ctx.db
        .selectFrom('journal_lines')
        .select('balance_after')
        .where('account_id', '=', row.id)
        .execute();
      expect(lines.every((l) => l.balance_after === null)).toBe(true);
    });

    it('the reproduced clearing: a maximum fee is posted and its account read back; past it, a 4xx', async () => {
      for (let i = 0; i < 2; i++) expect((await transfer('EXCH01', CORP_CARD, MAX)).statusCode).toBe(200);
      const payee = await balanceOf('EXCH01', 'EX2002');
      const cleared = await marketSends('EXCH01/clearing', {
        payerCode: 'EX2001',
        payeeCode: 'EX2002',
        amount: MAX,
        fee: MAX,
        key: key('clr'),
      });
      expect(cleared.statusCode, cleared.body).toBe(200);
      expect(await balanceOf('EXCH01', 'EX2002')).toBe(payee + MAX);
      const custody = await bankGet('EXCH01/custody');
      expect(custody.ties).toBe(true);
      expect(custody.subAccounts.find((a: any) => a.kind === 'fee').balance).toBe(MAX);
      // the fee account now holds the maximum: another fee of 0.01 is still posted and read back
      const small = await marketSends('EXCH01/clearing', {
        payerCode: 'EX2002',
        payeeCode: 'EX2001',
        amount: 1,
        fee: 1,
        key: key('clr'),
      });
      expect(small.statusCode, small.body).toBe(200);
      expect((await bankGet('EXCH01/custody')).subAccounts.find((a: any) => a.kind === 'fee').balance).toBe(MAX + 1);
      const refused = await marketSends('EXCH01/clearing', {
        payerCode: 'EX2002',
        payeeCode: 'EX2001',
        amount: 1,
        fee: 1e14,
        key: key('clr'),
      });
      expect(refused.statusCode).toBe(400);
    });

    it('120 maximum transfers in parallel never answer 500 and never block anyone else', async () => {
      const before = await written();
      const target = await balanceOf('B2B02', 'B22002');
      const room = Math.floor((SAFE - target) / MAX);
      const full = Array.from({ length: 100 }, () => transfer('B2B02', ZHANG_CARD, MAX));
      const unbound = Array.from({ length: 10 }, (_, i) => transfer(i % 2 ? 'EXCH01' : 'B2B02', UNBOUND, MAX));
      const others = Array.from({ length: 10 }, () => transfer('B2B02', CORP_CARD, MAX));
      const small = Array.from({ length: 20 }, (_, i) => transfer(i % 2 ? 'EXCH01' : 'B2B02', CORP_CARD, 1, 'zh-CN'));
      const [fullR, unboundR, othersR, smallR] = await Promise.all(
        [full, unbound, others, small].map((g) => Promise.all(g)),
      );
      const all = [...fullR, ...unboundR, ...othersR, ...smallR];
      expect(all.filter((r) => r.statusCode >= 500).map((r) => r.body)).toEqual([]);
      // Only the one account that is full refuses, and with its own rule.
      for (const r of [...unboundR, ...othersR, ...smallR]) expect(r.statusCode, r.body).toBe(200);
      const refused = fullR.filter((r) => r.statusCode !== 200);
      expect(fullR.filter((r) => r.statusCode === 200)).toHaveLength(room);
      for (const r of refused) {
        expect(r.statusCode).toBe(422);
        expect(r.json().error).toMatchObject({
          code: 'BALANCE_OUT_OF_RANGE',
          message:
            "This would take an account's balance past the most the ledger can record, 90,071,992,547,409.91 yuan; nothing was posted",
        });
      }
      expect(await balanceOf('B2B02', 'B22002')).toBe(target + room * MAX);
      // Nothing of a refused transfer was written: one entry, two lines and one event per accepted one.
      const accepted = all.filter((r) => r.statusCode === 200).length;
      const after = await written();
      expect(after.entries - before.entries).toBe(accepted);
      expect(after.lines - before.lines).toBe(2 * accepted);
      expect(after.events - before.events).toBe(accepted);
      // and afterwards, anyone's 0.01 still goes through, on both markets, bound or not
      for (const market of ['EXCH01', 'B2B02'])
        for (const card of [UNBOUND, CORP_CARD]) expect((await transfer(market, card, 1)).statusCode).toBe(200);
      // The summary account is a control total past 2^53: exact, as a decimal string.
      const custody = await bankGet('B2B02/custody');
      const sum = custody.subAccounts.reduce((s: bigint, a: any) => s + BigInt(a.balance), 0n);
      expect(custody.summaryBalance).toBe(sum.toString());
      expect(BigInt(custody.summaryBalance)).toBeGreaterThan(BigInt(SAFE));
      expect(custody).toMatchObject({ ties: true, ledgerSummary: custody.summaryBalance });
      const file = await bankGet(`B2B02/reconciliation?date=${h.clock.today()}`);
      expect(file.ties).toBe(true);
      expect(file.totals.deposits).toBe(
        file.deposits.reduce((s: bigint, d: any) => s + BigInt(d.amount), 0n).toString(),
      );
      expect(BigInt(file.totals.deposits)).toBeGreaterThan(BigInt(SAFE));
    }, 120_000);

    it('a balance pushed past 2^53−1 is refused with its own 422 in both languages, nothing half-written', async () => {
      // fill EX2001 up to the last maximum amount that fits
      const start = await balanceOf('EXCH01', 'EX2001');
      for (let i = 0; i < Math.floor((SAFE - start) / MAX); i++) {
        await events.incomingTransfer(h.ctx, {
          marketCode: 'EXCH01',
          cardNo: CORP_CARD,
          payerName: 'x',
          amount: amount(MAX),
          key: key('fill'),
        });
      }
      const full = await balanceOf('EXCH01', 'EX2001');
      expect(full + MAX).toBeGreaterThan(SAFE);
      const before = await written();
      const payer = await balanceOf('EXCH01', 'EX2002');
      expect(payer).toBeGreaterThan(SAFE - full);
      const contraFigure = await figureFromLines(h.ctx.db, (await contra()).id);
      const attempts = [
        () => transfer('EXCH01', CORP_CARD, MAX, 'zh-CN'),
        () =>
          marketSends('EXCH01/money', { direction: 'deposit', memberCode: 'EX2001', amount: MAX, key: key('m') }, 'en'),
        // the payer's debit may come first: it must be undone with the refused credit
        () =>
          marketSends(
            'EXCH01/clearing',
            { payerCode: 'EX2002', payeeCode: 'EX2001', amount: SAFE - full + 1, key: key('c') },
            'en',
          ),
      ];
      for (const attempt of attempts) {
        const res = await attempt();
        expect(res.statusCode, res.body).toBe(422);
        const error = res.json().error;
        expect(error.code).toBe('BALANCE_OUT_OF_RANGE');
        expect(error.message).toMatch(
          /超过系统可记录的上限 90,071,992,547,409\.91 元|past the most the ledger can record/,
        );
      }
      expect(await written()).toEqual(before);
      expect(await balanceOf('EXCH01', 'EX2001')).toBe(full);
      expect(await balanceOf('EXCH01', 'EX2002')).toBe(payer);
      expect(await figureFromLines(h.ctx.db, (await contra()).id)).toBe(contraFigure);
      // what still fits is still accepted
      const fits = SAFE - full;
      expect((await transfer('EXCH01', CORP_CARD, fits)).statusCode).toBe(200);
      expect(await balanceOf('EXCH01', 'EX2001')).toBe(SAFE);
      expect((await transfer('EXCH01', CORP_CARD, 1)).json().error.code).toBe('BALANCE_OUT_OF_RANGE');
    }, 120_000);

    it('the databases refuse a stored value past the bounds themselves', async () => {
      const account = await detail('EXCH01', 'EX2001');
      // one at a time: a query started before anyone awaits its refusal is an unhandled rejection
      const refusals = [
        () =>
          h.ctx.db
            .updateTable('accounts')
            .set({ balance: SAFE + 1 })
            .where('id', '=', account.id)
            .execute(),
        () => h.ctx.db.updateTable('accounts').set({ balance: 5 }).where('kind', '=', 'other_banks').execute(),
        () =>
          h.ctx.db
            .insertInto('holds')
            .values({
              account_id: account.id,
              amount: SAFE + 1,
              kind: 'freeze',
              status: 'pending',
              reference: 'x',
              created_at: h.clock.nowIso(),
            })
            .execute(),
        () =>
          h.ctx.db
            .updateTable('journal_lines')
            .set({ credit: SAFE + 1 } as never)
            .where('credit', '>', 0)
            .execute(),
      ];
      for (const attempt of refusals) {
        await expect(attempt()).rejects.toThrow(/amount_bounds|contra_keeps_no_balance/);
      }
      expect(await balanceOf('EXCH01', 'EX2001')).toBe(SAFE);
    });

    it('a member reads and moves a balance past the single-amount bound', async () => {
      const accounts = (await h.request({ method: 'GET', url: '/member-accounts', token: corp })).json();
      const ex = accounts.find((a: any) => a.memberCode === 'EX2001');
      expect(ex.balance).toBe(SAFE);
      const statement = await h.request({
        method: 'GET',
        url: `/member-accounts/${ex.contractId}/transactions?period=today&pageSize=5`,
        token: corp,
      });
      expect(statement.statusCode, statement.body).toBe(200);
      expect(statement.json().items[0].balanceAfter).toBe(SAFE);
      const corpCard = (await h.request({ method: 'GET', url: '/member/cards', token: corp })).json()[0].id;
      expect((await memberOperation(h, corp, 'm.corp', 'setTransferOutCard', { cardId: corpCard })).status).toBe(200);
      const out = await memberOperation(h, corp, 'm.corp', 'transferOut', { contractId: ex.contractId });
      expect(out.status, JSON.stringify(out.body)).toBe(200);
      expect(out.body.amount).toBe(SAFE);
      expect(await balanceOf('EXCH01', 'EX2001')).toBe(0);
    });

    it('verify-audit passes on the database after all of it, in process and as the command line', async () => {
      const report = await verifyAudit(h.ctx.db);
      expect(report.breaks).toEqual([]);
      const cli = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src-service/commands/service/cli.ts', 'verify-audit', '--db', h.database],
        {
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      expect(cli.stdout, cli.stderr).toMatch(/verify-audit: OK/);
      expect(cli.status).toBe(0);
    }, 130_000);

    it('the market simulator refuses an amount or a fee past the maximum before anything moves', async () => {
      const noSimulator = mkdtempSync(join(tmpdir(), 'sk-no-sim-'));
      const sim = (args: string[]) =>
        spawnSync(
          process.execPath,
          // no simulator runs in this folder: a bad amount is refused before one would be asked
          ['--import', 'tsx', 'src-market-sim/cli.ts', '--data', noSimulator, '--market', 'EXCH01', ...args],
          {
            encoding: 'utf8',
            timeout: 120_000,
          },
        );
      const before = await written();
      const amountRefused = sim(['incoming-transfer', '--card', UNBOUND, '--payer', 'x', '--amount', '1000000000000']);
      expect(amountRefused.status).toBe(2);
      expect(amountRefused.stderr).toMatch(/--amount: The amount cannot exceed 999,999,999,999\.99 yuan/);
      const feeRefused = sim([
        'clearing',
        '--payer',
        'EX2001',
        '--payee',
        'EX2002',
        '--amount',
        '1',
        '--fee',
        '1000000000000',
      ]);
      expect(feeRefused.status).toBe(2);
      expect(feeRefused.stderr).toMatch(/--fee: The amount cannot exceed 999,999,999,999\.99 yuan/);
      expect(await written()).toEqual(before);
    }, 130_000);
  });
}
