// A SoftHSM2 of the test's own: a configuration and a token folder in a
// temporary directory, so test files (and the host processes they start) never
// see each other's tokens.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pkcs11Driver } from '../../src-token/pkcs11-driver';
import { softHsmConfIn } from '../../src-token/softhsm-conf';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const TEST_PIN = '123456';
export const TEST_SO_PIN = '12345678';

/** CKA_OS_TOKENFLAGS in SoftHSM2's file store: the attribute type, then kind 2 (CK_ULONG), then 8 bytes. */
const TOKEN_FLAGS_TAG = Buffer.from('00000000800053 4b0000000000000002'.replace(/ /g, ''), 'hex');

export class SoftHsm {
  readonly dir = mkdtempSync(join(tmpdir(), 'sk-softhsm-'));
  readonly tokens = join(this.dir, 'tokens');
  readonly conf = softHsmConfIn(this.dir);

  env(): NodeJS.ProcessEnv {
    return { ...process.env, SOFTHSM2_CONF: this.conf };
  }

  /** A driver in this process, on this SoftHSM. Close it before patching files. */
  driver(): Pkcs11Driver {
    process.env.SOFTHSM2_CONF = this.conf;
    const driver = new Pkcs11Driver(SOFTHSM_MODULE);
    driver.load();
    return driver;
  }

  /** Initialises a new token on the free slot and returns its slot id. */
  initToken(label: string, pin = TEST_PIN, soPin = TEST_SO_PIN): string {
    const driver = this.driver();
    try {
      driver.initToken(driver.uninitializedSlots()[0], label, soPin, pin);
      driver.reinitialize();
      const token = driver.tokens().find((t) => t.label === label);
      if (!token) throw new Error(`token ${label} did not appear`);
      return token.slotId;
    } finally {
      driver.close();
    }
  }

  private tokenDirOf(label: string): string {
    for (const name of readdirSync(this.tokens)) {
      const file = join(this.tokens, name, 'token.object');
      if (existsSync(file) && readFileSync(file).includes(Buffer.from(label.padEnd(32, ' '))))
        return join(this.tokens, name);
    }
    throw new Error(`no token labelled ${label}`);
  }

  /** Takes the token away, as pulling the USB-KEY out would. */
  removeToken(label: string): void {
    rmSync(this.tokenDirOf(label), { recursive: true, force: true });
  }

  /**
   * Sets PIN flags in the token's stored flags, as a token that counts tries
   * would: SoftHSM2 itself only ever raises CKF_USER_PIN_COUNT_LOW. The library
   * must not have the token open (it re-reads the file at C_Initialize).
   */
  setTokenFlags(label: string, bits: number): void {
    const file = join(this.tokenDirOf(label), 'token.object');
    const data = readFileSync(file);
    const at = data.indexOf(TOKEN_FLAGS_TAG);
    if (at < 0) throw new Error('token flags not found in the SoftHSM2 object file');
    const offset = at + TOKEN_FLAGS_TAG.length;
    data.writeBigUInt64BE(data.readBigUInt64BE(offset) | BigInt(bits), offset);
    writeFileSync(file, data);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
