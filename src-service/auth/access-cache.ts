// What a service instance keeps in memory between requests: certificates,
// users' permissions and enterprises, read on nearly every request and changed
// rarely. Several instances share one database, so a copy is only used under
// the version it was read at: each request (or transaction) reads the version
// row first — the guard with the session, a signed request inside its own
// transaction — and takes copies tagged with that version, or reads afresh.
// Triggers bump the row on any change of those tables (migration 010), so a
// revocation made through one instance is refused by every other at once.
import type { Kysely, Selectable } from 'kysely';
import type { Permission } from '../../src-shared/menu';
import type { Database, EnterprisesTable } from '../store/schema';
import type { CertificateRow } from '../certificates/signatures';
import { permissionsOf } from './users';

export type EnterpriseRow = Pick<
  Selectable<EnterprisesTable>,
  'id' | 'name' | 'name_en' | 'credit_code' | 'admin_mode'
>;

interface Tagged<T> {
  version: string;
  value: T;
}

/** Entries kept per kind; a full map starts afresh (the working set of a bank's users is far smaller). */
const LIMIT = 20_000;

export type AccessVersion = string;

export async function readAccessVersion(db: Kysely<Database>): Promise<AccessVersion> {
  const row = await db
    .selectFrom('cache_versions')
    .select('version')
    .where('name', '=', 'access')
    .executeTakeFirstOrThrow();
  return String(row.version);
}

export class AccessCache {
  private readonly permissions = new Map<number, Tagged<ReadonlySet<Permission>>>();
  private readonly certificates = new Map<string, Tagged<CertificateRow | undefined>>();
  private readonly enterprises = new Map<number, Tagged<EnterpriseRow>>();

  /** A user's permissions as of `version` (read in `db` when no copy of that version is kept). */
  permissionsOf(db: Kysely<Database>, version: AccessVersion, userId: number): Promise<ReadonlySet<Permission>> {
    return this.cached(this.permissions, userId, version, () => permissionsOf(db, userId));
  }

  /** A certificate by its (normalised) serial as of `version`; its validity dates are the caller's to check. */
  certificate(db: Kysely<Database>, version: AccessVersion, serial: string): Promise<CertificateRow | undefined> {
    return this.cached(this.certificates, serial, version, () =>
      db.selectFrom('certificates').selectAll().where('serial', '=', serial).executeTakeFirst(),
    );
  }

  enterprise(db: Kysely<Database>, version: AccessVersion, id: number): Promise<EnterpriseRow> {
    return this.cached(this.enterprises, id, version, () =>
      db
        .selectFrom('enterprises')
        .select(['id', 'name', 'name_en', 'credit_code', 'admin_mode'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow(),
    );
  }

  private async cached<K, T>(
    map: Map<K, Tagged<T>>,
    key: K,
    version: AccessVersion,
    read: () => Promise<T>,
  ): Promise<T> {
    const kept = map.get(key);
    // A copy of another version is never used: read under an older one it may
    // be stale; under a newer one this request would see a change it has not
    // yet read the version of — either way it is read again.
    if (kept && kept.version === version) return kept.value;
    const value = await read();
    if (map.size >= LIMIT) map.clear();
    // Only a newer reading replaces a kept one: requests of two versions may interleave.
    if (!kept || BigInt(version) >= BigInt(kept.version)) map.set(key, { version, value });
    return value;
  }
}
