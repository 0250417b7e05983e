// The GM/T 0016 (SKF) functions SettleKey calls, declared once for koffi, in
// the standard's signatures (native/skf-soft/skfapi.h is the same subset in C):
// ULONG = uint32_t, BOOL = int32_t, handles = void * (bigint in koffi 3).
// Structures travel as Buffers of the standard's layout; DEVINFO is read only
// in its leading character fields, which lie at the same offsets whether a
// vendor packs the structure or not. Every non-zero return becomes an
// SkfCallError, which skf-errors.ts turns into an AppError.
import { promisify } from 'node:util';
import koffi, { type LibraryHandle } from 'koffi';
import { AppError } from '../src-shared/errors';
import { explainLoadFailure } from './module-paths';
import { SAR, SkfCallError } from './skf-errors';

export type SkfHandle = bigint;

export const SGD_SM3 = 0x00000001;
export const SGD_SM2_1 = 0x00020100;
export const ADMIN_TYPE = 0;
export const USER_TYPE = 1;
export const SECURE_ANYONE_ACCOUNT = 0x000000ff;
export const SECURE_USER_ACCOUNT = 0x00000010;

/** ECCPUBLICKEYBLOB: ULONG BitLen, BYTE XCoordinate[64], BYTE YCoordinate[64]. */
export const ECC_PUBLIC_KEY_BLOB_SIZE = 4 + 64 + 64;
/** ECCSIGNATUREBLOB: BYTE r[64], BYTE s[64]. */
export const ECC_SIGNATURE_BLOB_SIZE = 64 + 64;
/** DEVINFO: 296 bytes aligned, 294 packed; the buffer has room for either. */
const DEVINFO_SIZE = 512;
/** Offsets in DEVINFO: VERSION (2 bytes), Manufacturer[64], Issuer[64], Label[32], SerialNumber[32]. */
const DEVINFO_FIELDS = { manufacturer: [2, 64], issuer: [66, 64], label: [130, 32], serial: [162, 32] } as const;

const PROTOTYPES = {
  SKF_EnumDev: 'uint32_t SKF_EnumDev(int32_t bPresent, uint8_t *szNameList, _Inout_ uint32_t *pulSize)',
  SKF_ConnectDev: 'uint32_t SKF_ConnectDev(const char *szName, _Out_ void **phDev)',
  SKF_DisConnectDev: 'uint32_t SKF_DisConnectDev(void *hDev)',
  SKF_GetDevInfo: 'uint32_t SKF_GetDevInfo(void *hDev, uint8_t *pDevInfo)',
  SKF_SetLabel: 'uint32_t SKF_SetLabel(void *hDev, const char *szLabel)',
  SKF_EnumApplication: 'uint32_t SKF_EnumApplication(void *hDev, uint8_t *szAppName, _Inout_ uint32_t *pulSize)',
  SKF_CreateApplication:
    'uint32_t SKF_CreateApplication(void *hDev, const char *szAppName, const char *szAdminPin, uint32_t dwAdminPinRetryCount, const char *szUserPin, uint32_t dwUserPinRetryCount, uint32_t dwCreateFileRights, _Out_ void **phApplication)',
  SKF_OpenApplication: 'uint32_t SKF_OpenApplication(void *hDev, const char *szAppName, _Out_ void **phApplication)',
  SKF_CloseApplication: 'uint32_t SKF_CloseApplication(void *hApplication)',
  SKF_VerifyPIN:
    'uint32_t SKF_VerifyPIN(void *hApplication, uint32_t ulPINType, const char *szPIN, _Out_ uint32_t *pulRetryCount)',
  SKF_ChangePIN:
    'uint32_t SKF_ChangePIN(void *hApplication, uint32_t ulPINType, const char *szOldPin, const char *szNewPin, _Out_ uint32_t *pulRetryCount)',
  SKF_GetPINInfo:
    'uint32_t SKF_GetPINInfo(void *hApplication, uint32_t ulPINType, _Out_ uint32_t *pulMaxRetryCount, _Out_ uint32_t *pulRemainRetryCount, _Out_ int32_t *pbDefaultPin)',
  SKF_UnblockPIN:
    'uint32_t SKF_UnblockPIN(void *hApplication, const char *szAdminPIN, const char *szNewUserPIN, _Out_ uint32_t *pulRetryCount)',
  SKF_ClearSecureState: 'uint32_t SKF_ClearSecureState(void *hApplication)',
  SKF_EnumContainer:
    'uint32_t SKF_EnumContainer(void *hApplication, uint8_t *szContainerName, _Inout_ uint32_t *pulSize)',
  SKF_CreateContainer:
    'uint32_t SKF_CreateContainer(void *hApplication, const char *szContainerName, _Out_ void **phContainer)',
  SKF_DeleteContainer: 'uint32_t SKF_DeleteContainer(void *hApplication, const char *szContainerName)',
  SKF_OpenContainer:
    'uint32_t SKF_OpenContainer(void *hApplication, const char *szContainerName, _Out_ void **phContainer)',
  SKF_CloseContainer: 'uint32_t SKF_CloseContainer(void *hContainer)',
  SKF_GetContainerType: 'uint32_t SKF_GetContainerType(void *hContainer, _Out_ uint32_t *pulContainerType)',
  SKF_ImportCertificate:
    'uint32_t SKF_ImportCertificate(void *hContainer, int32_t bSignFlag, const uint8_t *pbCert, uint32_t ulCertLen)',
  SKF_ExportCertificate:
    'uint32_t SKF_ExportCertificate(void *hContainer, int32_t bSignFlag, uint8_t *pbCert, _Inout_ uint32_t *pulCertLen)',
  SKF_GenECCKeyPair: 'uint32_t SKF_GenECCKeyPair(void *hContainer, uint32_t ulAlgId, uint8_t *pBlob)',
  SKF_ExportPublicKey:
    'uint32_t SKF_ExportPublicKey(void *hContainer, int32_t bSignFlag, uint8_t *pbBlob, _Inout_ uint32_t *pulBlobLen)',
  SKF_DigestInit:
    'uint32_t SKF_DigestInit(void *hDev, uint32_t ulAlgID, const uint8_t *pPubKey, const uint8_t *pbID, uint32_t ulIDLen, _Out_ void **phHash)',
  SKF_Digest:
    'uint32_t SKF_Digest(void *hHash, const uint8_t *pbData, uint32_t ulDataLen, uint8_t *pbHashData, _Inout_ uint32_t *pulHashLen)',
  SKF_CloseHandle: 'uint32_t SKF_CloseHandle(void *hHandle)',
  SKF_ECCSignData:
    'uint32_t SKF_ECCSignData(void *hContainer, const uint8_t *pbDigest, uint32_t ulDigestLen, uint8_t *pSignature)',
  SKF_ECCVerify:
    'uint32_t SKF_ECCVerify(void *hDev, const uint8_t *pECCPubKeyBlob, const uint8_t *pbData, uint32_t ulDataLen, const uint8_t *pSignature)',
} as const;

/** SettleKey's simulator only (native/skf-soft): not part of GM/T 0016. */
const SIMULATOR_PROTOTYPES = {
  SKFSOFT_CreateDevice: 'uint32_t SKFSOFT_CreateDevice(const char *name, const char *serial)',
} as const;

type FnName = keyof typeof PROTOTYPES;
type SimulatorFnName = keyof typeof SIMULATOR_PROTOTYPES;
type NativeFn = ReturnType<LibraryHandle['func']>;

export interface DeviceInfo {
  manufacturer: string;
  issuer: string;
  label: string;
  serial: string;
}

const cString = (buf: Buffer) => {
  const end = buf.indexOf(0);
  return buf.subarray(0, end < 0 ? buf.length : end).toString('utf8');
};

/** GM/T 0016's name lists: NUL-terminated names, one more NUL at the end (some vendors leave it out). */
export function parseNameList(buf: Buffer): string[] {
  return buf
    .toString('utf8')
    .split('\0')
    .filter((name) => name.length > 0);
}

/**
 * One loaded SKF library. Each method is one SKF call; the *Async ones run on
 * koffi's worker threads (a real USB-KEY takes 100 ms–1 s to sign or make a key).
 */
export class SkfApi {
  private readonly lib: LibraryHandle;
  private readonly fns: Record<FnName, NativeFn>;
  private readonly simulatorFns: Partial<Record<SimulatorFnName, NativeFn>>;

  constructor(readonly libraryPath: string) {
    try {
      // RTLD_DEEPBIND: the library's own dependencies (its libcrypto) come before the
      // process's symbols. Node exports the OpenSSL built into it, and Electron its
      // BoringSSL; without this a vendor library built against another libcrypto,
      // or the simulator against Debian's, would be bound to those.
      this.lib = koffi.load(libraryPath, { deep: true });
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new AppError('TOKEN_MODULE_LOAD_FAILED', {
        path: libraryPath,
        cause: explainLoadFailure(libraryPath, message),
      });
    }
    const fns: Partial<Record<FnName, NativeFn>> = {};
    try {
      for (const name of Object.keys(PROTOTYPES) as FnName[]) {
        try {
          fns[name] = this.lib.func(PROTOTYPES[name]);
        } catch {
          throw new AppError('TOKEN_MODULE_LOAD_FAILED', {
            path: libraryPath,
            cause:
              name === 'SKF_EnumDev'
                ? 'not an SKF library (no SKF_EnumDev) / 不是 SKF 库'
                : `an SKF library without ${name} / SKF 库缺少 ${name}`,
          });
        }
      }
    } catch (error) {
      this.lib.unload();
      throw error;
    }
    this.fns = fns as Record<FnName, NativeFn>;
    this.simulatorFns = {};
    for (const name of Object.keys(SIMULATOR_PROTOTYPES) as SimulatorFnName[]) {
      try {
        this.simulatorFns[name] = this.lib.func(SIMULATOR_PROTOTYPES[name]);
      } catch {
        // a vendor's library: no simulator functions
      }
    }
  }

  unload(): void {
    this.lib.unload();
  }

  private call(name: FnName, ...args: unknown[]): void {
    const rv = (this.fns[name] as (...a: unknown[]) => number)(...args);
    if (rv !== 0) throw new SkfCallError(name, rv);
  }

  private async callAsync(name: FnName, ...args: unknown[]): Promise<void> {
    const run = promisify(this.fns[name].async as (...a: unknown[]) => void) as (...a: unknown[]) => Promise<number>;
    const rv = await run(...args);
    if (rv !== 0) throw new SkfCallError(name, rv);
  }

  /** Functions that fill a list: asked for the size, then for the list (again if it grew meanwhile). */
  private nameList(name: 'SKF_EnumDev' | 'SKF_EnumApplication' | 'SKF_EnumContainer', first: unknown): string[] {
    for (let attempt = 0; ; attempt++) {
      const size = [0];
      this.call(name, first, null, size);
      if (size[0] === 0) return [];
      const buf = Buffer.alloc(size[0]);
      try {
        this.call(name, first, buf, size);
      } catch (error) {
        if (attempt < 2 && error instanceof SkfCallError && error.code === SAR.SAR_BUFFER_TOO_SMALL) continue;
        throw error;
      }
      return parseNameList(buf.subarray(0, Math.min(size[0], buf.length)));
    }
  }

  private outHandle(name: FnName, ...args: unknown[]): SkfHandle {
    const out: (SkfHandle | null)[] = [null];
    this.call(name, ...args, out);
    if (out[0] === null || out[0] === 0n) throw new SkfCallError(name, SAR.SAR_INVALIDHANDLEERR);
    return out[0];
  }

  enumDev(): string[] {
    return this.nameList('SKF_EnumDev', 1);
  }
  connectDev(name: string): SkfHandle {
    return this.outHandle('SKF_ConnectDev', name);
  }
  disconnectDev(dev: SkfHandle): void {
    this.call('SKF_DisConnectDev', dev);
  }
  getDevInfo(dev: SkfHandle): DeviceInfo {
    const buf = Buffer.alloc(DEVINFO_SIZE);
    this.call('SKF_GetDevInfo', dev, buf);
    const field = ([at, len]: readonly [number, number]) => cString(buf.subarray(at, at + len)).trim();
    return {
      manufacturer: field(DEVINFO_FIELDS.manufacturer),
      issuer: field(DEVINFO_FIELDS.issuer),
      label: field(DEVINFO_FIELDS.label),
      serial: field(DEVINFO_FIELDS.serial),
    };
  }
  setLabel(dev: SkfHandle, label: string): void {
    this.call('SKF_SetLabel', dev, label);
  }

  enumApplication(dev: SkfHandle): string[] {
    return this.nameList('SKF_EnumApplication', dev);
  }
  createApplication(
    dev: SkfHandle,
    name: string,
    adminPin: string,
    adminRetries: number,
    userPin: string,
    userRetries: number,
    createFileRights: number,
  ): SkfHandle {
    return this.outHandle(
      'SKF_CreateApplication',
      dev,
      name,
      adminPin,
      adminRetries,
      userPin,
      userRetries,
      createFileRights,
    );
  }
  openApplication(dev: SkfHandle, name: string): SkfHandle {
    return this.outHandle('SKF_OpenApplication', dev, name);
  }
  closeApplication(app: SkfHandle): void {
    this.call('SKF_CloseApplication', app);
  }

  /** A wrong PIN throws with the tries left (*pulRetryCount) and the maximum (SKF_GetPINInfo). */
  verifyPin(app: SkfHandle, type: number, pin: string): void {
    const retry = [0];
    const rv = (this.fns.SKF_VerifyPIN as (...a: unknown[]) => number)(app, type, pin, retry);
    if (rv !== 0) throw this.pinError('SKF_VerifyPIN', rv, app, type, retry[0]);
  }
  changePin(app: SkfHandle, type: number, oldPin: string, newPin: string): void {
    const retry = [0];
    const rv = (this.fns.SKF_ChangePIN as (...a: unknown[]) => number)(app, type, oldPin, newPin, retry);
    if (rv !== 0) throw this.pinError('SKF_ChangePIN', rv, app, type, retry[0]);
  }
  unblockPin(app: SkfHandle, adminPin: string, newUserPin: string): void {
    const retry = [0];
    const rv = (this.fns.SKF_UnblockPIN as (...a: unknown[]) => number)(app, adminPin, newUserPin, retry);
    if (rv !== 0) throw this.pinError('SKF_UnblockPIN', rv, app, ADMIN_TYPE, retry[0]);
  }
  private pinError(fn: FnName, rv: number, app: SkfHandle, type: number, remaining: number): SkfCallError {
    if (rv !== SAR.SAR_PIN_INCORRECT) return new SkfCallError(fn, rv);
    let max = remaining + 1;
    try {
      max = this.getPinInfo(app, type).max;
    } catch {
      /* the count alone: at least the one just used was there */
    }
    return new SkfCallError(fn, rv, { remaining, max });
  }
  getPinInfo(app: SkfHandle, type: number): { max: number; remaining: number; isDefault: boolean } {
    const max = [0];
    const remaining = [0];
    const isDefault = [0];
    this.call('SKF_GetPINInfo', app, type, max, remaining, isDefault);
    return { max: max[0], remaining: remaining[0], isDefault: isDefault[0] !== 0 };
  }
  clearSecureState(app: SkfHandle): void {
    this.call('SKF_ClearSecureState', app);
  }

  enumContainer(app: SkfHandle): string[] {
    return this.nameList('SKF_EnumContainer', app);
  }
  createContainer(app: SkfHandle, name: string): SkfHandle {
    return this.outHandle('SKF_CreateContainer', app, name);
  }
  deleteContainer(app: SkfHandle, name: string): void {
    this.call('SKF_DeleteContainer', app, name);
  }
  openContainer(app: SkfHandle, name: string): SkfHandle {
    return this.outHandle('SKF_OpenContainer', app, name);
  }
  closeContainer(container: SkfHandle): void {
    this.call('SKF_CloseContainer', container);
  }
  /** 0 empty, 1 RSA, 2 ECC (SM2). */
  getContainerType(container: SkfHandle): number {
    const type = [0];
    this.call('SKF_GetContainerType', container, type);
    return type[0];
  }
  importCertificate(container: SkfHandle, sign: boolean, der: Buffer): void {
    this.call('SKF_ImportCertificate', container, sign ? 1 : 0, der, der.length);
  }
  exportCertificate(container: SkfHandle, sign: boolean): Buffer {
    const size = [0];
    this.call('SKF_ExportCertificate', container, sign ? 1 : 0, null, size);
    const buf = Buffer.alloc(Math.max(size[0], 1));
    this.call('SKF_ExportCertificate', container, sign ? 1 : 0, buf, size);
    return buf.subarray(0, size[0]);
  }

  async genEccKeyPairAsync(container: SkfHandle): Promise<Buffer> {
    const blob = Buffer.alloc(ECC_PUBLIC_KEY_BLOB_SIZE);
    await this.callAsync('SKF_GenECCKeyPair', container, SGD_SM2_1, blob);
    return blob;
  }
  exportPublicKey(container: SkfHandle, sign: boolean): Buffer {
    const blob = Buffer.alloc(ECC_PUBLIC_KEY_BLOB_SIZE);
    const size = [blob.length];
    this.call('SKF_ExportPublicKey', container, sign ? 1 : 0, blob, size);
    return blob;
  }
  digestInit(dev: SkfHandle, alg: number, publicKeyBlob: Buffer | null, id: Buffer | null): SkfHandle {
    return this.outHandle('SKF_DigestInit', dev, alg, publicKeyBlob, id, id?.length ?? 0);
  }
  async digestAsync(hash: SkfHandle, data: Buffer): Promise<Buffer> {
    const out = Buffer.alloc(64);
    const size = [out.length];
    // An empty message still needs a pointer some libraries check for NULL.
    await this.callAsync('SKF_Digest', hash, data.length > 0 ? data : Buffer.alloc(1), data.length, out, size);
    return out.subarray(0, size[0]);
  }
  closeHandle(handle: SkfHandle): void {
    this.call('SKF_CloseHandle', handle);
  }
  async eccSignDataAsync(container: SkfHandle, digest: Buffer): Promise<Buffer> {
    const blob = Buffer.alloc(ECC_SIGNATURE_BLOB_SIZE);
    await this.callAsync('SKF_ECCSignData', container, digest, digest.length, blob);
    return blob;
  }
  eccVerify(dev: SkfHandle, publicKeyBlob: Buffer, digest: Buffer, signatureBlob: Buffer): void {
    this.call('SKF_ECCVerify', dev, publicKeyBlob, digest, digest.length, signatureBlob);
  }

  get isSimulator(): boolean {
    return this.simulatorFns.SKFSOFT_CreateDevice !== undefined;
  }
  createDevice(name: string, serial: string): void {
    const fn = this.simulatorFns.SKFSOFT_CreateDevice;
    if (!fn) throw new Error('SKFSOFT_CreateDevice is missing: not the SettleKey simulator');
    const rv = (fn as (...a: unknown[]) => number)(name, serial);
    if (rv !== 0) throw new SkfCallError('SKFSOFT_CreateDevice', rv);
  }
}
