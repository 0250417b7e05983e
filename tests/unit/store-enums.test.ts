// A closed set is written twice by necessity: once as the tuple the code uses
// (src-shared, or the service for sets that never leave it) and once in the
// CHECK a migration gave its column, which is history and never edited. This
// test reads the CHECKs of a freshly migrated database — what the latest
// migration that defines each column left — and holds every one equal to its
// tuple, so adding a value on one side alone fails here, not in production.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_MODES, MEMBER_TYPES, ROLES, SYSTEM_KINDS } from '../../src-shared/api/auth';
import { CERTIFICATE_MEDIA, CERTIFICATE_STATUSES } from '../../src-shared/api/certificates';
import {
  CARD_PURPOSES,
  SUSPENSE_REASONS,
  SUSPENSE_STATUSES,
  TRADE_STATUSES,
  VERIFICATION_METHODS,
} from '../../src-shared/api/members';
import { REGISTRATION_STATUSES } from '../../src-shared/api/registration';
import { CONTRACT_STATUSES, INSTRUCTION_KINDS, INSTRUCTION_STATES } from '../../src-shared/api/settlement';
import { KEY_TYPES } from '../../src-shared/token';
import { KEY_STORE_KINDS } from '../../src-service/bank-keys/key-store';
import { openStore, type Store } from '../../src-service/store/db';
import { migrateToLatest } from '../../src-service/store/migrations';
import {
  BANK_KEY_PURPOSES,
  HOLD_KINDS,
  HOLD_STATUSES,
  MARKET_KEY_STATUSES,
  SM2_KEY_STORE_KINDS,
} from '../../src-service/store/schema';
import { MARKET_KEY_ALGORITHMS } from '../../src-shared/market-signature';

/** Every CHECKed column ("table.column") and the one tuple its list must equal. */
const TUPLES: Record<string, readonly string[]> = {
  'enterprises.admin_mode': ADMIN_MODES,
  'members.member_type': MEMBER_TYPES,
  'users.role': ROLES,
  'users.system': SYSTEM_KINDS,
  'certificates.key_type': KEY_TYPES,
  'certificates.media': CERTIFICATE_MEDIA,
  'certificates.status': CERTIFICATE_STATUSES,
  'holds.kind': HOLD_KINDS,
  'holds.status': HOLD_STATUSES,
  'cards.purpose': CARD_PURPOSES,
  'contracts.status': CONTRACT_STATUSES,
  'instructions.kind': INSTRUCTION_KINDS,
  'instructions.state': INSTRUCTION_STATES,
  'b2b_trades.status': TRADE_STATUSES,
  'suspense_records.reason': SUSPENSE_REASONS,
  'suspense_records.status': SUSPENSE_STATUSES,
  'member_operations.verified_by': VERIFICATION_METHODS,
  'registrations.member_type': MEMBER_TYPES,
  'registrations.status': REGISTRATION_STATUSES,
  'bank_keys.purpose': BANK_KEY_PURPOSES,
  'bank_keys.store': KEY_STORE_KINDS,
  'bank_sm2_keys.purpose': ['sm2-ca'],
  'bank_sm2_keys.store': SM2_KEY_STORE_KINDS,
  'market_keys.status': MARKET_KEY_STATUSES,
  'market_keys.algorithm': MARKET_KEY_ALGORITHMS,
};

/** The `column in ('a','b')` CHECKs of each table, as SQLite keeps the migrations' DDL. */
async function checkLists(store: Store): Promise<Map<string, string[]>> {
  const tables = await sql<{ name: string; sql: string }>`
    select name, sql from sqlite_master where type = 'table' and sql is not null`.execute(store.db);
  const lists = new Map<string, string[]>();
  for (const table of tables.rows) {
    for (const [, column, values] of table.sql.matchAll(/check \((\w+) in \(([^)]*)\)\)/gi)) {
      const key = `${table.name}.${column}`;
      expect(lists.has(key), `${key} has two CHECK lists`).toBe(false);
      lists.set(
        key,
        values.split(',').map((v) => v.trim().replace(/^'(.*)'$/, '$1')),
      );
    }
  }
  return lists;
}

describe('the CHECK lists of the latest schema equal the closed sets the code uses', () => {
  let store: Store;
  let lists: Map<string, string[]>;

  beforeAll(async () => {
    store = openStore(':memory:');
    await migrateToLatest(store);
    lists = await checkLists(store);
  });
  afterAll(async () => {
    await store?.close();
  });

  it('finds the CHECKs, and every one has its tuple here (a new CHECK must be added to TUPLES)', () => {
    expect(lists.get('instructions.kind')).toEqual(['sign', 'cancel', 'deposit', 'withdraw', 'menu']);
    expect([...lists.keys()].sort()).toEqual(Object.keys(TUPLES).sort());
  });

  for (const [column, tuple] of Object.entries(TUPLES)) {
    it(`${column} allows exactly what the code knows`, () => {
      expect([...(lists.get(column) ?? [])].sort()).toEqual([...tuple].sort());
    });
  }
});
