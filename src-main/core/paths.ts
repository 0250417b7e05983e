// Where SettleKey keeps its files. Electron passes app.getPath('userData'); the
// browser shell uses the same folder a packaged app would on Linux, or
// SETTLEKEY_HOME when set (tests point it at a temporary folder).
import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultUserDataDir(): string {
  if (process.env.SETTLEKEY_HOME) return process.env.SETTLEKEY_HOME;
  if (process.platform === 'win32')
    return join(process.env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'SettleKey');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'SettleKey');
  return join(process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), 'SettleKey');
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
