import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fileKeyProvider, SessionCache } from '../../src-main/core/session-cache';

const dirs: string[] = [];
function tempDir() {
  const dir = mkdtempSync(join(tmpdir(), 'sk-cache-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('the client session cache', () => {
  it('keeps settings and the last login name between runs', () => {
    const dir = tempDir();
    const first = new SessionCache(join(dir, 'c.sqlite'), fileKeyProvider(dir));
    expect(first.getSettings().language).toBe('zh-CN');
    first.saveSettings({ ...first.getSettings(), language: 'en', pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so' });
    first.setLastLoginName('demo.operator');
    first.close();
    const second = new SessionCache(join(dir, 'c.sqlite'), fileKeyProvider(dir));
    expect(second.getSettings()).toMatchObject({ language: 'en', pkcs11Module: '/usr/lib/softhsm/libsofthsm2.so' });
    expect(second.lastLoginName()).toBe('demo.operator');
    second.close();
  });

  it('seals cached pages: no plaintext on disk, the key file is 0600, another key reads nothing', () => {
    const dir = tempDir();
    const cache = new SessionCache(join(dir, 'c.sqlite'), fileKeyProvider(dir));
    const page = { account: '11014550000011', balance: 500000000 };
    cache.putPage('user:3', 'accounts', page);
    expect(cache.getPage('user:3', 'accounts')).toEqual(page);
    expect(cache.rawPage('user:3', 'accounts')!.toString('latin1')).not.toContain('11014550000011');
    expect(statSync(join(dir, 'cache.key')).mode & 0o777).toBe(0o600);
    // a page is bound to its scope
    expect(cache.getPage('user:4', 'accounts')).toBeNull();
    cache.close();
    const otherKeyDir = tempDir();
    const other = new SessionCache(join(dir, 'c.sqlite'), fileKeyProvider(otherKeyDir));
    expect(other.getPage('user:3', 'accounts')).toBeNull();
    other.clearPages();
    other.close();
  });
});
