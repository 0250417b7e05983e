// The market API's front door (issue 13): a market's own system signs every
// request with the key the bank registered for it (RFC 9421 over method, path
// and Content-Digest, with created time, nonce and key id). On both databases:
// a market acts only on its own code; a missing, wrong or changed signature, an
// unknown or revoked key, a replay and a stale or future created time are each
// refused with their own error; nonces and keys live in the database, so the
// refusals hold under parallel requests.
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerMarketKey, revokeMarketKey } from '../../src-service/markets/keys';
import { openStore } from '../../src-service/store/db';
import { migrateTo, migrateToLatest } from '../../src-service/store/migrations';
import { contentDigest, type MarketKey } from '../../src-market-sim/signing';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { marketCall, marketKey } from '../support/market-client';
import { contractDemoMembers } from '../support/market-members';
import { startHarness, type Harness } from '../support/service-harness';

const api = (code: string, op: string) => `/market-api/v1/markets/${code}/${op}`;
const code = (res: { json(): any }) => res.json().error?.code;

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`market API requests on ${kind.name}`, () => {
    let h: Harness;
    let exch: MarketKey;
    let agri: MarketKey;

    beforeAll(async () => {
      h = await startHarness(kind, { bankKey: 'test-bank-key-0123456789' });
      exch = await marketKey(h, 'EXCH01');
      agri = await marketKey(h, 'AGRI03', 'ecdsa-p256-sha256');
    });
    afterAll(() => h?.close());

    it('answers a market signed with its own key, Ed25519 or P-256', async () => {
      const a = await marketCall(h, exch, { path: api('EXCH01', 'sign-in') });
      expect(a.statusCode, a.body).toBe(200);
      const b = await marketCall(h, agri, { path: api('AGRI03', 'sign-in') });
      expect(b.statusCode, b.body).toBe(200);
      const markets = await h.ctx.db.selectFrom('markets').select(['code', 'signed_in_date']).execute();
      const today = h.clock.today();
      expect(markets.filter((m) => m.signed_in_date === today).map((m) => m.code)).toEqual(
        expect.arrayContaining(['EXCH01', 'AGRI03']),
      );
    });

    it("refuses a market acting on another market's code, whether that code exists or not", async () => {
      const other = await marketCall(h, exch, { path: api('AGRI03', 'sign-out') });
      expect(other.statusCode).toBe(403);
      expect(code(other)).toBe('MARKET_KEY_OTHER_MARKET');
      const none = await marketCall(h, exch, { path: api('NOPE99', 'sign-out') });
      expect(none.statusCode).toBe(403);
      expect(code(none)).toBe('MARKET_KEY_OTHER_MARKET');
    });

    it('refuses a request without a signature, even with the bank key', async () => {
      const res = await h.request({
        method: 'POST',
        url: api('EXCH01', 'sign-in'),
        headers: { 'x-bank-key': 'test-bank-key-0123456789' },
        body: {},
      });
      expect(res.statusCode).toBe(401);
      expect(code(res)).toBe('MARKET_SIGNATURE_MISSING');
    });

    it('refuses a signature made by another key under the registered key id', async () => {
      const impostor: MarketKey = { ...exch, privateKey: generateKeyPairSync('ed25519').privateKey };
      const res = await marketCall(h, impostor, { path: api('EXCH01', 'sign-in') });
      expect(res.statusCode).toBe(401);
      expect(code(res)).toBe('MARKET_SIGNATURE_INVALID');
    });

    it('refuses a body or a path changed after signing', async () => {
      const body = { memberCode: 'EX1001', openPositions: 1, key: `changed-${kind.name}` };
      const keptDigest = await marketCall(h, exch, {
        path: api('EXCH01', 'member-state'),
        body,
        tamper: (r) => void (r.body = JSON.stringify({ ...body, openPositions: 1000 })),
      });
      expect(keptDigest.statusCode).toBe(401);
      expect(code(keptDigest)).toBe('MARKET_BODY_CHANGED');
      const newDigest = await marketCall(h, exch, {
        path: api('EXCH01', 'member-state'),
        body,
        tamper: (r) => {
          r.body = JSON.stringify({ ...body, openPositions: 1000 });
          r.headers['content-digest'] = contentDigest(r.body);
        },
      });
      expect(newDigest.statusCode).toBe(401);
      expect(code(newDigest)).toBe('MARKET_SIGNATURE_INVALID');
      const otherPath = await marketCall(h, exch, {
        path: api('EXCH01', 'sign-in'),
        tamper: (r) => void (r.path = api('EXCH01', 'sign-out')),
      });
      expect(code(otherPath)).toBe('MARKET_SIGNATURE_INVALID');
      const events = await h.ctx.db
        .selectFrom('market_events')
        .select('id')
        .where('idempotency_key', '=', `changed-${kind.name}`)
        .execute();
      expect(events).toEqual([]);
    });

    it('refuses a replayed nonce, also when the copies arrive together', async () => {
      const first = await marketCall(h, exch, {
        path: api('EXCH01', 'sign-in'),
        nonce: `replay-test-${kind.name}-nonce-a`,
      });
      expect(first.statusCode).toBe(200);
      const again = await marketCall(h, exch, {
        path: api('EXCH01', 'sign-in'),
        nonce: `replay-test-${kind.name}-nonce-a`,
      });
      expect(again.statusCode).toBe(401);
      expect(code(again)).toBe('MARKET_REQUEST_REPLAYED');
      const burst = await Promise.all(
        Array.from({ length: 12 }, () =>
          marketCall(h, exch, { path: api('EXCH01', 'sign-in'), nonce: `replay-test-${kind.name}-nonce-b` }),
        ),
      );
      expect(burst.filter((r) => r.statusCode === 200)).toHaveLength(1);
      expect(new Set(burst.filter((r) => r.statusCode !== 200).map(code))).toEqual(
        new Set(['MARKET_REQUEST_REPLAYED']),
      );
    });

    it('refuses a created time more than five minutes from the bank’s, either way', async () => {
      const old = await marketCall(h, exch, {
        path: api('EXCH01', 'sign-in'),
        created: new Date(Date.now() - 301_000),
      });
      expect(old.statusCode).toBe(401);
      expect(code(old)).toBe('MARKET_SIGNATURE_STALE');
      const future = await marketCall(h, exch, {
        path: api('EXCH01', 'sign-in'),
        created: new Date(Date.now() + 301_000),
      });
      expect(code(future)).toBe('MARKET_SIGNATURE_STALE');
      const inside = await marketCall(h, exch, {
        path: api('EXCH01', 'sign-in'),
        created: new Date(Date.now() - 240_000),
      });
      expect(inside.statusCode).toBe(200);
    });

    it('refuses an unknown key, and a revoked key from its next request on, while the successor works', async () => {
      const stranger = await marketCall(h, { ...exch, keyId: 'EXCH01-0000' }, { path: api('EXCH01', 'sign-in') });
      expect(code(stranger)).toBe('MARKET_KEY_UNKNOWN');
      const successor = await marketKey(h, 'EXCH01');
      await revokeMarketKey(h.ctx, { keyId: exch.keyId, by: 'staff:test' });
      const revoked = await marketCall(h, exch, { path: api('EXCH01', 'sign-in') });
      expect(revoked.statusCode).toBe(401);
      expect(code(revoked)).toBe('MARKET_KEY_REVOKED');
      const next = await marketCall(h, successor, { path: api('EXCH01', 'sign-in') });
      expect(next.statusCode).toBe(200);
      // The revoked key cannot be registered again.
      await expect(
        registerMarketKey(h.ctx, {
          marketCode: 'EXCH01',
          publicKeyPem: createPublicKey(exch.privateKey).export({ type: 'spki', format: 'pem' }).toString(),
          by: 'staff:test',
        }),
      ).rejects.toMatchObject({ code: 'MARKET_KEY_EXISTS' });
      exch = successor;
    });

    it('keeps at most two usable keys per market, when registrations arrive together', async () => {
      const pems = Array.from({ length: 6 }, () =>
        generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
      const results = await Promise.allSettled(
        pems.map((publicKeyPem) => registerMarketKey(h.ctx, { marketCode: 'AGRI03', publicKeyPem, by: 'staff:test' })),
      );
      // AGRI03 had one key: one more fits.
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const active = await h.ctx.db
        .selectFrom('market_keys')
        .innerJoin('markets', 'markets.id', 'market_keys.market_id')
        .select('key_id')
        .where('markets.code', '=', 'AGRI03')
        .where('status', '=', 'active')
        .execute();
      expect(active).toHaveLength(2);
      const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(refused.reason.code).toBe('MARKET_KEYS_FULL');
    });

    it('refuses a key that is not Ed25519 or P-256, naming the rule', async () => {
      const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' });
      await expect(
        registerMarketKey(h.ctx, { marketCode: 'EXCH01', publicKeyPem: rsa.toString(), by: 'staff:test' }),
      ).rejects.toMatchObject({ code: 'MARKET_KEY_INVALID' });
      await expect(
        registerMarketKey(h.ctx, { marketCode: 'EXCH01', publicKeyPem: 'not a key', by: 'staff:test' }),
      ).rejects.toMatchObject({ code: 'MARKET_KEY_INVALID' });
    });

    it('words its refusals in the caller’s language', async () => {
      const res = await marketCall(h, agri, { path: api('EXCH01', 'sign-in'), lang: 'zh-CN' });
      expect(res.json().error.message).toMatch(/交易市场/);
    });

    it('publishes its own API document: the market routes alone, with the signature they need', async () => {
      const doc = (await h.request({ method: 'GET', url: '/market-api/v1/openapi.json' })).json();
      const paths = Object.keys(doc.paths);
      expect(paths).toContain('/market-api/v1/markets/{code}/clearing');
      expect(paths.every((p) => p.startsWith('/market-api/'))).toBe(true);
      expect(doc.security).toEqual([{ marketSignature: [] }]);
      expect(doc.info.description).toMatch(/RFC 9421/);
    });

    it('carries a market event, answered once per request key', async () => {
      const body = { memberCode: 'EX1002', unfinishedTrades: 2, key: `state-${kind.name}` };
      const first = await marketCall(h, exch, { path: api('EXCH01', 'member-state'), body });
      expect(first.statusCode, first.body).toBe(200);
      const again = await marketCall(h, exch, { path: api('EXCH01', 'member-state'), body });
      expect(again.json()).toEqual(first.json());
      const other = await marketCall(h, exch, {
        path: api('EXCH01', 'member-state'),
        body: { ...body, unfinishedTrades: 3 },
      });
      expect(other.statusCode).toBe(409);
      expect(code(other)).toBe('IDEMPOTENCY_MISMATCH');
      // The same key for another operation of the same market is another body too.
      const otherOperation = await marketCall(h, exch, {
        path: api('EXCH01', 'freeze'),
        body: { memberCode: 'EX1002', amount: 1, key: body.key },
      });
      expect(code(otherOperation)).toBe('IDEMPOTENCY_MISMATCH');
    });

    it('answers what became of a request by its key, and only to the market that made it', async () => {
      const key = `status-${kind.name}`;
      const body = { memberCode: 'EX1001', openPositions: 0, key };
      const made = await marketCall(h, exch, { path: api('EXCH01', 'member-state'), body });
      expect(made.statusCode, made.body).toBe(200);
      const asked = await marketCall(h, exch, { method: 'GET', path: api('EXCH01', `requests/${key}`) });
      expect(asked.statusCode, asked.body).toBe(200);
      expect(asked.json()).toMatchObject({ key, operation: 'memberState', result: made.json() });
      const unknown = await marketCall(h, exch, { method: 'GET', path: api('EXCH01', 'requests/never-sent') });
      expect(unknown.statusCode).toBe(404);
      expect(code(unknown)).toBe('REQUEST_KEY_UNKNOWN');
      // Another market neither sees the key nor collides with it: its own request under the same key is its own.
      const elsewhere = await marketCall(h, agri, { method: 'GET', path: api('AGRI03', `requests/${key}`) });
      expect(code(elsewhere)).toBe('REQUEST_KEY_UNKNOWN');
      const same = await marketCall(h, agri, {
        path: api('AGRI03', 'member-state'),
        body: { memberCode: 'AG1001', openPositions: 5, key },
      });
      expect(same.statusCode, same.body).toBe(200);
      const both = await h.ctx.db
        .selectFrom('market_events')
        .select('market_id')
        .where('idempotency_key', '=', key)
        .execute();
      expect(both).toHaveLength(2);
    });

    it('registers a member, answers its account and the custody account, each to its own market only', async () => {
      const register = {
        memberCode: 'EX7001',
        certNo: '91310000MA1FL5DK7X',
        name: '演示科技有限公司',
        key: `reg-${kind.name}`,
      };
      const first = await marketCall(h, exch, { path: api('EXCH01', 'members'), body: register });
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({ virtualAccountNo: expect.stringMatching(/^EXCH01\d{6}$/) });
      const again = await marketCall(h, exch, { path: api('EXCH01', 'members'), body: register });
      expect(again.json()).toEqual(first.json());
      await contractDemoMembers(h.ctx, 'EXCH01', { corporate: 'EX2001', individual: 'EX2002' });
      const account = await marketCall(h, exch, { method: 'GET', path: api('EXCH01', 'members/EX2001') });
      expect(account.statusCode, account.body).toBe(200);
      expect(account.json()).toMatchObject({ memberCode: 'EX2001', balance: 0, available: 0, frozen: 0 });
      const elsewhere = await marketCall(h, agri, { method: 'GET', path: api('AGRI03', 'members/EX2001') });
      expect(code(elsewhere)).toBe('CONTRACT_NOT_FOUND');
      const custody = await marketCall(h, exch, { method: 'GET', path: api('EXCH01', 'custody') });
      expect(custody.json()).toMatchObject({ market: { code: 'EXCH01' }, ties: true });
    });

    it('answers one request key once when its copies arrive together', async () => {
      const body = { memberCode: 'EX1002', openPositions: 0, key: `burst-${kind.name}` };
      const replies = await Promise.all(
        Array.from({ length: 10 }, () => marketCall(h, exch, { path: api('EXCH01', 'member-state'), body })),
      );
      expect(replies.map((r) => r.statusCode)).toEqual(Array(10).fill(200));
      expect(new Set(replies.map((r) => r.body)).size).toBe(1);
      const rows = await h.ctx.db
        .selectFrom('market_events')
        .select('id')
        .where('idempotency_key', '=', body.key)
        .execute();
      expect(rows).toHaveLength(1);
    });
  });
}

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`request keys made unique per market by migration 013, ${kind.name}`, () => {
    it('keeps the first use of a key a market used twice, renames the later one, and leaves other markets alone', async () => {
      const database = await kind.create();
      const store = openStore(database.setting);
      try {
        await migrateTo(store, '012_market_keys');
        await store.db
          .insertInto('markets')
          .values(
            ['MKT001', 'MKT002'].map((c) => ({
              code: c,
              name: c,
              name_en: c,
              requires_trade_review: 0,
              signed_in_date: null,
              summary_account_no: `${c}-summary`,
              summary_account_name: c,
              summary_account_branch: 'test',
              created_at: '2026-11-30T00:00:00.000Z',
            })),
          )
          .execute();
        const ids = Object.fromEntries(
          (await store.db.selectFrom('markets').select(['id', 'code']).execute()).map((m) => [m.code, m.id]),
        );
        const event = (market: string, kindOf: string) => ({
          market_id: ids[market],
          kind: kindOf,
          idempotency_key: 'k-1',
          body_hash: 'h',
          result: '{}',
          created_at: '2026-11-30T00:00:00.000Z',
        });
        await store.db
          .insertInto('market_events')
          .values([event('MKT001', 'freeze'), event('MKT001', 'clearing'), event('MKT002', 'money')])
          .execute();
        await migrateToLatest(store);
        const rows = await store.db
          .selectFrom('market_events')
          .select(['id', 'market_id', 'kind', 'idempotency_key'])
          .orderBy('id')
          .execute();
        expect(rows.map((r) => [r.market_id, r.kind, r.idempotency_key])).toEqual([
          [ids.MKT001, 'freeze', 'k-1'],
          [ids.MKT001, 'clearing', `k-1#clearing#${rows[1].id}`],
          [ids.MKT002, 'money', 'k-1'],
        ]);
        await expect(
          store.db.insertInto('market_events').values(event('MKT002', 'freeze')).execute(),
        ).rejects.toThrow();
      } finally {
        await store.close();
        await database.drop();
      }
    });
  });
}

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`the market API's rate limit per market, ${kind.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(kind, { marketRequestsPerMinute: 5 });
    });
    afterAll(() => h?.close());

    it('lets a burst through up to the limit, refuses the rest with when to retry, and leaves other markets alone', async () => {
      const exch = await marketKey(h, 'EXCH01');
      const b2b = await marketKey(h, 'B2B02');
      const minute = () => new Date().toISOString().slice(0, 16);
      const before = minute();
      const burst = await Promise.all(
        Array.from({ length: 12 }, () => marketCall(h, exch, { path: api('EXCH01', 'sign-in'), lang: 'en' })),
      );
      // A burst that straddles a minute may spend two minutes' allowance; it never spends more.
      const allowed = before === minute() ? 5 : 10;
      const passed = burst.filter((r) => r.statusCode === 200).length;
      expect(passed).toBeLessThanOrEqual(allowed);
      expect(passed).toBeGreaterThanOrEqual(5);
      const refused = burst.filter((r) => r.statusCode !== 200);
      expect(refused.map((r) => r.statusCode)).toEqual(Array(refused.length).fill(429));
      expect(refused[0]?.json().error.message).toMatch(/at most 5 requests a minute; try again in \d+ seconds/);
      const other = await marketCall(h, b2b, { path: api('B2B02', 'sign-in') });
      expect(other.statusCode).toBe(200);
    });

    it('spends nothing of a market’s allowance on replays of a captured request', async () => {
      const agri = await marketKey(h, 'AGRI03');
      const minute = () => new Date().toISOString().slice(0, 16);
      const before = minute();
      const nonce = `captured-${kind.name}-request-1`;
      expect((await marketCall(h, agri, { path: api('AGRI03', 'sign-in'), nonce })).statusCode).toBe(200);
      const replays = await Promise.all(
        Array.from({ length: 6 }, () => marketCall(h, agri, { path: api('AGRI03', 'sign-in'), nonce })),
      );
      expect(replays.map(code)).toEqual(Array(6).fill('MARKET_REQUEST_REPLAYED'));
      const own = [];
      for (let i = 0; i < 5; i++) own.push((await marketCall(h, agri, { path: api('AGRI03', 'sign-in') })).statusCode);
      // The first request and four of these fit the minute's five; the fifth does not.
      if (before === minute()) expect(own).toEqual([200, 200, 200, 200, 429]);
    });
  });
}
