// A database out of reach is said as such (issue 15): the request is answered
// 503 DATABASE_UNAVAILABLE — try again — and never as a refusal of the caller.
// Before, a market's signed request whose key could not be looked up was
// answered 401 MARKET_KEY_UNKNOWN, which a market's system takes as final.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createContext } from '../../src-service/context';
import { buildApp } from '../../src-service/http/app';
import { authenticateMarket } from '../../src-service/markets/request-auth';
import { openStore } from '../../src-service/store/db';
import { signMarketRequest, type MarketKey } from '../../src-market-sim/signing';
import { checkAvailable, postgres } from '../support/databases';
import { marketKey } from '../support/market-client';
import { startHarness, type Harness } from '../support/service-harness';

const run = await checkAvailable(postgres);

describe.skipIf(!run)('the database out of reach (PostgreSQL, its server gone from under a service)', () => {
  let h: Harness;
  let key: MarketKey;
  let app: FastifyInstance;
  beforeAll(async () => {
    h = await startHarness(postgres, { keys: 'file' });
    key = await marketKey(h, 'EXCH01');
    // A second instance whose database address answers nothing: a port where no server listens.
    const url = new URL(h.database);
    url.port = '1';
    app = await buildApp(createContext(openStore(url.toString()), h.ctx.options, h.clock));
  });
  afterAll(async () => {
    await app?.close();
    await h?.close();
  });

  it('a market’s signed request is answered 503 DATABASE_UNAVAILABLE', async () => {
    const path = '/market-api/v1/markets/EXCH01/clearing-batches';
    const body = JSON.stringify({
      key: 'B1',
      lines: [{ key: 'L1', payerCode: 'EX2001', payeeCode: 'EX2002', amount: 1 }],
    });
    const headers = await signMarketRequest(key, { method: 'POST', path, body });
    const res = await app.inject({
      method: 'POST',
      url: path,
      body,
      headers: { ...headers, 'content-type': 'application/json' },
    });
    expect(res.json().error.code).toBe('DATABASE_UNAVAILABLE');
    expect(res.statusCode).toBe(503);
  });

  it('the market’s key lookup failing is the database’s failure, not an unknown key', async () => {
    const path = '/market-api/v1/markets/EXCH01/clearing-batches';
    const headers = await signMarketRequest(key, { method: 'POST', path, body: '{}' });
    const url = new URL(h.database);
    url.port = '1';
    const ctx = createContext(openStore(url.toString()), h.ctx.options, h.clock);
    try {
      const error = await authenticateMarket(ctx, { method: 'POST', url: path, headers, marketCode: 'EXCH01' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    } finally {
      await ctx.store.close();
    }
  });

  it('a desktop’s request likewise, in the caller’s language', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/auth/captcha',
      headers: { 'accept-language': 'en' },
      payload: {},
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error).toMatchObject({
      code: 'DATABASE_UNAVAILABLE',
      message: expect.stringMatching(/try again/),
    });
  });
});
