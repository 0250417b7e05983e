// The bank's HSM in service tests: a SoftHSM2 of the test file's own (vitest
// runs each file in its own process, and a PKCS#11 library is one per process),
// one token initialised by the service's HSM worker at its first start; every
// harness in the file makes its own CA and document keys on it. Child
// processes (a service started as its CLI) reach the same token through env().
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { HsmSettings } from '../../src-service/bank-keys/settings';
import { softHsmConfIn } from '../../src-token/softhsm-conf';
import { SOFTHSM_MODULE } from './softhsm';

export const BANK_HSM_TOKEN = 'SK test bank';
const PIN = '24681357';

interface BankHsm {
  dir: string;
  conf: string;
  pinFile: string;
}

let shared: BankHsm | null = null;

const ROOT = join(tmpdir(), 'sk-bank-hsm');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function bankHsm(): BankHsm {
  if (shared) return shared;
  mkdirSync(ROOT, { recursive: true });
  // Vitest ends its worker processes without their exit handlers: the folders of
  // processes that are gone are removed by the next one.
  for (const name of readdirSync(ROOT)) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && !alive(pid)) rmSync(join(ROOT, name), { recursive: true, force: true });
  }
  const dir = mkdtempSync(join(ROOT, `${process.pid}-`));
  const conf = softHsmConfIn(dir);
  const pinFile = join(dir, 'bank.pin');
  writeFileSync(pinFile, `${PIN}\n`, { mode: 0o600 });
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  shared = { dir, conf, pinFile };
  return shared;
}

/** The settings the harness hands the service (initialising the token the first time). */
export function testBankHsm(): HsmSettings {
  const { conf } = bankHsm();
  return { module: SOFTHSM_MODULE, tokenLabel: BANK_HSM_TOKEN, pin: PIN, softhsmConf: conf, initSoPin: '87654321' };
}

/** The environment a service process needs to use the same token: the production settings. */
export function bankHsmEnv(): NodeJS.ProcessEnv {
  const { conf, pinFile } = bankHsm();
  return {
    SOFTHSM2_CONF: conf,
    SETTLEKEY_HSM_MODULE: SOFTHSM_MODULE,
    SETTLEKEY_HSM_TOKEN: BANK_HSM_TOKEN,
    SETTLEKEY_HSM_PIN_FILE: pinFile,
  };
}
