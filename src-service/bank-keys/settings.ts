// Where the bank's keys are: the service's HSM settings (from the environment,
// never the command line, so no PIN shows in `ps`), and the data folder where a
// demo keeps keys of its own.
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { AppError } from '../../src-shared/errors';

export interface HsmSettings {
  /** The PKCS#11 module of the HSM. */
  module: string;
  /** The label of the HSM token (partition) that holds the bank's keys. */
  tokenLabel: string;
  pin: string;
  /** SoftHSM2 only: the configuration to load it with (the demo's own token folder). */
  softhsmConf?: string;
  /** Initialise a blank token under this label when none exists (the demo and tests only). */
  initSoPin?: string;
}

/** The settings a production start must have, as the refusal names them. */
export const HSM_SETTING_NAMES =
  'SETTLEKEY_HSM_MODULE, SETTLEKEY_HSM_TOKEN, SETTLEKEY_HSM_PIN or SETTLEKEY_HSM_PIN_FILE';

/** The HSM the environment names; null when it names none. A partial setting is an error, not "none". */
export function hsmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): HsmSettings | null {
  const module = env.SETTLEKEY_HSM_MODULE?.trim();
  const tokenLabel = env.SETTLEKEY_HSM_TOKEN?.trim();
  const pin = env.SETTLEKEY_HSM_PIN;
  const pinFile = env.SETTLEKEY_HSM_PIN_FILE?.trim();
  if (!module && !tokenLabel && !pin && !pinFile) return null;
  const missing = [
    ...(module ? [] : ['SETTLEKEY_HSM_MODULE']),
    ...(tokenLabel ? [] : ['SETTLEKEY_HSM_TOKEN']),
    ...(pin || pinFile ? [] : ['SETTLEKEY_HSM_PIN or SETTLEKEY_HSM_PIN_FILE']),
  ];
  if (missing.length > 0) throw new AppError('BANK_HSM_SETTING_MISSING', { missing: missing.join(', ') });
  if (pin && pinFile) throw new AppError('BANK_HSM_PIN_TWICE');
  return { module: module!, tokenLabel: tokenLabel!, pin: pin ?? readSecretFile(pinFile!) };
}

/**
 * A secret kept in a file (an HSM PIN, the demo's passphrase): refused unless
 * only its owner may read it, since a copy anyone could read may have been read.
 */
export function readSecretFile(path: string): string {
  const mode = statSync(path).mode & 0o777;
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new AppError('BANK_SECRET_FILE_MODE', { file: path, mode: `0${mode.toString(8)}` });
  }
  const value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  if (!value) throw new AppError('BANK_HSM_SETTING_MISSING', { missing: `${path} (empty)` });
  return value;
}

/**
 * The service's data folder: SETTLEKEY_DATA_DIR, else the SQLite file's folder,
 * else ./settlekey-data (a PostgreSQL database has no folder of its own).
 */
export function dataDirFor(sqliteFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (env.SETTLEKEY_DATA_DIR) return resolve(env.SETTLEKEY_DATA_DIR);
  if (sqliteFile && sqliteFile !== ':memory:') return dirname(resolve(sqliteFile));
  return join(process.cwd(), 'settlekey-data');
}
