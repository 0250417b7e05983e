// The bank's database roles on PostgreSQL (issue 15, store/roles.ts): the schema's
// owner runs the migrations and grants; the service's role reads and writes rows
// but changes no table, and may only add to the journal and the audit log — the
// database refuses the rest, whatever the code would send. A service started as
// that role works (the demo's seeding and a posting), and refuses to start on a
// schema its owner has not migrated to the end.
import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src-service/store/db';
import { migrateTo, MIGRATIONS } from '../../src-service/store/migrations';
import { grantServiceRole } from '../../src-service/store/roles';
import { checkAvailable, PG_URL, postgres } from '../support/databases';
import { SERVICE_FROM_SOURCE, startServiceProcess } from '../support/service-process';

const run = promisify(execFile);
const available = await checkAvailable(postgres);

describe.skipIf(!available)('the service’s database role on PostgreSQL', () => {
  const tag = randomBytes(4).toString('hex');
  const owner = `sk_owner_${tag}`;
  const app = `sk_app_${tag}`;
  const schema = `s_roles_${tag}`;
  const behind = `s_behind_${tag}`;
  const dir = mkdtempSync(join(tmpdir(), 'sk-roles-'));
  const urlAs = (role: string, inSchema: string) => {
    const url = new URL(PG_URL);
    url.username = role;
    url.searchParams.set('schema', inSchema);
    return url.toString();
  };
  const admin = async (text: string) => {
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    try {
      await c.query(text);
    } finally {
      await c.end();
    }
  };
  /** The SQLSTATE a statement run as the service's role ends with ('' when it succeeds). */
  const asApp = async (text: string): Promise<string> => {
    const c = new pg.Client({ connectionString: urlAs(app, schema).replace(/\?.*$/, '') });
    await c.connect();
    try {
      await c.query(`set search_path to ${schema}`);
      await c.query(text);
      return '';
    } catch (error) {
      return (error as { code?: string }).code ?? 'unknown';
    } finally {
      await c.end();
    }
  };

  beforeAll(async () => {
    await admin(`create role ${owner} login`);
    await admin(`create role ${app} login`);
    await admin(`create schema ${schema} authorization ${owner}`);
    await admin(`create schema ${behind} authorization ${owner}`);
    const migrated = await run(
      process.execPath,
      [...SERVICE_FROM_SOURCE, 'migrate', '--db', urlAs(owner, schema), '--grant', app],
      { env: { ...process.env, NODE_ENV: 'test' } },
    );
    expect(migrated.stdout).toMatch(/migration\(s\) run/);
    expect(migrated.stdout).toContain(`granted ${app}`);
  }, 120_000);

  afterAll(async () => {
    await admin(`drop schema if exists ${schema} cascade`);
    await admin(`drop schema if exists ${behind} cascade`);
    await admin(`drop owned by ${app}`).catch(() => undefined);
    await admin(`drop owned by ${owner}`).catch(() => undefined);
    await admin(`drop role if exists ${app}`);
    await admin(`drop role if exists ${owner}`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('may read and write rows, only add to the journal and the audit log, and change no table', async () => {
    expect(await asApp('select count(*) from accounts')).toBe('');
    expect(await asApp(`update settings set value = value where key = 'none'`)).toBe('');
    // 42501: insufficient_privilege — refused by the database, even for no row at all
    for (const table of ['journal_entries', 'journal_lines', 'audit_log']) {
      expect(await asApp(`update ${table} set id = id where false`), `update ${table}`).toBe('42501');
      expect(await asApp(`delete from ${table} where false`), `delete ${table}`).toBe('42501');
      expect(await asApp(`truncate ${table}`), `truncate ${table}`).toBe('42501');
      expect(await asApp(`select count(*) from ${table}`), `select ${table}`).toBe('');
    }
    expect(await asApp(`create table ${schema}.evil (x int)`)).toBe('42501');
    expect(await asApp('alter table accounts add column evil int')).toBe('42501');
    expect(await asApp('drop table accounts')).toBe('42501');
    expect(await asApp(`delete from kysely_migration where false`)).toBe('42501');
  });

  it('runs the service as that role: the demo seeded (its opening balances posted), served, its audit chain verified', async () => {
    const service = await startServiceProcess(
      SERVICE_FROM_SOURCE,
      ['--demo', '--migrations-by-owner', '--db', urlAs(app, schema)],
      { SETTLEKEY_DEMO_KEYS: 'file', SETTLEKEY_DATA_DIR: dir },
    );
    try {
      await expect
        .poll(async () => (await fetch(`${service.url}/health/ready`)).status, { timeout: 60_000, interval: 200 })
        .toBe(200);
      const captcha = await fetch(`${service.url}/auth/captcha`, { method: 'POST' });
      expect(captcha.status).toBe(200);
    } finally {
      service.child.kill('SIGTERM');
      await new Promise((resolve) => service.child.on('exit', resolve));
    }
    // the seeding wrote the journal (opening balances) and the audit log as the service's role
    const c = new pg.Client({ connectionString: PG_URL });
    await c.connect();
    const entries = await c.query(`select count(*)::int as n from ${schema}.journal_entries`);
    await c.end();
    expect(entries.rows[0].n).toBeGreaterThan(0);
    const verified = await run(
      process.execPath,
      [...SERVICE_FROM_SOURCE, 'verify-audit', '--db', urlAs(owner, schema)],
      {
        env: { ...process.env, NODE_ENV: 'test' },
      },
    );
    expect(verified.stdout).toContain('verify-audit: OK');
  }, 120_000);

  it('refuses to start on a schema its owner has not migrated to the end, naming what is missing', async () => {
    const names = Object.keys(MIGRATIONS);
    const last = names[names.length - 1];
    const store = openStore(urlAs(owner, behind));
    try {
      await migrateTo(store, names[names.length - 2]);
      await grantServiceRole(store, app);
    } finally {
      await store.close();
    }
    await expect(
      startServiceProcess(SERVICE_FROM_SOURCE, ['--demo', '--migrations-by-owner', '--db', urlAs(app, behind)], {
        SETTLEKEY_DEMO_KEYS: 'file',
        SETTLEKEY_DATA_DIR: dir,
      }),
    ).rejects.toThrow(new RegExp(`1 migration\\(s\\) behind \\(${last}\\).*npm run service -- migrate`, 's'));
  }, 60_000);
});
