// Every CKR_ code the token host can meet becomes a typed AppError with a
// zh-CN and en message; the raw name travels along for support.
import * as pkcs11js from 'pkcs11js';
import { AppError, type ErrorCode } from '../src-shared/errors';
import type { PinState } from '../src-shared/token';

const CODE_NAMES = new Map<number, string>(
  Object.entries(pkcs11js)
    .filter(([name, value]) => name.startsWith('CKR_') && typeof value === 'number')
    .map(([name, value]) => [value as number, name]),
);

export function ckrName(code: number): string {
  return CODE_NAMES.get(code) ?? `0x${code.toString(16).padStart(8, '0')}`;
}

const BY_NAME: Record<string, ErrorCode> = {
  CKR_TOKEN_NOT_PRESENT: 'TOKEN_NOT_PRESENT',
  CKR_DEVICE_REMOVED: 'TOKEN_NOT_PRESENT',
  CKR_TOKEN_NOT_RECOGNIZED: 'TOKEN_NOT_PRESENT',
  CKR_SLOT_ID_INVALID: 'TOKEN_NOT_PRESENT',
  CKR_SESSION_HANDLE_INVALID: 'TOKEN_NOT_PRESENT',
  CKR_SESSION_CLOSED: 'TOKEN_NOT_PRESENT',
  CKR_PIN_INCORRECT: 'TOKEN_PIN_INCORRECT',
  CKR_PIN_LOCKED: 'TOKEN_PIN_LOCKED',
  CKR_PIN_EXPIRED: 'TOKEN_PIN_LOCKED',
  CKR_PIN_INVALID: 'TOKEN_PIN_FORMAT',
  CKR_PIN_LEN_RANGE: 'TOKEN_PIN_FORMAT',
  CKR_USER_PIN_NOT_INITIALIZED: 'TOKEN_PIN_FORMAT',
  CKR_USER_NOT_LOGGED_IN: 'TOKEN_NOT_LOGGED_IN',
  CKR_DEVICE_ERROR: 'TOKEN_DEVICE_ERROR',
  CKR_DEVICE_MEMORY: 'TOKEN_DEVICE_ERROR',
  CKR_HOST_MEMORY: 'TOKEN_DEVICE_ERROR',
  CKR_MECHANISM_INVALID: 'TOKEN_MECHANISM_UNSUPPORTED',
  CKR_MECHANISM_PARAM_INVALID: 'TOKEN_MECHANISM_UNSUPPORTED',
  CKR_KEY_TYPE_INCONSISTENT: 'TOKEN_MECHANISM_UNSUPPORTED',
  CKR_KEY_FUNCTION_NOT_PERMITTED: 'TOKEN_MECHANISM_UNSUPPORTED',
};

/** The code a PKCS#11 failure maps to; anything unlisted is "the operation failed". */
export function errorCodeFor(ckr: string): ErrorCode {
  return BY_NAME[ckr] ?? 'TOKEN_FUNCTION_FAILED';
}

export function isPkcs11Error(error: unknown): error is Error & { code: number; method?: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'number';
}

export function toTokenError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isPkcs11Error(error)) {
    const name = ckrName(error.code);
    return new AppError(errorCodeFor(name), { ckr: name });
  }
  return new AppError('TOKEN_FUNCTION_FAILED', {
    ckr: error instanceof Error ? error.message.slice(0, 120) : 'unknown',
  });
}

/** Reads the token's PIN flags (after every failure, as the standard asks). */
export function pinStateFromFlags(flags: number): PinState {
  if (flags & pkcs11js.CKF_USER_PIN_LOCKED) return 'locked';
  if (flags & pkcs11js.CKF_USER_PIN_FINAL_TRY) return 'finalTry';
  if (flags & pkcs11js.CKF_USER_PIN_COUNT_LOW) return 'countLow';
  return 'ok';
}

/** The error for a wrong PIN, chosen by what the token says is left. */
export function wrongPinError(state: PinState): AppError {
  switch (state) {
    case 'locked':
      return new AppError('TOKEN_PIN_LOCKED');
    case 'finalTry':
      return new AppError('TOKEN_PIN_INCORRECT_FINAL_TRY');
    case 'countLow':
      return new AppError('TOKEN_PIN_INCORRECT_COUNT_LOW');
    default:
      return new AppError('TOKEN_PIN_INCORRECT');
  }
}
