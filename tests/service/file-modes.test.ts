// Only the service's user may read its database (password hashes, sessions,
// every account) and the desktop's user-data folder (that database, the demo's
// keys, the session cache): files 0600, the folder 0700, looser ones corrected.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDir } from '../../src-main/core/paths';
import { openStore } from '../../src-service/store/db';
import { migrateToLatest } from '../../src-service/store/migrations';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('file modes', () => {
  let dir: string;
  let umask: number;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sk-modes-'));
    // The usual umask, which on its own would leave new files readable by everyone.
    umask = process.umask(0o022);
  });
  afterAll(() => {
    process.umask(umask);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the SQLite database and its -wal and -shm 0600', async () => {
    const path = join(dir, 'new.sqlite');
    const store = openStore(path);
    try {
      await migrateToLatest(store);
      for (const file of [path, `${path}-wal`, `${path}-shm`]) {
        expect(existsSync(file), file).toBe(true);
        expect(modeOf(file), file).toBe(0o600);
      }
    } finally {
      await store.close();
    }
  });

  it('corrects a database, -wal and -shm left readable by others when it opens them', async () => {
    const path = join(dir, 'old.sqlite');
    const first = openStore(path);
    await migrateToLatest(first);
    const files = [path, `${path}-wal`, `${path}-shm`];
    // As an older version left them, while another connection keeps -wal and -shm in place.
    for (const file of files) chmodSync(file, 0o644);
    const second = openStore(path);
    try {
      for (const file of files) expect(modeOf(file), file).toBe(0o600);
      await second.db.selectFrom('settings').selectAll().execute();
    } finally {
      await second.close();
      await first.close();
    }
  });

  it('makes the user-data folder 0700 and corrects one made looser before', () => {
    const fresh = join(dir, 'home', 'SettleKey');
    ensureDir(fresh);
    expect(modeOf(fresh)).toBe(0o700);
    const loose = join(dir, 'loose');
    mkdirSync(loose, { mode: 0o755 });
    expect(modeOf(loose)).toBe(0o755);
    ensureDir(loose);
    expect(modeOf(loose)).toBe(0o700);
  });
});
