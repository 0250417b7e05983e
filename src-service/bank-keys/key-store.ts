// Where a bank key lives. Each holds RSA-2048 keys and signs with
// RSASSA-PKCS1-v1_5 over SHA-256; the service sees references, never key bytes.
import type { KeyProtection } from './hsm-messages';

/**
 * 'hsm': the bank's HSM from the settings; 'demo-hsm': a demo's own SoftHSM2 token; 'demo-file': a demo's encrypted
 * key files. Also the store's bank_keys.store: tests/unit/store-enums.test.ts keeps its CHECK list equal.
 */
export const KEY_STORE_KINDS = ['hsm', 'demo-hsm', 'demo-file'] as const;
export type KeyStoreKind = (typeof KEY_STORE_KINDS)[number];

export interface GeneratedKey {
  /** How the store finds the key again (a CKA_ID, a file's id). */
  ref: string;
  /** The public key, SubjectPublicKeyInfo DER. */
  spki: Buffer;
}

export interface KeyStore {
  readonly kind: KeyStoreKind;
  /** Where the keys are, for messages and logs (no secrets). */
  readonly where: string;
  generate(label: string): Promise<GeneratedKey>;
  /** The public key of ref; null when the store does not hold that key (with its private half). */
  publicKey(ref: string): Promise<Buffer | null>;
  sign(ref: string, data: Buffer): Promise<Buffer>;
  /** What an HSM says of the key's protection; undefined for a store that is not an HSM. */
  protection(ref: string): Promise<KeyProtection | undefined>;
  close(): Promise<void>;
}
