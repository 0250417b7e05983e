// A SoftHSM2 of one's own: a configuration whose token folder sits in a given
// folder, so the demo's user tokens, the bank's demo HSM and each test never
// see each other's tokens. SoftHSM2 finds it through SOFTHSM2_CONF.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Makes (once) `dir/tokens` and `dir/softhsm2.conf`, both private to this user; returns the conf's path. */
export function softHsmConfIn(dir: string): string {
  const tokens = join(dir, 'tokens');
  mkdirSync(tokens, { recursive: true, mode: 0o700 });
  const conf = join(dir, 'softhsm2.conf');
  if (!existsSync(conf)) {
    writeFileSync(
      conf,
      `directories.tokendir = ${tokens}\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n`,
      { mode: 0o600 },
    );
  }
  return conf;
}
