// 007_amount_bounds over a database that already has money in it, on both
// databases: the contra account's stored figure — the value past MAX_FEN that
// made every later incoming transfer fail on read — is dropped (its lines keep
// it), the bounds are added, verify-audit passes, and a row already past a
// bound stops the migration with a message before anything is changed.
import type { Kysely } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { verifyLedger } from '../../src-service/ledger/verify';
import { openStore, type Store } from '../../src-service/store/db';
import { migrateTo, migrateToLatest } from '../../src-service/store/migrations';
import { MAX_BALANCE, MAX_FEN } from '../../src-shared/money';
import { checkAvailable, DATABASE_KINDS, type TestDatabase } from '../support/databases';

const MAX = Number(MAX_FEN);
const SAFE = Number(MAX_BALANCE);

/** A database migrated up to the one before 007, as a service of before this change left it. */
async function before007(setting: string): Promise<Store> {
  const store = openStore(setting);
  await migrateTo(store, '006_attempt_limits');
  return store;
}

/** What the old code wrote: a transfer from a card bound to nobody, the contra keeping its running balance. */
async function oldTransfer(db: Kysely<any>, amount: number, contraAfter: number, suspenseAfter: number) {
  const at = '2026-03-02T01:00:00.000Z';
  const entry = await db
    .insertInto('journal_entries')
    .values({
      serial: `OLD${amount}${contraAfter}`.slice(0, 32),
      kind: 'suspense',
      business_date: '2026-03-02',
      created_at: at,
      memo: '',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('journal_lines')
    .values([
      {
        entry_id: entry.id,
        account_id: 1,
        debit: amount,
        credit: 0,
        balance_after: contraAfter,
        business_date: '2026-03-02',
        kind: 'suspense',
      },
      {
        entry_id: entry.id,
        account_id: 2,
        debit: 0,
        credit: amount,
        balance_after: suspenseAfter,
        business_date: '2026-03-02',
        kind: 'suspense',
      },
    ])
    .execute();
}

async function accounts(db: Kysely<any>, contraBalance: number, suspenseBalance: number) {
  for (const [id, kind, allow, balance] of [
    [1, 'other_banks', 1, contraBalance],
    [2, 'suspense', 0, suspenseBalance],
  ] as const) {
    await db
      .insertInto('accounts')
      .values({
        id,
        number: `9999000000000${id}`,
        name: kind,
        kind,
        balance,
        held: 0,
        allow_negative: allow,
        opened_at: 'x',
      })
      .execute();
  }
}

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`007_amount_bounds over existing data on ${kind.name}`, () => {
    let database: TestDatabase | undefined;
    let store: Store | undefined;
    afterEach(async () => {
      await store?.close();
      await database?.drop();
      store = undefined;
      database = undefined;
    });

    it('drops the contra account’s kept figure (its lines keep it) and adds the bounds; verify passes', async () => {
      database = await kind.create();
      store = await before007(database.setting);
      // the reproduction's state: one maximum transfer left the contra at −MAX_FEN, a second at −2·MAX_FEN
      await accounts(store.db, -2 * MAX, 2 * MAX);
      await oldTransfer(store.db, MAX, -MAX, MAX);
      await oldTransfer(store.db, MAX, -2 * MAX, 2 * MAX);
      expect(await migrateToLatest(store)).toContain('007_amount_bounds');
      const rows = await store.db.selectFrom('accounts').select(['id', 'balance']).orderBy('id').execute();
      expect(rows.map((r) => Number(r.balance))).toEqual([0, 2 * MAX]);
      expect((await verifyLedger(store.db)).breaks).toEqual([]);
      await expect(
        store.db
          .updateTable('accounts')
          .set({ balance: SAFE + 1 })
          .where('id', '=', 2)
          .execute(),
      ).rejects.toThrow(/accounts_amount_bounds/);
      await expect(store.db.updateTable('accounts').set({ balance: -1 }).where('id', '=', 1).execute()).rejects.toThrow(
        /accounts_contra_keeps_no_balance/,
      );
    });

    it('stops, naming the rows, when a stored value is already past a bound — and changes nothing', async () => {
      database = await kind.create();
      store = await before007(database.setting);
      await accounts(store.db, -5, 5);
      await oldTransfer(store.db, 5, -5, 5);
      // a hold past 2^53−1: nothing the old code could read back
      await store.db
        .insertInto('holds')
        .values({
          account_id: 2,
          // digits a number cannot carry: the driver sends them as text
          amount: String(BigInt(SAFE) + 10n) as unknown as number,
          kind: 'freeze',
          status: 'pending',
          reference: 'x',
          created_at: 'x',
        })
        .execute();
      await expect(migrateToLatest(store)).rejects.toThrow(
        /007_amount_bounds: 1 row\(s\) of holds break holds_amount_bounds/,
      );
      const contra = await store.db
        .selectFrom('accounts')
        .select('balance')
        .where('id', '=', 1)
        .executeTakeFirstOrThrow();
      expect(Number(contra.balance)).toBe(-5);
    });
  });
}
