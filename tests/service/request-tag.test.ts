// One request id from the load balancer's log through the instance's to the
// database (issue 15): on PostgreSQL every statement a request sends begins with
// `/* request_id=<its id> */`, so the server's log and pg_stat_activity name it.
// PostgreSQL's own current_query() shows the text the server received.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContext } from '../../src-service/context';
import { buildApp } from '../../src-service/http/app';
import { openStore } from '../../src-service/store/db';
import { asRequest } from '../../src-service/store/request-tag';
import { checkAvailable, postgres } from '../support/databases';
import { startHarness, type Harness } from '../support/service-harness';

const run = await checkAvailable(postgres);

describe.skipIf(!run)('statements carry their request’s id (PostgreSQL)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(postgres, { keys: 'file' });
  });
  afterAll(async () => {
    await h?.close();
  });

  const queryText = async () => (await sql<{ q: string }>`select current_query() as q`.execute(h.ctx.db)).rows[0].q;

  it('tags a statement sent as a request’s work, in a transaction too, and no other', async () => {
    expect(await queryText()).toBe('select current_query() as q');
    const inside = await new Promise<string>((resolve, reject) =>
      asRequest('rid-7f3a', () => void queryText().then(resolve, reject)),
    );
    expect(inside).toBe('/* request_id=rid-7f3a */ select current_query() as q');
    const inTransaction = await new Promise<string>((resolve, reject) =>
      asRequest(
        'rid-tx',
        () =>
          void h.ctx.db
            .transaction()
            .execute(async (trx) => (await sql<{ q: string }>`select current_query() as q`.execute(trx)).rows[0].q)
            .then(resolve, reject),
      ),
    );
    expect(inTransaction).toBe('/* request_id=rid-tx */ select current_query() as q');
  });

  it('a request through the service: the id the load balancer sent is the one the database sees', async () => {
    const ctx = createContext(openStore(h.database), h.ctx.options, h.clock);
    const app = await buildApp(ctx);
    app.get('/__seen-by-database', { config: { auth: 'none' } }, async () => ({
      q: (await sql<{ q: string }>`select current_query() as q`.execute(ctx.db)).rows[0].q,
    }));
    try {
      const res = await app.inject({
        method: 'GET',
        url: '/__seen-by-database',
        headers: { 'x-request-id': 'lb-1234abcd' },
      });
      expect(res.headers['x-request-id']).toBe('lb-1234abcd');
      expect(res.json().q).toBe('/* request_id=lb-1234abcd */ select current_query() as q');
    } finally {
      await app.close();
      await ctx.store.close();
    }
  });
});
