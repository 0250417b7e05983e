// The SM2 CA's key store over SKF: a bank's SM2 HSM through its vendor's SKF
// library, or — in the demo, the tests and the bank stack — SettleKey's SKF
// simulator standing in for one, in a device folder of the service's own that
// no user's token list shows. The CA signs rarely (a certificate, a CRL), so
// the calls run on the service's thread; signing itself runs on koffi's.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../src-shared/errors';
import { SETTLEKEY_APPLICATION, SkfDriver, skfSlotId, type SkfSession } from '../../src-token/skf-driver';
import { skfSimulatorLibrary } from '../../src-token/skf-libraries';
import type { Sm2Point } from '../../src-token/sm2';
import type { Sm2KeyStore, Sm2KeyStoreKind } from './sm2-ca';
import { secretFile } from './demo-hsm';
import { readSecretFile } from './settings';

export interface Sm2HsmSettings {
  /** The SKF library of the SM2 HSM. */
  library: string;
  /** The device name SKF_EnumDev lists (the simulator also takes its folder's absolute path). */
  device: string;
  pin: string;
  /** The demo's stand-in (the simulator), not a bank's HSM. */
  demo?: boolean;
  /** The demo only: make the simulator's device, its application and PINs when missing. */
  create?: { adminPin: string };
}

/** The settings a bank gives for its SM2 HSM, as a refusal names them. */
export const SM2_HSM_SETTING_NAMES =
  'SETTLEKEY_SM2_HSM_LIBRARY, SETTLEKEY_SM2_HSM_DEVICE, SETTLEKEY_SM2_HSM_PIN or SETTLEKEY_SM2_HSM_PIN_FILE';

/** The SM2 HSM the environment names; null when it names none. A partial setting is an error, not "none". */
export function sm2HsmSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): Sm2HsmSettings | null {
  const library = env.SETTLEKEY_SM2_HSM_LIBRARY?.trim();
  const device = env.SETTLEKEY_SM2_HSM_DEVICE?.trim();
  const pin = env.SETTLEKEY_SM2_HSM_PIN;
  const pinFile = env.SETTLEKEY_SM2_HSM_PIN_FILE?.trim();
  if (!library && !device && !pin && !pinFile) return null;
  const missing = [
    ...(library ? [] : ['SETTLEKEY_SM2_HSM_LIBRARY']),
    ...(device ? [] : ['SETTLEKEY_SM2_HSM_DEVICE']),
    ...(pin || pinFile ? [] : ['SETTLEKEY_SM2_HSM_PIN or SETTLEKEY_SM2_HSM_PIN_FILE']),
  ];
  if (missing.length > 0) throw new AppError('BANK_HSM_SETTING_MISSING', { missing: missing.join(', ') });
  if (pin && pinFile) throw new AppError('BANK_HSM_PIN_TWICE');
  return { library: library!, device: device!, pin: pin ?? readSecretFile(pinFile!) };
}

/** An SKF PIN is at most 16 characters on most devices: 8 random bytes as hex. */
const SKF_PIN_BYTES = 8;

/** The demo's stand-in SM2 HSM in the data folder (sm2-hsm/); null where the simulator is not built. */
export function demoSm2HsmSettings(dataDir: string, env: NodeJS.ProcessEnv = process.env): Sm2HsmSettings | null {
  const library = skfSimulatorLibrary(env);
  if (!library) return null;
  const dir = join(dataDir, 'sm2-hsm');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return {
    library,
    device: join(dir, 'device'),
    demo: true,
    pin: secretFile(join(dir, 'user.pin'), SKF_PIN_BYTES),
    create: { adminPin: secretFile(join(dir, 'admin.pin'), SKF_PIN_BYTES) },
  };
}

export class SkfSm2KeyStore implements Sm2KeyStore {
  readonly kind: Sm2KeyStoreKind;
  readonly where: string;
  private readonly slotId: string;

  private constructor(
    private readonly driver: SkfDriver,
    private readonly settings: Sm2HsmSettings,
  ) {
    this.kind = settings.demo ? 'demo-skf' : 'skf';
    this.slotId = skfSlotId(settings.device);
    this.where = `SKF ${settings.library} device ${settings.device}`;
  }

  static open(settings: Sm2HsmSettings): SkfSm2KeyStore {
    const driver = new SkfDriver(settings.library);
    driver.load();
    try {
      const store = new SkfSm2KeyStore(driver, settings);
      store.ensureDevice();
      return store;
    } catch (error) {
      driver.close();
      throw error;
    }
  }

  /** The demo's device, made once: a blank simulator device, then its application with both PINs. */
  private ensureDevice(): void {
    const create = this.settings.create;
    if (!create) return;
    if (!existsSync(this.settings.device)) {
      try {
        this.driver.createDevice(this.settings.device, `SM2HSM${randomBytes(4).toString('hex').toUpperCase()}`);
      } catch (error) {
        if (!existsSync(this.settings.device)) throw error; // another instance made it first
      }
    }
    // The simulator keeps an application as <device>/<name>/app.conf.
    const issued = () => existsSync(join(this.settings.device, SETTLEKEY_APPLICATION, 'app.conf'));
    if (!issued()) {
      try {
        this.driver.initApplication(this.slotId, SETTLEKEY_APPLICATION, create.adminPin, this.settings.pin, 10);
      } catch (error) {
        if (!issued()) throw error;
      }
    }
  }

  private session<T>(work: (s: SkfSession) => Promise<T>): Promise<T> {
    return this.driver.withLogin(this.slotId, this.settings.pin, work);
  }

  async generate(label: string): Promise<{ ref: string; point: Sm2Point }> {
    // The label's gist and a random tail, unique per key; its hex (the ref) fits key_ref's 100 characters.
    const name = `${label.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 30)}-${randomBytes(6).toString('hex')}`;
    const made = await this.session((s) => this.driver.generateKeyPair(s, name));
    return { ref: made.keyId, point: { x: made.x, y: made.y } };
  }

  async publicKey(ref: string): Promise<Sm2Point | null> {
    try {
      const key = await this.session((s) => this.driver.publicKey(s, ref));
      return { x: key.x, y: key.y };
    } catch (error) {
      if (error instanceof AppError && error.code === 'TOKEN_KEY_NOT_FOUND') return null;
      throw error;
    }
  }

  async sign(ref: string, data: Uint8Array): Promise<Uint8Array> {
    return this.session((s) => this.driver.signSm2(s, ref, Buffer.from(data)));
  }

  async close(): Promise<void> {
    this.driver.close();
  }
}
