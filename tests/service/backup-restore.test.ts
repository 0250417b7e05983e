// Backup and restore of the settlement database with PostgreSQL's own tools
// (issue 15): pg_dump of the service's schema in the custom format, pg_restore
// into a database made fresh for it, then verify-audit on the restored copy —
// the audit chain and the ledger tie, and every entry and balance came back.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAvailable, PG_URL, postgres } from '../support/databases';
import { decide, submitInstruction, tradeDesk } from '../support/instructions';
import { startHarness, type Harness } from '../support/service-harness';
import { SERVICE_FROM_SOURCE } from '../support/service-process';

const run = promisify(execFile);
const available = await checkAvailable(postgres);

describe.skipIf(!available)('backup and restore with pg_dump and pg_restore', () => {
  let h: Harness;
  const dir = mkdtempSync(join(tmpdir(), 'sk-backup-'));
  const fresh = `sk_restore_${randomBytes(4).toString('hex')}`;
  const admin = async <T extends pg.QueryResultRow>(text: string, database?: string) => {
    const url = new URL(PG_URL);
    if (database) url.pathname = `/${database}`;
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      return (await c.query<T>(text)).rows;
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    h = await startHarness(postgres);
    const { op, rev, contract } = await tradeDesk(h);
    for (const amount of [1_000_00, 2_345_67]) {
      const deposit = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: contract,
        amount,
      });
      expect((await decide(h, rev, 'trade.reviewer', deposit.body.id, 'approve')).status).toBe(200);
    }
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    await admin(`drop database if exists ${fresh}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('restores into a fresh database, and verify-audit passes on the copy with every entry and balance', async () => {
    const schema = new URL(h.database).searchParams.get('schema')!;
    const file = join(dir, 'settlekey.dump');
    const server = new URL(PG_URL);
    const connection = ['-h', server.hostname, '-p', server.port || '5432', '-U', server.username || 'postgres'];
    await run('pg_dump', [...connection, '-d', server.pathname.slice(1), '-Fc', '-n', schema, '-f', file]);
    expect(statSync(file).size).toBeGreaterThan(10_000);

    await admin(`create database ${fresh}`);
    await run('pg_restore', [...connection, '-d', fresh, '--no-owner', file]);

    const restored = new URL(PG_URL);
    restored.pathname = `/${fresh}`;
    restored.searchParams.set('schema', schema);
    const verified = await run(
      process.execPath,
      [...SERVICE_FROM_SOURCE, 'verify-audit', '--db', restored.toString()],
      {
        env: { ...process.env, NODE_ENV: 'test' },
      },
    );
    expect(verified.stdout).toContain('verify-audit: OK');

    const figures = `select (select count(*) from ${schema}.journal_entries)::int as entries,
                            (select count(*) from ${schema}.audit_log)::int as audit,
                            (select sum(balance)::text from ${schema}.accounts) as balances`;
    const [original] = await admin<{ entries: number; audit: number; balances: string }>(figures);
    const [copy] = await admin<{ entries: number; audit: number; balances: string }>(figures, fresh);
    expect(copy).toEqual(original);
    expect(original.entries).toBeGreaterThanOrEqual(2);
  }, 120_000);
});
