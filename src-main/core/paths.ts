// Where SettleKey keeps its files. Electron passes app.getPath('userData'); the
// browser shell uses the same folder a packaged app would (src-shared/user-data.ts
// says where, for the bank's command lines too).
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { userDataDirOn } from '../../src-shared/user-data';

export function defaultUserDataDir(): string {
  return userDataDirOn({ platform: process.platform, env: process.env, home: homedir(), join });
}

/**
 * The user-data folder holds the embedded service's database, its demo keys
 * and the session cache: only this user may enter it. A folder made earlier
 * with looser modes (or by Electron itself) is corrected.
 */
export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform !== 'win32' && (statSync(dir).mode & 0o077) !== 0) chmodSync(dir, 0o700);
  return dir;
}
