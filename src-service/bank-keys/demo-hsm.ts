// A demo's stand-in for the bank's HSM: a SoftHSM2 token of its own in the
// data folder (bank-hsm/: its configuration, its token folder, a generated
// user PIN and SO PIN in 0600 files), used wherever SoftHSM2 is installed. The
// desktop's demo USB-KEYs live elsewhere (their own SoftHSM2 configuration), so
// the bank's token never shows in the client's token list.
import { randomBytes } from 'node:crypto';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { knownModules } from '../../src-token/module-paths';
import { softHsmConfIn } from '../../src-token/softhsm-conf';
import { readSecretFile, type HsmSettings } from './settings';

export const DEMO_HSM_TOKEN = 'SettleKey bank (demo)';

/** The SoftHSM2 module of this machine, if any (SETTLEKEY_DEMO_KEYS=file pretends there is none). */
export function softHsmModule(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.SETTLEKEY_DEMO_KEYS === 'file') return null;
  return knownModules().find((m) => m.vendor === 'SoftHSM2' && existsSync(m.path))?.path ?? null;
}

/** A generated secret in a 0600 file, made once (`bytes` random bytes as hex), then read. */
export function secretFile(path: string, bytes: number): string {
  if (!existsSync(path)) {
    try {
      writeFileSync(path, `${randomBytes(bytes).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readSecretFile(path);
}

/** The demo token's settings, its folder made on first use; null where SoftHSM2 is not installed. */
export function demoHsmSettings(dataDir: string, env: NodeJS.ProcessEnv = process.env): HsmSettings | null {
  const module = softHsmModule(env);
  if (!module) return null;
  const dir = join(dataDir, 'bank-hsm');
  const conf = softHsmConfIn(dir);
  return {
    module,
    tokenLabel: DEMO_HSM_TOKEN,
    // SoftHSM2 takes PINs of 4–255 characters; 16 random bytes as hex.
    pin: secretFile(join(dir, 'user.pin'), 16),
    initSoPin: secretFile(join(dir, 'so.pin'), 16),
    softhsmConf: conf,
  };
}
