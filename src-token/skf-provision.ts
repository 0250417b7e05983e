// Issuing an SM2 USB-KEY over SKF, as the token host (the demo, a user's
// renewal) and the bank counter's CLI both do it: a blank device issued first
// (the SettleKey application with its admin and user PINs) — on the simulator a
// new device is made, since a real one is plugged in — then the key made in a
// container and its request signed there. Neither PIN is kept.
import { randomBytes } from 'node:crypto';
import { AppError } from '../src-shared/errors';
import type { SubjectName } from './pkcs11-driver';
import { SETTLEKEY_APPLICATION, type SkfDriver } from './skf-driver';
import { buildSm2Csr } from './sm2-x509';

/** PIN tries of an SKF application the demo and the counter issue (GM/T 0016 leaves it to the issuer). */
export const SKF_PIN_RETRIES = 6;

export interface Sm2Issuance {
  /** An issued device to put the key on; null: issue a blank one (or, on the simulator, a new one) with `init`. */
  slotId: string | null;
  init?: { label: string; soPin: string };
  userPin: string;
  subject: SubjectName;
  /** The container's name; default the holder's. */
  container?: string;
}

/** The libraries' blank devices, or the simulator's new one: where an issuance with `init` goes. */
export function blankSkfDevice(drivers: readonly SkfDriver[], label: string): { driver: SkfDriver; slotId: string } {
  for (const driver of drivers) {
    const blank = driver.uninitializedSlots()[0];
    if (blank) return { driver, slotId: blank };
  }
  const simulator = drivers.find((d) => d.isSimulator);
  if (!simulator) throw new AppError('TOKEN_NOT_PRESENT');
  // The device's name is its label ("SK <login name>"), as a SoftHSM2 token's label is.
  const device = label.replace(/[/\\]/g, '-').slice(0, 31);
  return {
    driver: simulator,
    slotId: simulator.createDevice(device, `SKF${randomBytes(5).toString('hex').toUpperCase()}`),
  };
}

export async function issueSm2Key(
  driver: SkfDriver,
  slotId: string,
  args: Omit<Sm2Issuance, 'slotId'> & { newDevice: boolean },
): Promise<{ slotId: string; keyId: string; csrPem: string }> {
  if (args.newDevice) {
    if (!args.init) throw new AppError('TOKEN_NOT_PRESENT');
    driver.initApplication(slotId, SETTLEKEY_APPLICATION, args.init.soPin, args.userPin, SKF_PIN_RETRIES);
  }
  return driver.withLogin(slotId, args.userPin, async (session) => {
    const container = (args.container ?? args.subject.commonName).slice(0, 64);
    const key = await driver.generateKeyPair(session, container);
    const csrPem = await buildSm2Csr({ x: key.x, y: key.y }, args.subject, (tbs) =>
      driver.signSm2(session, key.keyId, Buffer.from(tbs)),
    );
    return { slotId, keyId: key.keyId, csrPem };
  });
}
