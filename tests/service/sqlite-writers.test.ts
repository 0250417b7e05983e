// Two processes writing one SQLite file — the bank counter beside a running
// service: a transaction that read before another process wrote still writes,
// waiting for the lock instead of failing with "database is locked" (a fresh
// clone's e2e run once saw the counter's approval fail so).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-service/store/db';

describe('SQLite write transactions of two processes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-writers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a transaction that read first still writes after another process wrote meanwhile', async () => {
    const file = join(dir, 'two.sqlite');
    const store = openStore(file);
    await sql`create table t (x integer)`.execute(store.db);
    const child = spawn(process.execPath, ['--import', 'tsx', 'tests/support/sqlite-reader-writer.ts', file]);
    let out = '';
    const done = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await new Promise<void>((resolve) =>
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('read')) resolve();
      }),
    );
    // The other process is inside its transaction, between its read and its write.
    await store.db.transaction().execute((trx) => sql`insert into t (x) values (1)`.execute(trx));
    await done;
    expect(out.trim().split('\n').at(-1)).toBe('ok');
    const rows = await sql<{ n: number }>`select count(*) as n from t`.execute(store.db);
    expect(rows.rows[0].n).toBe(2);
    await store.close();
  });
});
