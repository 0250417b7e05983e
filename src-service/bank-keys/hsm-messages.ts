// What the service's event loop and its HSM worker thread say to each other.
// Requests carry an id and are answered once; PINs travel only in `open`.
import type { OpReply, OpRequest } from '../../src-token/protocol';

export interface HsmOpenArgs {
  module: string;
  tokenLabel: string;
  pin: string;
  /** Initialise a blank token under tokenLabel when none exists (the demo and tests). */
  initSoPin?: string;
}

export interface KeyProtection {
  sensitive: boolean;
  extractable: boolean;
  /** Whether the token handed out the private exponent when asked (it must not). */
  valueReadable: boolean;
}

export interface HsmOps {
  open: { args: HsmOpenArgs; value: { tokenSerial: string; model: string } };
  generate: { args: { label: string }; value: { keyId: string; spki: Uint8Array } };
  publicKey: { args: { keyId: string }; value: { spki: Uint8Array | null } };
  sign: { args: { keyId: string; data: Uint8Array }; value: { signature: Uint8Array } };
  protection: { args: { keyId: string }; value: KeyProtection };
  close: { args: Record<string, never>; value: null };
}

export type HsmOp = keyof HsmOps;

export type HsmRequest<O extends HsmOp = HsmOp> = OpRequest<HsmOps, O>;

export type HsmReply = OpReply;
