// The market simulator as the market's own system it stands for: a process of
// its own with its own keys and HTTPS server, reaching the bank only through the
// market API. Connected as bank staff connect a market (its keys registered, its
// URLs set, its certificate trusted — here from the folder it hands over, as the
// embedded demo does), `npm run market` drives it: sign-in, register, money,
// queries; its refuse-next knob answers the bank's acceptance questions; the
// bank's notices reach it signed. On both databases.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awaitSimLink, linkDemoMarkets } from '../../src-service/demo/market-sim-link';
import { setSignedIn } from '../../src-service/markets/markets';
import { NoticeDispatcher } from '../../src-service/markets/notices';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { contractDemoMembers, transferFromCard } from '../support/market-members';
import { startHarness, type Harness } from '../support/service-harness';

const CORP_CARD = '6228480000000015';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`the market simulator as a market's system on ${kind.name}`, () => {
    let h: Harness;
    let dir: string;
    let sim: ChildProcess;
    let notices: NoticeDispatcher;
    type Ran = { status: number | null; stdout: string; stderr: string };
    // Asynchronously: the bank's service the simulator calls runs in this very process.
    const market = (args: string[], data = dir) =>
      new Promise<Ran>((resolve) => {
        const child = spawn(process.execPath, ['--import', 'tsx', 'src-market-sim/cli.ts', '--data', data, ...args]);
        const out = { stdout: '', stderr: '' };
        child.stdout.on('data', (c: Buffer) => (out.stdout += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out.stderr += c.toString()));
        child.on('close', (status) => resolve({ status, ...out }));
      });
    const json = async (ran: Promise<Ran>) => {
      const r = await ran;
      expect(r.status, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sk-market-sim-'));
      // What the market hands the bank before it is connected: its keys and its server's certificate.
      const keys = await market(['keys']);
      expect(keys.status, keys.stderr).toBe(0);
      const certificate = /server certificate\s+(\S+)/.exec(keys.stdout)![1];
      h = await startHarness(kind, { marketCa: readFileSync(certificate, 'utf8'), acceptanceTimeoutMs: 3_000 });
      const serviceUrl = await h.app.listen({ host: '127.0.0.1', port: 0 });
      sim = spawn(
        process.execPath,
        ['--import', 'tsx', 'src-market-sim/cli.ts', '--data', dir, 'serve', '--service', serviceUrl],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      await new Promise<void>((resolve, reject) => {
        sim.stdout!.on('data', (c: Buffer) => c.toString().includes('listening on') && resolve());
        sim.on('exit', (code) => reject(new Error(`the simulator exited with ${code}`)));
      });
      await linkDemoMarkets(h.ctx, (await awaitSimLink(dir, 5_000))!);
      await contractDemoMembers(h.ctx, 'EXCH01', { corporate: 'EX2001', individual: 'EX2002' });
      notices = new NoticeDispatcher(h.ctx, {
        intervalMs: 50,
        backoffMs: 50,
        maxBackoffMs: 200,
        timeoutMs: 2_000,
        ca: h.ctx.options.marketCa,
      });
      notices.start();
    });
    afterAll(async () => {
      await notices?.stop();
      sim?.kill('SIGTERM');
      await h?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('signs in, registers a member and moves its money through the market API, under its own key', async () => {
      await json(market(['--market', 'EXCH01', 'sign-out']));
      expect(await json(market(['--market', 'EXCH01', 'sign-in']))).toEqual({ ok: true });
      const row = await h.ctx.db
        .selectFrom('markets')
        .select('signed_in_date')
        .where('code', '=', 'EXCH01')
        .executeTakeFirstOrThrow();
      expect(row.signed_in_date).toBe(h.clock.today());
      const registered = await json(
        market([
          '--market',
          'EXCH01',
          'register',
          '--code',
          'EX9001',
          '--cert',
          '91310000MA1FL5DK7X',
          '--name',
          '演示科技有限公司',
        ]),
      );
      expect(registered).toMatchObject({ virtualAccountNo: expect.stringMatching(/^EXCH01\d{6}$/) });
      expect(
        await json(market(['--market', 'EXCH01', 'deposit', '--code', 'EX2001', '--amount', '1.50'])),
      ).toMatchObject({
        serial: expect.stringMatching(/^\d{16}$/),
      });
      expect(await json(market(['--market', 'EXCH01', 'member', '--code', 'EX2001']))).toMatchObject({
        balance: 150,
        available: 150,
      });
      expect(await json(market(['--market', 'EXCH01', 'custody']))).toMatchObject({ ties: true });
      // The request went in signed with the key the simulator holds, and with nothing else.
      const used = await h.ctx.db
        .selectFrom('market_keys')
        .select(['key_id', 'status'])
        .where('key_id', 'like', 'EXCH01-%')
        .execute();
      expect(used).toEqual([{ key_id: expect.stringMatching(/^EXCH01-[0-9a-f]{32}$/), status: 'active' }]);
    });

    it('answers the bank’s acceptance question with its refuse-next knob, and hears the notices, signed', async () => {
      await setSignedIn(h.ctx, 'EXCH01', true);
      expect(await json(market(['--market', 'EXCH01', 'refuse-next', '--count', '1']))).toEqual({
        market: 'EXCH01',
        refuseNext: 1,
      });
      const refused = await transferFromCard(h.ctx, {
        marketCode: 'EXCH01',
        cardNo: CORP_CARD,
        amount: 300,
        keyPrefix: `sim-${kind.name}`,
      });
      expect(refused).toMatchObject({ outcome: 'suspense', reason: 'marketRefused', answer: 'refused' });
      const credited = await transferFromCard(h.ctx, {
        marketCode: 'EXCH01',
        cardNo: CORP_CARD,
        amount: 400,
        keyPrefix: `sim-${kind.name}`,
      });
      expect(credited).toMatchObject({ outcome: 'credited' });
      let heard: { kind: string; signatureVerified: boolean; body: { payload: Record<string, unknown> } }[] = [];
      for (let i = 0; i < 100 && !heard.some((n) => n.kind === 'money.in'); i++) {
        heard = await json(market(['--market', 'EXCH01', 'notices']));
        if (!heard.some((n) => n.kind === 'money.in')) await new Promise((r) => setTimeout(r, 100));
      }
      expect(heard.find((n) => n.kind === 'transfer.suspended')?.body.payload).toMatchObject({
        amount: 300,
        answer: 'refused',
      });
      expect(heard.find((n) => n.kind === 'money.in')?.body.payload).toMatchObject({ amount: 400 });
      expect(heard.every((n) => n.signatureVerified)).toBe(true);
      // A question not signed by the bank is no question: refused, whatever the knob says.
      const control = JSON.parse(readFileSync(join(dir, 'control.json'), 'utf8'));
      const forged = await request(`${control.url}/markets/EXCH01/acceptance`, {
        method: 'POST',
        dispatcher: new Agent({ connect: { ca: readFileSync(control.ca, 'utf8') } }),
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ kind: 'transfer.accept?', market: 'EXCH01', memberCode: 'EX2001', amount: 1 }),
      });
      expect(forged.statusCode).toBe(401);
      await forged.body.dump();
    });

    it('refuses bad input before asking anything, and says what the bank refused in both languages', async () => {
      const bad = await market(['--market', 'EXCH01', 'deposit', '--code', 'EX2001', '--amount', '1.234']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(/--amount: The amount has at most two decimals/);
      const noContract = await market(['--market', 'EXCH01', 'deposit', '--code', 'EX1001', '--amount', '1.00']);
      expect(noContract.status).toBe(1);
      expect(noContract.stderr).toMatch(/签约关系不存在 \/ .*contract/i);
      const notPlayed = await market(['--market', 'NOPE99', 'sign-in']);
      expect(notPlayed.status).toBe(1);
      expect(notPlayed.stderr).toMatch(/does not play the market NOPE99/);
      const none = await market(['--market', 'EXCH01', 'sign-in'], mkdtempSync(join(tmpdir(), 'sk-no-sim-')));
      expect(none.status).toBe(1);
      expect(none.stderr).toMatch(/no market simulator is running/);
    });

    it('a transfer from a card bound to no member goes to the market’s suspense, reported through the simulator', async () => {
      const paid = await json(
        market([
          '--market',
          'EXCH01',
          'incoming-transfer',
          '--card',
          '6225880000000035',
          '--payer',
          '李四',
          '--amount',
          '3',
        ]),
      );
      expect(paid).toMatchObject({ outcome: 'suspense', reason: 'unboundCard' });
      const missing = await market(['--market', 'EXCH01', 'incoming-transfer', '--amount', '1']);
      expect(missing.status).toBe(2);
      expect(missing.stderr).toMatch(/--card is required/);
    });
  });
}
