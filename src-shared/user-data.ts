// Where the desktop keeps its files, and so where the embedded service's
// database lives. The desktop's main process, the bank counter and the market
// simulator must agree on it (the counter and the simulator act on the
// embedded database by default); src-shared runs in the renderer too, so the
// host's facts come in as arguments instead of from node:os and node:path.

/** The embedded service's SQLite file inside the user-data folder. */
export const EMBEDDED_DATABASE_FILE = 'settlement.sqlite';
/** The demo's market simulator's folder (its keys, certificate, control file) inside the user-data folder. */
export const MARKET_SIM_FOLDER = 'market-sim';
/** In that folder: what the simulator hands the bank (src-shared/api/market-sim.ts, SimBankLink). */
export const SIM_BANK_LINK_FILE = 'bank-link.json';
/** In that folder: a running simulator's URL and control token (SimControlFile), 0600. */
export const SIM_CONTROL_FILE = 'control.json';

export interface HostFacts {
  platform: string;
  env: Readonly<Record<string, string | undefined>>;
  home: string;
  /** node:path's join, so that paths are normalised exactly as the rest of the process does. */
  join: (...parts: string[]) => string;
}

/**
 * Electron's app.getPath('userData') for SettleKey, which the browser shell and
 * the bank's tools share; SETTLEKEY_HOME overrides it (tests point it at a
 * temporary folder).
 */
export function userDataDirOn({ platform, env, home, join }: HostFacts): string {
  if (env.SETTLEKEY_HOME) return env.SETTLEKEY_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'SettleKey');
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'SettleKey');
  return join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'SettleKey');
}

/** The database a command line uses without --db: SETTLEKEY_DB, else the embedded default's file. */
export function defaultDatabaseOn(host: HostFacts): string {
  return host.env.SETTLEKEY_DB ?? host.join(userDataDirOn(host), EMBEDDED_DATABASE_FILE);
}
