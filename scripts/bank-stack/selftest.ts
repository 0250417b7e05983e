// The checker proves it can fail: the settlement database is backed up with
// pg_dump and restored with pg_restore into a fresh database (the bank's backup
// path, exercised), one acknowledged posting is deleted there and another
// duplicated, and the checker, pointed at the copy, must say `lost 1, doubled 1`.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { check, withPassword, type Verdict } from './checker';
import type { Acknowledged } from './load';
import { psql, pgLayout } from './postgres';
import { PG_BIN, run } from './proc';
import { stackPaths, type Stack } from './stack';

export async function selfTest(
  stack: Stack,
  acknowledged: Acknowledged,
): Promise<{ verdict: Verdict; seconds: number }> {
  const t0 = performance.now();
  const p = stackPaths(stack.state.dir);
  const primary = stack.state.clusters[stack.state.primary];
  const password = readFileSync(stack.ownerPasswordFile, 'utf8').trim();
  const conn = (db: string) =>
    `host=127.0.0.1 port=${primary.port} dbname=${db} user=settlekey_owner sslmode=verify-full sslrootcert=${join(p.pki, 'ca.pem')}`;
  const env = { ...process.env, PGPASSWORD: password };
  const dump = join(p.secrets, 'settlekey.dump');
  const layout = pgLayout(p.pg);
  psql(layout, primary.port, 'drop database if exists settlekey_selftest');
  psql(layout, primary.port, 'create database settlekey_selftest owner settlekey_owner');
  try {
    run(join(PG_BIN, 'pg_dump'), ['-Fc', '-f', dump, '-d', conn('settlekey')], env);
    run(join(PG_BIN, 'pg_restore'), ['--no-owner', '--exit-on-error', '-d', conn('settlekey_selftest'), dump], env);
    const [deleted, duplicated] = [...acknowledged.executed].slice(0, 2);
    const client = new pg.Client({ connectionString: withPassword(stack.ownerUrl('settlekey_selftest'), password) });
    await client.connect();
    try {
      await client.query('begin');
      const ref = async (id: number) =>
        (
          await client.query<{ r: string }>(`select 'instruction:' || serial as r from instructions where id = $1`, [
            id,
          ])
        ).rows[0].r;
      const victim = await ref(deleted);
      await client.query('update instructions set journal_entry_id = null where id = $1', [deleted]);
      await client.query(
        'delete from journal_lines where entry_id in (select id from journal_entries where reference = $1)',
        [victim],
      );
      await client.query('delete from journal_entries where reference = $1', [victim]);
      const copy = await client.query<{ id: number; old: number }>(
        `insert into journal_entries (serial, kind, business_date, created_at, memo, reference)
         select serial || 'D', kind, business_date, created_at, memo, reference from journal_entries where reference = $1
         returning id, (select id from journal_entries where reference = $1 order by id limit 1) as old`,
        [await ref(duplicated)],
      );
      await client.query(
        `insert into journal_lines (entry_id, account_id, debit, credit, balance_after, business_date, kind)
         select $1, account_id, debit, credit, balance_after, business_date, kind from journal_lines where entry_id = $2`,
        [copy.rows[0].id, copy.rows[0].old],
      );
      await client.query('commit');
    } finally {
      await client.end();
    }
    const verdict = await check(stack.ownerUrl('settlekey_selftest'), password, acknowledged);
    return { verdict, seconds: (performance.now() - t0) / 1000 };
  } finally {
    rmSync(dump, { force: true });
    psql(layout, primary.port, 'drop database if exists settlekey_selftest with (force)');
  }
}
