// Prepared statements (store/prepared.ts) on both databases: each run binds its
// own values (nothing of an earlier run stays), a missing value is refused by
// name, the statement
// counter sees every run, and inside a transaction the statement is the
// transaction's (rolled back with it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src-service/store/db';
import { migrateToLatest } from '../../src-service/store/migrations';
import { prepared, preparedPerShape, preparedRows, type Slots } from '../../src-service/store/prepared';
import { atomically } from '../../src-service/store/tx';
import { checkAvailable, DATABASE_KINDS, type TestDatabase } from '../support/databases';

type Row = { key: string; value: string };

const byKey = prepared((db, slot: Slots<{ key: string }>) =>
  db.selectFrom('settings').select(['key', 'value']).where('key', '=', slot.key),
);
const insertSettings = preparedRows((db, rows: Slots<Row>[]) =>
  db.insertInto('settings').values(rows.map((r) => ({ key: r.key, value: r.value }))),
);
const setWhere = preparedPerShape(
  (onlyIf: boolean) => String(onlyIf),
  (db, slot: Slots<{ key: string; value: string; was: string }>, onlyIf: boolean) => {
    const update = db.updateTable('settings').set({ value: slot.value }).where('key', '=', slot.key);
    return onlyIf ? update.where('value', '=', slot.was) : update;
  },
);

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`prepared statements on ${kind.name}`, () => {
    let database: TestDatabase;
    let store: Store;

    beforeAll(async () => {
      database = await kind.create();
      store = openStore(database.setting);
      await migrateToLatest(store);
    });
    afterAll(async () => {
      await store?.close();
      await database?.drop();
    });

    it("runs with each run's own values, and is counted", async () => {
      const rows = [
        { key: 'prepared.a', value: 'one' },
        { key: 'prepared.b', value: 'two' },
      ];
      const before = store.statements();
      expect(await insertSettings.changed(store.db, rows)).toBe(2);
      expect(await byKey.first(store.db, { key: 'prepared.a' })).toEqual(rows[0]);
      expect(await byKey.first(store.db, { key: 'prepared.b' })).toEqual(rows[1]);
      expect(await byKey.first(store.db, { key: 'prepared.none' })).toBeUndefined();
      expect(store.statements() - before).toBe(4);
    });

    it('is prepared per shape and per row count', async () => {
      await insertSettings.changed(store.db, [{ key: 'prepared.c', value: 'three' }]);
      // Only if it still holds what the caller saw: refused when it does not.
      expect(await setWhere(true).changed(store.db, { key: 'prepared.c', value: 'four', was: 'nine' })).toBe(0);
      expect(await setWhere(true).changed(store.db, { key: 'prepared.c', value: 'four', was: 'three' })).toBe(1);
      expect(await setWhere(false).changed(store.db, { key: 'prepared.c', value: 'five', was: 'ignored' })).toBe(1);
      expect(await byKey.first(store.db, { key: 'prepared.c' })).toEqual({ key: 'prepared.c', value: 'five' });
    });

    it('refuses a missing value by its name, and sends nothing', async () => {
      const before = store.statements();
      await expect(byKey.first(store.db, {} as { key: string })).rejects.toThrow('no value for key');
      expect(store.statements()).toBe(before);
    });

    it("runs in the caller's transaction and is undone with it", async () => {
      await expect(
        atomically(store.db, async (trx) => {
          await insertSettings.changed(trx, [{ key: 'prepared.d', value: 'six' }]);
          expect(await byKey.first(trx, { key: 'prepared.d' })).toEqual({ key: 'prepared.d', value: 'six' });
          throw new Error('refused after the insert');
        }),
      ).rejects.toThrow('refused after the insert');
      expect(await byKey.first(store.db, { key: 'prepared.d' })).toBeUndefined();
    });
  });
}
