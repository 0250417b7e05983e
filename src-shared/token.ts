// What the renderer and the service learn about security tools: tokens
// (USB-KEYs over PKCS#11 or SKF (GM/T 0016), or a password-protected PKCS#12
// file where no PKCS#11 module exists) and the certificates on them. Private keys never
// appear here: they stay on the token.
import { z } from 'zod';

/** The token's own account of its PIN, from CKF_USER_PIN_COUNT_LOW / FINAL_TRY / LOCKED, or SKF's retry counts. */
export const PinState = z.enum(['ok', 'countLow', 'finalTry', 'locked']);
export type PinState = z.infer<typeof PinState>;

export const TokenKind = z.enum(['pkcs11', 'skf', 'file']);
export type TokenKind = z.infer<typeof TokenKind>;

export const TokenInfo = z.object({
  /** PKCS#11 slot id in hex, "skf:<device name>" for an SKF device, or "file:<name>" for a file certificate. */
  slotId: z.string(),
  kind: TokenKind,
  label: z.string(),
  serial: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  pinState: PinState,
  /** Logged in under the PIN policy until then (ISO time); absent or null: the next signature asks for the PIN. */
  heldUntil: z.string().nullable().optional(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

/** One library the token host looked for: what "my token is not found" shows the user. */
export const LibraryTried = z.object({
  api: z.enum(['pkcs11', 'skf']),
  vendor: z.string(),
  path: z.string(),
  /** Named in Settings, one of the known install paths, or SettleKey's SKF simulator (demo and tests). */
  source: z.enum(['settings', 'known-path', 'simulator']),
  present: z.boolean(),
  loaded: z.boolean(),
  error: z.string().nullable(),
});
export type LibraryTried = z.infer<typeof LibraryTried>;

/** What "test this library" found: the interface it speaks, and the tokens it sees now. */
export const LibraryTest = z.object({
  api: z.enum(['pkcs11', 'skf']).nullable(),
  loaded: z.boolean(),
  error: z.string().nullable(),
  tokens: z.number().int(),
});
export type LibraryTest = z.infer<typeof LibraryTest>;

/** 修改 USB-KEY 密码: the token's own user PIN, changed on the token. */
export const ChangePin = z.strictObject({
  slotId: z.string().min(1).max(300),
  oldPin: z.string().min(4).max(64),
  /** 6–16 letters or digits: what USB-KEYs of both kinds accept. */
  newPin: z
    .string()
    .min(6)
    .max(16)
    .regex(/^[0-9A-Za-z]+$/, { message: 'RULE_FORMAT' }),
});
export type ChangePin = z.infer<typeof ChangePin>;

export const TokenStatus = z.object({
  /** Where the PKCS#11 module came from and whether it loaded. */
  module: z.object({
    path: z.string().nullable(),
    source: z.enum(['settings', 'known-path', 'none']),
    loaded: z.boolean(),
    error: z.string().nullable(),
  }),
  /** Every PKCS#11 module and SKF library looked for, in the order tried. */
  libraries: z.array(LibraryTried),
  /** File certificates are offered only where no PKCS#11 module or SKF library is available. */
  fileCertificates: z.boolean(),
  tokens: z.array(TokenInfo),
  /** Set after the token host had to be restarted (a vendor library crashed). */
  restartedAt: z.string().nullable(),
});
export type TokenStatus = z.infer<typeof TokenStatus>;

/**
 * Also the store's certificates.key_type: tests/unit/store-enums.test.ts keeps its CHECK list equal.
 * 'ec' is P-256 (ECDSA), 'sm2' the SM2 curve of Chinese banks' USB-KEYs (GM/T 0003).
 */
export const KEY_TYPES = ['rsa', 'ec', 'sm2'] as const;
export const KeyType = z.enum(KEY_TYPES);
export type KeyType = z.infer<typeof KeyType>;

export const TokenCertificate = z.object({
  slotId: z.string(),
  /** CKA_ID shared by the certificate and its private key, hex; on SKF the container's name in hex. */
  keyId: z.string(),
  label: z.string(),
  /** Certificate serial number, upper-case hex without separators. */
  serial: z.string(),
  subjectCommonName: z.string(),
  subjectOrganization: z.string(),
  issuer: z.string(),
  notBefore: z.string(),
  notAfter: z.string(),
  keyType: KeyType,
  /** Whether exactly one private key pairs with it by CKA_ID. */
  paired: z.boolean(),
  pairingProblem: z.enum(['none', 'noKey', 'severalKeys']),
});
export type TokenCertificate = z.infer<typeof TokenCertificate>;

/** What the renderer sends to have the main process sign something with a chosen certificate. */
export const SignWith = z.strictObject({
  slotId: z.string().min(1).max(300),
  keyId: z.string().regex(/^[0-9a-f]{2,128}$/i, { message: 'RULE_FORMAT' }),
  certSerial: z.string().regex(/^[0-9A-F]{1,64}$/, { message: 'RULE_FORMAT' }),
  /**
   * Typed into SettleKey's own dialog, passed to the token once and dropped;
   * '' when the token is still logged in under the PIN policy.
   */
  pin: z.union([z.literal(''), z.string().min(4).max(64)]),
});
export type SignWith = z.infer<typeof SignWith>;

/**
 * 密码策略: ask for the USB-KEY PIN at every signature, or keep the token
 * logged in (its login state — the PIN itself is never kept) for some minutes
 * or until it is pulled out. Either way within the bank's maximum, and ended
 * by lock, logout and idle timeout.
 */
export const PIN_HOLD_MINUTES_MAX = 480;
export const PinPolicy = z.strictObject({
  mode: z.enum(['everyTime', 'minutes', 'untilRemoved']),
  minutes: z.number().int().min(1).max(PIN_HOLD_MINUTES_MAX),
});
export type PinPolicy = z.infer<typeof PinPolicy>;
export const DEFAULT_PIN_POLICY: PinPolicy = { mode: 'everyTime', minutes: 10 };

/** How long the token host keeps a login after a signature: 0 is not at all. */
export function pinHoldMs(policy: PinPolicy, bankMaxMinutes: number): number {
  if (policy.mode === 'everyTime' || bankMaxMinutes <= 0) return 0;
  const minutes = policy.mode === 'minutes' ? Math.min(policy.minutes, bankMaxMinutes) : bankMaxMinutes;
  return minutes * 60_000;
}

/** Normalises a certificate serial: upper-case hex, no leading zero bytes' separators. */
export function normaliseSerial(hex: string): string {
  return hex
    .replace(/[^0-9a-f]/gi, '')
    .toUpperCase()
    .replace(/^0+(?=.)/, '');
}
