// Everything SettleKey does with an SKF (GM/T 0016) library: the Chinese
// banks' USB-KEYs (Longmai, Feitian, Haitai … each ships one) and SettleKey's
// own simulator (native/skf-soft), through the same calls. SM2 keys, SM3
// digests with the signer's Z (GM/T 0009, ID 1234567812345678), raw r‖s out.
//
// The shape follows Pkcs11Driver where it fits: a slot is a device
// ("skf:<device name>"), a key pair is a container (keyId = the container's
// name in hex), the PIN is the user PIN of the device's first application.
// Loaded only where blocking does not matter (the token host, the bank
// counter); signing and key generation still run on koffi's worker threads.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { AppError } from '../src-shared/errors';
import type { PinState, TokenCertificate, TokenInfo } from '../src-shared/token';
import { ECC_PUBLIC_KEY_BLOB_SIZE, SECURE_ANYONE_ACCOUNT, SGD_SM3, SkfApi, USER_TYPE, type SkfHandle } from './skf-api';
import { certificateFields } from './pkcs11-driver';
import { pinStateFromCounts, SAR, SkfCallError, toSkfError } from './skf-errors';

export const SKF_SLOT_PREFIX = 'skf:';
/** The application provisioning creates; an issued device may carry a vendor's instead (the first one is used). */
export const SETTLEKEY_APPLICATION = 'SettleKey';
/** The signer ID of GM/T 0009 that banks use. */
export const SM2_SIGNER_ID = '1234567812345678';

export function skfSlotId(deviceName: string): string {
  return SKF_SLOT_PREFIX + deviceName;
}

export function isSkfSlot(slotId: string): boolean {
  return slotId.startsWith(SKF_SLOT_PREFIX);
}

function deviceNameOf(slotId: string): string {
  if (!isSkfSlot(slotId) || slotId.length === SKF_SLOT_PREFIX.length) throw new AppError('TOKEN_NOT_PRESENT');
  return slotId.slice(SKF_SLOT_PREFIX.length);
}

/** A container's name as a keyId (hex of its UTF-8), so it passes SignWith's hex rule. */
export function keyIdOf(containerName: string): string {
  return Buffer.from(containerName, 'utf8').toString('hex');
}

export function containerNameOf(keyId: string): string {
  if (!/^([0-9a-f]{2})+$/i.test(keyId)) throw new AppError('TOKEN_KEY_NOT_FOUND', { keyId });
  return Buffer.from(keyId, 'hex').toString('utf8');
}

/** An SM2 public key: the affine coordinates, 32 bytes each. */
export interface Sm2PublicKey {
  x: Buffer;
  y: Buffer;
}

/** The coordinates from an ECCPUBLICKEYBLOB (256-bit values right-aligned in 64-byte fields). */
export function pointFromBlob(blob: Buffer): Sm2PublicKey {
  if (blob.length < ECC_PUBLIC_KEY_BLOB_SIZE || blob.readUInt32LE(0) !== 256) {
    throw new AppError('TOKEN_MECHANISM_UNSUPPORTED');
  }
  return { x: Buffer.from(blob.subarray(36, 68)), y: Buffer.from(blob.subarray(100, 132)) };
}

/** One logged-in application; the PIN is not kept once SKF_VerifyPIN has it. */
export interface SkfSession {
  slotId: string;
  device: string;
  application: string;
  dev: SkfHandle;
  app: SkfHandle;
}

export interface SkfPinInfo {
  max: number;
  remaining: number;
  /** Still the PIN the bank set: the holder should change it. */
  isDefault: boolean;
  state: PinState;
}

export class SkfDriver {
  private api: SkfApi | null = null;
  /** Sessions open right now: unloading the library under one would pull it away. */
  private openSessions = 0;

  constructor(readonly libraryPath: string) {}

  /** Loads the library: a failure names the path and the likely cause (TOKEN_MODULE_LOAD_FAILED). */
  load(): void {
    if (!this.api) this.api = new SkfApi(this.libraryPath);
  }

  get busy(): boolean {
    return this.openSessions > 0;
  }

  /** Whether the library is SettleKey's simulator (it can make devices). */
  get isSimulator(): boolean {
    return this.lib.isSimulator;
  }

  close(): void {
    const api = this.api;
    this.api = null;
    try {
      api?.unload();
    } catch {
      /* ignore */
    }
  }

  private get lib(): SkfApi {
    if (!this.api) {
      throw new AppError('TOKEN_MODULE_LOAD_FAILED', { path: this.libraryPath, cause: 'not loaded / 未加载' });
    }
    return this.api;
  }

  // ---------------------------------------------------------------- devices

  private connect(slotId: string): { dev: SkfHandle; device: string } {
    const device = deviceNameOf(slotId);
    try {
      // An absolute path is the simulator's unlisted device (a service's own): ConnectDev alone says if it is there.
      if (!device.startsWith('/') && !this.lib.enumDev().includes(device)) throw new AppError('TOKEN_NOT_PRESENT');
      return { dev: this.lib.connectDev(device), device };
    } catch (error) {
      throw toSkfError(error);
    }
  }

  private disconnect(dev: SkfHandle): void {
    try {
      this.lib.disconnectDev(dev);
    } catch {
      /* the device may be gone */
    }
  }

  private closeApplication(app: SkfHandle): void {
    try {
      this.lib.closeApplication(app);
    } catch {
      /* the device may be gone */
    }
  }

  /** The device's first application; a device without one has not been issued. */
  private firstApplication(dev: SkfHandle): string {
    const [name] = this.lib.enumApplication(dev);
    if (name === undefined) throw new AppError('TOKEN_FUNCTION_FAILED', { ckr: 'SAR_APPLICATION_NOT_EXISTS' });
    return name;
  }

  /** Opens the device and its first application for `work`, and closes both whatever happens. */
  private withApplication<T>(slotId: string, work: (dev: SkfHandle, app: SkfHandle, name: string) => T): T {
    const { dev } = this.connect(slotId);
    let app: SkfHandle | null = null;
    try {
      const name = this.firstApplication(dev);
      app = this.lib.openApplication(dev, name);
      return work(dev, app, name);
    } catch (error) {
      throw toSkfError(error);
    } finally {
      if (app !== null) this.closeApplication(app);
      this.disconnect(dev);
    }
  }

  /** Present devices that have been issued (they have an application); pulled-out ones are not listed. */
  tokens(): TokenInfo[] {
    const out: TokenInfo[] = [];
    for (const device of this.lib.enumDev()) {
      try {
        const slotId = skfSlotId(device);
        const info = this.withApplication(slotId, (dev, app) => ({
          device: this.lib.getDevInfo(dev),
          pin: this.lib.getPinInfo(app, USER_TYPE),
        }));
        out.push({
          slotId,
          kind: 'skf',
          label: info.device.label || device,
          serial: info.device.serial,
          manufacturer: info.device.manufacturer,
          model: device,
          pinState: pinStateFromCounts(info.pin.remaining, info.pin.max),
        });
      } catch {
        // a blank device, or one pulled out while we asked: not in the list
      }
    }
    return out;
  }

  /** Present devices with no application yet (for the counter's issuance). */
  uninitializedSlots(): string[] {
    return this.lib.enumDev().flatMap((device) => {
      let dev: SkfHandle | null = null;
      try {
        dev = this.lib.connectDev(device);
        return this.lib.enumApplication(dev).length === 0 ? [skfSlotId(device)] : [];
      } catch {
        return [];
      } finally {
        if (dev !== null) this.disconnect(dev);
      }
    });
  }

  /**
   * The signing certificates in the containers, read without a PIN. A
   * certificate pairs when its container's signing public key is the one the
   * certificate certifies.
   */
  certificates(slotId: string): TokenCertificate[] {
    return this.withApplication(slotId, (_dev, app) =>
      this.lib.enumContainer(app).flatMap((name) => {
        const con = this.lib.openContainer(app, name);
        try {
          let der: Buffer;
          try {
            der = this.lib.exportCertificate(con, true);
          } catch (error) {
            if (error instanceof SkfCallError && error.code === SAR.SAR_CERTNOTFOUNTERR) return [];
            throw error;
          }
          let key: Sm2PublicKey | null = null;
          try {
            key = pointFromBlob(this.lib.exportPublicKey(con, true));
          } catch {
            // no signing key in the container
          }
          return [describeSm2Certificate(slotId, keyIdOf(name), name, der, key)];
        } finally {
          this.closeContainerQuietly(con);
        }
      }),
    );
  }

  // --------------------------------------------------------------- sessions

  /**
   * Verifies the user PIN for the duration of `work`, then clears the security
   * state and closes, whatever happens. A wrong PIN is reported with what the
   * device says is left; a locked PIN is refused (SKF refuses even the right one).
   */
  async withLogin<T>(slotId: string, pin: string, work: (s: SkfSession) => Promise<T>): Promise<T> {
    const session = this.login(slotId, pin);
    try {
      return await work(session);
    } catch (error) {
      throw toSkfError(error);
    } finally {
      this.logout(session);
    }
  }

  /** The application opened and the user PIN verified, left so until `logout` (a held login keeps this, not the PIN). */
  login(slotId: string, pin: string): SkfSession {
    const { dev, device } = this.connect(slotId);
    this.openSessions += 1;
    let app: SkfHandle | null = null;
    try {
      const application = this.firstApplication(dev);
      app = this.lib.openApplication(dev, application);
      this.lib.verifyPin(app, USER_TYPE, pin);
      return { slotId, device, application, dev, app };
    } catch (error) {
      this.endSession(dev, app);
      throw toSkfError(error);
    }
  }

  logout(s: SkfSession): void {
    this.endSession(s.dev, s.app);
  }

  /** Whether a held application still answers: a device pulled out fails every call on its handles. */
  alive(s: SkfSession): boolean {
    try {
      this.lib.getDevInfo(s.dev);
      // A device named by its absolute path (the simulator's unlisted one) is not enumerated.
      return s.device.startsWith('/') || this.lib.enumDev().includes(s.device);
    } catch {
      return false;
    }
  }

  private endSession(dev: SkfHandle, app: SkfHandle | null): void {
    if (app !== null) {
      try {
        this.lib.clearSecureState(app);
      } catch {
        /* the device may be gone */
      }
      this.closeApplication(app);
    }
    this.disconnect(dev);
    this.openSessions = Math.max(0, this.openSessions - 1);
  }

  private closeContainerQuietly(con: SkfHandle): void {
    try {
      this.lib.closeContainer(con);
    } catch {
      /* the device may be gone */
    }
  }

  /** Runs `work` on the container keyId names; none by that name is TOKEN_KEY_NOT_FOUND. */
  private async withContainer<T>(s: SkfSession, keyId: string, work: (con: SkfHandle) => Promise<T> | T): Promise<T> {
    let con: SkfHandle | null = null;
    try {
      const name = containerNameOf(keyId);
      if (!this.lib.enumContainer(s.app).includes(name)) throw new AppError('TOKEN_KEY_NOT_FOUND', { keyId });
      con = this.lib.openContainer(s.app, name);
      return await work(con);
    } catch (error) {
      throw toSkfError(error, keyId);
    } finally {
      if (con !== null) this.closeContainerQuietly(con);
    }
  }

  /** The container's signing public key. */
  publicKey(s: SkfSession, keyId: string): Promise<Sm2PublicKey> {
    return this.withContainer(s, keyId, (con) => pointFromBlob(this.lib.exportPublicKey(con, true)));
  }

  /**
   * SM2 signature of `message` as GM/T 0009 makes it: the device hashes
   * SM3(Z ‖ M), Z from the container's public key and the ID 1234567812345678,
   * and signs that digest. Returns r ‖ s, 32 bytes each.
   */
  signSm2(s: SkfSession, keyId: string, message: Buffer): Promise<Buffer> {
    return this.withContainer(s, keyId, async (con) => {
      const publicKeyBlob = this.lib.exportPublicKey(con, true);
      pointFromBlob(publicKeyBlob); // an SM2 (256-bit) key, or refused
      const hash = this.lib.digestInit(s.dev, SGD_SM3, publicKeyBlob, Buffer.from(SM2_SIGNER_ID, 'ascii'));
      let digest: Buffer;
      try {
        digest = await this.lib.digestAsync(hash, message);
      } finally {
        try {
          this.lib.closeHandle(hash);
        } catch {
          /* the device may be gone */
        }
      }
      const signature = await this.lib.eccSignDataAsync(con, digest);
      return Buffer.concat([signature.subarray(32, 64), signature.subarray(96, 128)]);
    });
  }

  /** A new container holding a new SM2 signing key pair made on the device. */
  async generateKeyPair(s: SkfSession, containerName: string): Promise<{ keyId: string } & Sm2PublicKey> {
    let con: SkfHandle | null = null;
    try {
      con = this.lib.createContainer(s.app, containerName);
      const blob = await this.lib.genEccKeyPairAsync(con);
      return { keyId: keyIdOf(containerName), ...pointFromBlob(blob) };
    } catch (error) {
      throw toSkfError(error);
    } finally {
      if (con !== null) this.closeContainerQuietly(con);
    }
  }

  /** Puts the signing certificate into the container keyId names. */
  async writeCertificate(s: SkfSession, keyId: string, der: Buffer): Promise<void> {
    await this.withContainer(s, keyId, (con) => this.lib.importCertificate(con, true, der));
  }

  /** Changes the user PIN; a wrong old PIN counts as any wrong PIN. */
  changePin(slotId: string, oldPin: string, newPin: string): void {
    this.withApplication(slotId, (_dev, app) => this.lib.changePin(app, USER_TYPE, oldPin, newPin));
  }

  /** The user PIN's tries, read without a PIN. */
  pinInfo(slotId: string): SkfPinInfo {
    return this.withApplication(slotId, (_dev, app) => {
      const info = this.lib.getPinInfo(app, USER_TYPE);
      return { ...info, state: pinStateFromCounts(info.remaining, info.max) };
    });
  }

  /** The bank counter's unlock: the admin PIN (counted too) sets a new user PIN with all its tries. */
  unblockPin(slotId: string, adminPin: string, newUserPin: string): void {
    this.withApplication(slotId, (_dev, app) => this.lib.unblockPin(app, adminPin, newUserPin));
  }

  // ------------------------------------------------------------ provisioning

  /** The simulator's blank "inserted" device; a vendor's library has no such call. */
  createDevice(name: string, serial: string): string {
    if (!this.lib.isSimulator) {
      throw new AppError('TOKEN_FUNCTION_FAILED', {
        ckr: 'SKFSOFT_CreateDevice: only the SettleKey SKF simulator makes devices; a real USB-KEY is plugged in',
      });
    }
    try {
      this.lib.createDevice(name, serial);
    } catch (error) {
      throw toSkfError(error);
    }
    return skfSlotId(name);
  }

  /**
   * Creates the application with its admin and user PINs, each with `retries`
   * tries. (A real device asks SKF_DevAuth first, with the vendor's device key:
   * that is the vendor's issuing tool's business, not SettleKey's.)
   */
  initApplication(slotId: string, appName: string, adminPin: string, userPin: string, retries: number): void {
    const { dev } = this.connect(slotId);
    try {
      const app = this.lib.createApplication(dev, appName, adminPin, retries, userPin, retries, SECURE_ANYONE_ACCOUNT);
      this.closeApplication(app);
    } catch (error) {
      throw toSkfError(error);
    } finally {
      this.disconnect(dev);
    }
  }
}

/**
 * What the renderer shows of an SM2 certificate, read from fields that need no
 * key: WebCrypto (and so describeCertificate in pkcs11-driver.ts) has no SM2.
 */
export function describeSm2Certificate(
  slotId: string,
  keyId: string,
  label: string,
  der: Buffer,
  containerKey: Sm2PublicKey | null,
): TokenCertificate {
  const cert = new x509.X509Certificate(new Uint8Array(der));
  // An SM2 SubjectPublicKeyInfo ends with its BIT STRING's point 04 ‖ x ‖ y.
  const point = Buffer.from(cert.publicKey.rawData).subarray(-65);
  const paired =
    containerKey !== null &&
    point[0] === 0x04 &&
    point.equals(Buffer.concat([Buffer.of(4), containerKey.x, containerKey.y]));
  return {
    ...certificateFields(slotId, keyId, label, cert),
    keyType: 'sm2',
    paired,
    pairingProblem: paired ? 'none' : 'noKey',
  };
}
