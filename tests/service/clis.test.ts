// The counter's market keys and verify-audit as the command lines they are (the market
// simulator's command line: market-sim.test.ts).
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sqlite } from '../support/databases';
import { startHarness, type Harness } from '../support/service-harness';

describe('npm run counter -- market-keys / npm run service -- verify-audit', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(sqlite);
  });
  afterAll(async () => {
    await h?.close();
  });
  const cli = (file: string, args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', file, '--db', h.database, ...args], {
      encoding: 'utf8',
      timeout: 60_000,
    });

  const counter = (args: string[]) => cli('src-service/commands/counter/cli.ts', args);

  it('the counter registers a market’s API key, lists it and revokes it; a key of another kind is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-market-key-'));
    const pem = join(dir, 'market.pem');
    writeFileSync(pem, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const added = counter(['market-keys', 'add', 'AGRI03', '--public-key', pem]);
    expect(added.status, added.stderr).toBe(0);
    const keyId = /key id[^:]*: (\S+)/.exec(added.stdout)![1];
    expect(keyId).toMatch(/^AGRI03-[0-9a-f]{32}$/);
    const listed = counter(['market-keys', 'list', 'AGRI03']);
    expect(listed.stdout).toContain(`${keyId}  ed25519  active`);
    expect(counter(['market-keys', 'revoke', keyId]).status).toBe(0);
    expect(counter(['market-keys', 'list', 'AGRI03']).stdout).toContain(`${keyId}  ed25519  revoked`);
    const rsa = join(dir, 'rsa.pem');
    writeFileSync(
      rsa,
      generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }),
    );
    const refused = counter(['market-keys', 'add', 'AGRI03', '--public-key', rsa]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/Ed25519 或 P-256/);
    expect(counter(['market-keys', 'add', 'AGRI03']).status).toBe(2);
    // Where the market receives its notices: https only, set or cleared by the counter.
    const set = counter(['market-notice-url', 'AGRI03', 'https://agri.example/notices']);
    expect(set.status, set.stderr).toBe(0);
    const plain = counter(['market-notice-url', 'AGRI03', 'http://agri.example/n']);
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/https/);
    const market = await h.ctx.db
      .selectFrom('markets')
      .select('notice_url')
      .where('code', '=', 'AGRI03')
      .executeTakeFirstOrThrow();
    expect(market.notice_url).toBe('https://agri.example/notices');
    expect(counter(['market-notice-url', 'AGRI03', '--clear']).status).toBe(0);
    const asked = counter(['market-acceptance-url', 'AGRI03', 'https://agri.example/accept']);
    expect(asked.status, asked.stderr).toBe(0);
    const urls = await h.ctx.db
      .selectFrom('markets')
      .select(['notice_url', 'acceptance_url'])
      .where('code', '=', 'AGRI03')
      .executeTakeFirstOrThrow();
    expect(urls).toEqual({ notice_url: null, acceptance_url: 'https://agri.example/accept' });
    rmSync(dir, { recursive: true, force: true });
  });

  it('verify-audit exits 0 on a sound database and 1 with the breaks listed', async () => {
    const ok = cli('src-service/commands/service/cli.ts', ['verify-audit']);
    expect(ok.stdout).toMatch(/verify-audit: OK/);
    expect(ok.status).toBe(0);
    await h.ctx.db.updateTable('accounts').set({ balance: 1 }).where('number', '=', '11014550000037').execute();
    const broken = cli('src-service/commands/service/cli.ts', ['verify-audit']);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/BREAK: account 11014550000037: balance 1 but its lines sum to 80000000/);
  });
});
