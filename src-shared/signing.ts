// The one canonical byte encoding of what a user signs with the USB-KEY. The
// client builds it from the operation and the service's challenge; the service
// rebuilds it from what it receives and verifies the signature over those same
// bytes, so any change after signing breaks the signature. Fields come in a
// fixed order per kind, amounts as integer fen, text as UTF-8, one "name=value"
// per line; values may not contain line breaks.
import { z } from 'zod';

export const SIGNING_PREFIX = 'SETTLEKEY-SIGNED/1';

/** A deposit and a withdrawal sign the same fields: only the direction of the accounts differs. */
const MONEY_MOVEMENT = ['serial', 'enterprise', 'market', 'memberCode', 'fromAccount', 'toAccount', 'amount'] as const;

/**
 * Fields of each kind, in the order they are encoded — the one list the
 * client, the service and the tests build payloads from (see signedPayload).
 */
export const SIGNED_FIELDS = {
  login: ['loginName', 'certSerial'],
  signOff: ['loginName', 'certSerial'],
  certificateTest: ['loginName', 'certSerial', 'note'],
  // 证书更新: the old certificate authorises the new key's request (its SHA-256, hex)
  renewal: ['loginName', 'certSerial', 'csrDigest'],
  // corporate e-banking instructions (maker)
  sign: ['serial', 'enterprise', 'market', 'memberCode', 'boundAccount'],
  cancel: ['serial', 'enterprise', 'market', 'memberCode', 'detailAccount'],
  deposit: MONEY_MOVEMENT,
  withdraw: MONEY_MOVEMENT,
  menu: ['serial', 'enterprise', 'targetUser', 'permissions'],
  // an administrator's operation on a user (unlock, password reset)
  adminOperation: ['serial', 'enterprise', 'targetUser', 'operation'],
  // the checker's decision on an instruction
  decision: ['serial', 'instructionKind', 'decision', 'reason'],
  // member-management operations, verified with the USB-KEY (corporate members)
  memberOperation: ['serial', 'member', 'operation', 'market', 'memberCode', 'account', 'amount', 'details'],
} as const;

export type SignedKind = keyof typeof SIGNED_FIELDS;

/** The field values of a kind (of each kind, for a union). */
export type SignedFields<K extends SignedKind> = K extends SignedKind
  ? { [F in (typeof SIGNED_FIELDS)[K][number]]: string | number }
  : never;

export type SignedPayload = {
  [K in SignedKind]: { kind: K; challenge: string; time: string } & SignedFields<K>;
}[SignedKind];

/**
 * The payload of a kind from its field values — as the service read them, or
 * as the client received them in a preview; values of other names are left
 * out, and a missing one fails the encoding.
 */
export function signedPayload(
  kind: SignedKind,
  fields: Readonly<Record<string, string | number>>,
  env: { challenge: string; time: string },
): SignedPayload {
  const picked: Record<string, string | number> = {};
  for (const name of SIGNED_FIELDS[kind]) picked[name] = fields[name];
  return { kind, ...picked, challenge: env.challenge, time: env.time } as SignedPayload;
}

export class CanonicalEncodingError extends Error {}

export function canonicalText(payload: SignedPayload): string {
  const fields = SIGNED_FIELDS[payload.kind] as readonly string[];
  const values = payload as unknown as Record<string, string | number>;
  const lines = [SIGNING_PREFIX, `kind=${payload.kind}`];
  for (const name of fields) {
    const value = values[name];
    if (value === undefined || value === null) throw new CanonicalEncodingError(`missing field ${name}`);
    if (typeof value === 'number' && !Number.isSafeInteger(value)) {
      throw new CanonicalEncodingError(`${name} must be an integer (amounts are fen)`);
    }
    const text = String(value);
    if (/[\r\n]/.test(text)) throw new CanonicalEncodingError(`${name} contains a line break`);
    lines.push(`${name}=${text}`);
  }
  lines.push(`challenge=${payload.challenge}`, `time=${payload.time}`);
  return lines.join('\n') + '\n';
}

export function canonicalBytes(payload: SignedPayload): Uint8Array {
  return new TextEncoder().encode(canonicalText(payload));
}

/** A signature as it travels: which certificate, over what time, the bytes in base64. */
export const SignatureEnvelope = z.strictObject({
  certSerial: z.string().regex(/^[0-9A-F]{1,64}$/, { message: 'RULE_FORMAT' }),
  time: z.iso.datetime(),
  challenge: z.string().min(16).max(128),
  signature: z
    .string()
    .regex(/^[A-Za-z0-9+/]+={0,2}$/, { message: 'RULE_FORMAT' })
    .max(2048),
});
export type SignatureEnvelope = z.infer<typeof SignatureEnvelope>;
