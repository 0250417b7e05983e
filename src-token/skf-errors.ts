// Every SAR_ code of GM/T 0016 (SKF) the token host can meet becomes a typed
// AppError, as pkcs11-errors.ts does for CKR_ codes; the raw name travels in
// the same `ckr` parameter for support.
import { AppError, type ErrorCode } from '../src-shared/errors';
import type { PinState } from '../src-shared/token';
import { wrongPinError } from './pkcs11-errors';

/** GM/T 0016-2012's return codes, as the standard numbers them. */
export const SAR = {
  SAR_OK: 0x00000000,
  SAR_FAIL: 0x0a000001,
  SAR_UNKNOWNERR: 0x0a000002,
  SAR_NOTSUPPORTYETERR: 0x0a000003,
  SAR_FILEERR: 0x0a000004,
  SAR_INVALIDHANDLEERR: 0x0a000005,
  SAR_INVALIDPARAMERR: 0x0a000006,
  SAR_READFILEERR: 0x0a000007,
  SAR_WRITEFILEERR: 0x0a000008,
  SAR_NAMELENERR: 0x0a000009,
  SAR_KEYUSAGEERR: 0x0a00000a,
  SAR_MODULUSLENERR: 0x0a00000b,
  SAR_NOTINITIALIZEERR: 0x0a00000c,
  SAR_OBJERR: 0x0a00000d,
  SAR_MEMORYERR: 0x0a00000e,
  SAR_TIMEOUTERR: 0x0a00000f,
  SAR_INDATALENERR: 0x0a000010,
  SAR_INDATAERR: 0x0a000011,
  SAR_GENRANDERR: 0x0a000012,
  SAR_HASHOBJERR: 0x0a000013,
  SAR_HASHERR: 0x0a000014,
  SAR_GENRSAKEYERR: 0x0a000015,
  SAR_RSAMODULUSLENERR: 0x0a000016,
  SAR_CSPIMPRTPUBKEYERR: 0x0a000017,
  SAR_RSAENCERR: 0x0a000018,
  SAR_RSADECERR: 0x0a000019,
  SAR_HASHNOTEQUALERR: 0x0a00001a,
  SAR_KEYNOTFOUNTERR: 0x0a00001b,
  SAR_CERTNOTFOUNTERR: 0x0a00001c,
  SAR_NOTEXPORTERR: 0x0a00001d,
  SAR_DECRYPTPADERR: 0x0a00001e,
  SAR_MACLENERR: 0x0a00001f,
  SAR_BUFFER_TOO_SMALL: 0x0a000020,
  SAR_KEYINFOTYPEERR: 0x0a000021,
  SAR_NOT_EVENTERR: 0x0a000022,
  SAR_DEVICE_REMOVED: 0x0a000023,
  SAR_PIN_INCORRECT: 0x0a000024,
  SAR_PIN_LOCKED: 0x0a000025,
  SAR_PIN_INVALID: 0x0a000026,
  SAR_PIN_LEN_RANGE: 0x0a000027,
  SAR_USER_ALREADY_LOGGED_IN: 0x0a000028,
  SAR_USER_PIN_NOT_INITIALIZED: 0x0a000029,
  SAR_USER_TYPE_INVALID: 0x0a00002a,
  SAR_APPLICATION_NAME_INVALID: 0x0a00002b,
  SAR_APPLICATION_EXISTS: 0x0a00002c,
  SAR_USER_NOT_LOGGED_IN: 0x0a00002d,
  SAR_APPLICATION_NOT_EXISTS: 0x0a00002e,
  SAR_FILE_ALREADY_EXIST: 0x0a00002f,
  SAR_NO_ROOM: 0x0a000030,
  SAR_FILE_NOT_EXIST: 0x0a000031,
  SAR_REACH_MAX_CONTAINER_COUNT: 0x0a000032,
} as const;

export type SarName = keyof typeof SAR;

const NAMES = new Map<number, string>(Object.entries(SAR).map(([name, code]) => [code, name]));

/** SAR_… for a standard code; a vendor's own code as 0x… hex. */
export function sarName(code: number): string {
  return NAMES.get(code) ?? `0x${(code >>> 0).toString(16).padStart(8, '0')}`;
}

/** What an SKF function returned when it was not SAR_OK; PIN calls add the tries the token reported. */
export class SkfCallError extends Error {
  constructor(
    readonly fn: string,
    readonly code: number,
    readonly pinTries?: { remaining: number; max: number },
  ) {
    super(`${fn} returned ${sarName(code)}`);
    this.name = 'SkfCallError';
  }
}

const BY_NAME: Partial<Record<string, ErrorCode>> = {
  SAR_DEVICE_REMOVED: 'TOKEN_NOT_PRESENT',
  SAR_PIN_LOCKED: 'TOKEN_PIN_LOCKED',
  SAR_PIN_INVALID: 'TOKEN_PIN_FORMAT',
  SAR_PIN_LEN_RANGE: 'TOKEN_PIN_FORMAT',
  SAR_USER_PIN_NOT_INITIALIZED: 'TOKEN_PIN_FORMAT',
  SAR_USER_NOT_LOGGED_IN: 'TOKEN_NOT_LOGGED_IN',
  SAR_KEYNOTFOUNTERR: 'TOKEN_KEY_NOT_FOUND',
  SAR_CERTNOTFOUNTERR: 'TOKEN_KEY_NOT_FOUND',
  SAR_MEMORYERR: 'TOKEN_DEVICE_ERROR',
  SAR_TIMEOUTERR: 'TOKEN_DEVICE_ERROR',
  SAR_NO_ROOM: 'TOKEN_DEVICE_ERROR',
  SAR_NOTSUPPORTYETERR: 'TOKEN_MECHANISM_UNSUPPORTED',
  SAR_KEYUSAGEERR: 'TOKEN_MECHANISM_UNSUPPORTED',
};

/** The code an SKF failure maps to; anything unlisted is "the operation failed". */
export function skfErrorCodeFor(sar: string): ErrorCode {
  return BY_NAME[sar] ?? 'TOKEN_FUNCTION_FAILED';
}

/**
 * The PIN's state from the tries the token counts (SKF_GetPINInfo, or what
 * SKF_VerifyPIN left in *pulRetryCount), in PKCS#11's words: countLow once
 * fewer than all are left, finalTry when one is, locked at none.
 */
export function pinStateFromCounts(remaining: number, max: number): PinState {
  if (remaining <= 0) return 'locked';
  if (remaining === 1) return 'finalTry';
  if (remaining < max) return 'countLow';
  return 'ok';
}

/** Any failure of an SKF call as an AppError; keyId names the container a missing key or certificate was sought in. */
export function toSkfError(error: unknown, keyId?: string): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof SkfCallError) {
    const name = sarName(error.code);
    if (error.code === SAR.SAR_PIN_INCORRECT) {
      return error.pinTries
        ? wrongPinError(pinStateFromCounts(error.pinTries.remaining, error.pinTries.max))
        : new AppError('TOKEN_PIN_INCORRECT');
    }
    const code = skfErrorCodeFor(name);
    return new AppError(code, code === 'TOKEN_KEY_NOT_FOUND' ? { keyId: keyId ?? '', ckr: name } : { ckr: name });
  }
  return new AppError('TOKEN_FUNCTION_FAILED', {
    ckr: error instanceof Error ? error.message.slice(0, 120) : 'unknown',
  });
}
