// 流水号 under parallel requests. PostgreSQL: each instance reserves a block of
// a day's serials on a connection of its own, so a transaction that took a
// serial does not hold the day's counter until it commits, two instances never
// hand out the same serial, and gaps are what a stop or a rollback leaves.
// SQLite: the counter moves in the caller's transaction (one writer anyway).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERIAL_BLOCK, SerialNumbers } from '../../src-service/ledger/serials';
import { openStore, type Store } from '../../src-service/store/db';
import { atomically } from '../../src-service/store/tx';
import { migrateToLatest } from '../../src-service/store/migrations';
import { checkAvailable, DATABASE_KINDS, type TestDatabase } from '../support/databases';

const DAY = '2026-11-30';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`serials on ${kind.name}`, () => {
    let database: TestDatabase;
    let stores: Store[];

    beforeAll(async () => {
      database = await kind.create();
      stores = [openStore(database.setting), openStore(database.setting)];
      await migrateToLatest(stores[0]);
    });
    afterAll(async () => {
      for (const store of stores ?? []) await store.close();
    });

    it('two instances, 300 parallel serials each: all different, all of the day, in blocks on PostgreSQL', async () => {
      const instances = stores.map((store) => ({ store, serials: new SerialNumbers(store) }));
      const taken = await Promise.all(
        instances.flatMap(({ store, serials }) =>
          Array.from({ length: 300 }, () => atomically(store.db, (trx) => serials.next(trx, DAY))),
        ),
      );
      expect(new Set(taken).size).toBe(600);
      expect(taken.every((s) => /^2026113000\d{6}$/.test(s))).toBe(true);
      const counter = await stores[0].db
        .selectFrom('serial_counters')
        .select('last')
        .where('day', '=', DAY)
        .executeTakeFirstOrThrow();
      if (kind.name === 'postgres') {
        // Whole blocks were reserved: at most one partly used block per instance.
        expect(counter.last % SERIAL_BLOCK).toBe(0);
        expect(counter.last).toBeLessThanOrEqual(600 + 2 * SERIAL_BLOCK);
      } else {
        expect(counter.last).toBe(600);
      }
    });

    it.runIf(kind.name === 'postgres')(
      'a transaction holding a serial open does not make another instance wait for one',
      async () => {
        const [a, b] = stores.map((store) => new SerialNumbers(store));
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        let first = '';
        const open = atomically(stores[0].db, async (trx) => {
          first = await a.next(trx, '2026-12-01');
          await held;
        });
        while (first === '') await new Promise((r) => setTimeout(r, 5));
        const t0 = performance.now();
        const second = await atomically(stores[1].db, (trx) => b.next(trx, '2026-12-01'));
        const waited = performance.now() - t0;
        release();
        await open;
        expect(second).not.toBe(first);
        // The other instance reserved its own block while the first transaction was still open.
        expect(waited).toBeLessThan(2_000);
      },
    );
  });
}
