// SM2 over PKCS#11 is vendor-defined: each vendor numbers its key type and
// mechanisms itself, and a mechanism takes either the message (the token
// computes SM3(Z‖M) with the standard ID) or the pre-computed digest, and
// answers either r‖s or a DER SEQUENCE. This table says which, per vendor
// (numbers from the vendors' headers as xipki/ipkcs11wrapper's vendor.conf
// collects them); a user adds a vendor in Settings with the same fields.
import { z } from 'zod';
import { derToRs, sm2Digest, type Sm2Point } from './sm2';

const Hex32 = z.union([
  z.number().int().min(0).max(0xffffffff),
  z
    .string()
    .regex(/^0x[0-9a-f]{1,8}$/i)
    .transform((s) => Number.parseInt(s, 16)),
]);

export const Sm2Mechanism = z.strictObject({
  vendor: z.string().min(1).max(80),
  /** Lower-case text in the module's file name that marks this vendor's module. */
  module: z.string().min(1).max(80),
  /** The vendor's CKK_ for SM2 keys. */
  keyType: Hex32,
  /** The vendor's key-pair generation mechanism, where it has one. */
  keyGen: Hex32.optional(),
  mechanism: Hex32,
  /** 'message': the token hashes SM3(Z‖M) itself; 'prehashed': it signs the 32-byte digest we give it. */
  input: z.enum(['message', 'prehashed']),
  /** What C_Sign returns: raw r‖s (64 bytes) or a DER SEQUENCE of two INTEGERs. */
  signature: z.enum(['raw', 'der']),
});
export type Sm2Mechanism = z.infer<typeof Sm2Mechanism>;

export const SM2_MECHANISMS: readonly Sm2Mechanism[] = [
  // TASS (江南天安) HSMs: SM2 signatures in X9.62 (DER) form.
  {
    vendor: 'TASS (江南天安)',
    module: 'tass',
    keyType: 0x80000004,
    keyGen: 0x80008001,
    mechanism: 0x80008100,
    input: 'message',
    signature: 'der',
  },
  {
    vendor: 'TASS (江南天安)',
    module: 'tass',
    keyType: 0x80000004,
    keyGen: 0x80008001,
    mechanism: 0x80008000,
    input: 'prehashed',
    signature: 'der',
  },
  // Sansec (三未信安): CKM_SM3_SM2 raw, CKM_SM3_SM2_DER, and CKM_SM2_SIGN over a digest.
  {
    vendor: 'Sansec (三未信安)',
    module: 'upkcs11',
    keyType: 0x80000004,
    keyGen: 0x80008001,
    mechanism: 0x80008100,
    input: 'message',
    signature: 'raw',
  },
  {
    vendor: 'Sansec (三未信安)',
    module: 'upkcs11',
    keyType: 0x80000004,
    keyGen: 0x80008001,
    mechanism: 0x80008101,
    input: 'message',
    signature: 'der',
  },
  {
    vendor: 'Sansec (三未信安)',
    module: 'upkcs11',
    keyType: 0x80000004,
    keyGen: 0x80008001,
    mechanism: 0x80008104,
    input: 'prehashed',
    signature: 'raw',
  },
  // SafeNet Luna with its SM2 firmware: CKK_SM2 0x80000016.
  {
    vendor: 'SafeNet Luna',
    module: 'cryptoki',
    keyType: 0x80000016,
    mechanism: 0x80008100,
    input: 'message',
    signature: 'raw',
  },
];

/** The user's own entries (Settings → USB-KEY), checked field by field; bad entries are named, never half-used. */
export function parseSm2Mechanisms(json: unknown): Sm2Mechanism[] {
  return z.array(Sm2Mechanism).max(50).parse(json);
}

/**
 * The entry to sign with on this module: the user's entries first, then the
 * built-in ones; the module's file name must match and the token must list
 * the mechanism. Null: this module has no SM2 we know how to use.
 */
export function sm2MechanismFor(
  modulePath: string,
  available: readonly number[],
  keyType: number,
  extra: readonly Sm2Mechanism[] = [],
): Sm2Mechanism | null {
  const file = modulePath.toLowerCase().split(/[\\/]/).pop() ?? '';
  return (
    [...extra, ...SM2_MECHANISMS].find(
      (m) => file.includes(m.module.toLowerCase()) && m.keyType === keyType && available.includes(m.mechanism),
    ) ?? null
  );
}

/** Whether a CKK_ value is some known vendor's SM2 key type. */
export function isSm2KeyType(keyType: number, extra: readonly Sm2Mechanism[] = []): boolean {
  return [...extra, ...SM2_MECHANISMS].some((m) => m.keyType === keyType);
}

/** What C_Sign is given: the message, or SM3(Z‖M) computed here (Electron has no SM3). */
export function sm2TokenInput(entry: Sm2Mechanism, point: Sm2Point, message: Uint8Array): Uint8Array {
  return entry.input === 'message' ? message : sm2Digest(point, message);
}

/** What C_Sign returned, as the r‖s the service verifies. */
export function sm2SignatureFromToken(entry: Sm2Mechanism, output: Uint8Array): Uint8Array {
  if (entry.signature === 'der') return derToRs(output);
  if (output.length !== 64) throw new Error(`an r‖s SM2 signature is 64 bytes, the token gave ${output.length}`);
  return output;
}
