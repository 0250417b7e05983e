// The client's local store (better-sqlite3): settings, the last login name, and
// cached query pages. Cached pages hold account data, so they are sealed with
// AES-256-GCM under a key the platform keeps (Electron safeStorage, or a 0600 key
// file in the browser shell); nothing secret is stored in the clear.
import BetterSqlite3 from 'better-sqlite3';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Settings } from '../../src-shared/ipc/settings';
import { DEFAULT_PIN_POLICY } from '../../src-shared/token';

export const DEFAULT_SETTINGS: Settings = {
  serviceMode: 'embedded',
  remoteUrl: '',
  pkcs11Module: '',
  skfLibrary: '',
  language: 'zh-CN',
  pinPolicy: DEFAULT_PIN_POLICY,
};

/** Supplies the 32-byte key that seals cached pages. */
export interface CacheKeyProvider {
  key(): Buffer;
}

/** The browser shell's key: a random key in a file only this user can read. */
export function fileKeyProvider(dir: string): CacheKeyProvider {
  const path = join(dir, 'cache.key');
  return {
    key() {
      if (!existsSync(path)) writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
      const key = readFileSync(path);
      if (key.length !== 32) throw new Error(`${path} is not a 32-byte key`);
      return key;
    },
  };
}

export class SessionCache {
  private readonly db: BetterSqlite3.Database;
  private keyBuffer: Buffer | null = null;

  constructor(
    path: string,
    private readonly keys: CacheKeyProvider,
  ) {
    this.db = new BetterSqlite3(path);
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      create table if not exists kv (key text primary key, value text not null);
      create table if not exists pages (
        key text primary key, sealed blob not null, stored_at text not null
      );
    `);
  }

  getSettings(): Settings {
    const row = this.db.prepare('select value from kv where key = ?').get('settings') as { value: string } | undefined;
    if (!row) return { ...DEFAULT_SETTINGS };
    const parsed = Settings.safeParse({ ...DEFAULT_SETTINGS, ...JSON.parse(row.value) });
    return parsed.success ? parsed.data : { ...DEFAULT_SETTINGS };
  }

  saveSettings(settings: Settings): void {
    this.put('settings', JSON.stringify(settings));
  }

  lastLoginName(): string | null {
    const row = this.db.prepare('select value from kv where key = ?').get('lastLoginName') as
      { value: string } | undefined;
    return row?.value ?? null;
  }

  setLastLoginName(name: string): void {
    this.put('lastLoginName', name);
  }

  /** Stores a query page sealed with the cache key; `scope` keeps users' pages apart. */
  putPage(scope: string, key: string, value: unknown): void {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key(), iv);
    cipher.setAAD(Buffer.from(`${scope}\u0000${key}`));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
    const sealed = Buffer.concat([iv, cipher.getAuthTag(), body]);
    this.db
      .prepare(
        'insert into pages (key, sealed, stored_at) values (?, ?, ?) on conflict(key) do update set sealed = excluded.sealed, stored_at = excluded.stored_at',
      )
      .run(`${scope}\u0000${key}`, sealed, new Date().toISOString());
  }

  getPage<T>(scope: string, key: string): T | null {
    const row = this.db.prepare('select sealed from pages where key = ?').get(`${scope}\u0000${key}`) as
      { sealed: Buffer } | undefined;
    if (!row) return null;
    try {
      const iv = row.sealed.subarray(0, 12);
      const tag = row.sealed.subarray(12, 28);
      const decipher = createDecipheriv('aes-256-gcm', this.key(), iv);
      decipher.setAAD(Buffer.from(`${scope}\u0000${key}`));
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(row.sealed.subarray(28)), decipher.final()]);
      return JSON.parse(plain.toString('utf8')) as T;
    } catch {
      return null; // a page sealed under another key (or tampered with) is simply not there
    }
  }

  clearPages(): void {
    this.db.prepare('delete from pages').run();
  }

  /** The raw bytes of a stored page, so a test can see that it is not plaintext. */
  rawPage(scope: string, key: string): Buffer | null {
    const row = this.db.prepare('select sealed from pages where key = ?').get(`${scope}\u0000${key}`) as
      { sealed: Buffer } | undefined;
    return row?.sealed ?? null;
  }

  close(): void {
    this.db.close();
  }

  private put(key: string, value: string): void {
    this.db
      .prepare('insert into kv (key, value) values (?, ?) on conflict(key) do update set value = excluded.value')
      .run(key, value);
  }

  private key(): Buffer {
    this.keyBuffer ??= this.keys.key();
    return this.keyBuffer;
  }
}
