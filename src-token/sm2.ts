// SM2 signatures (GM/T 0003, GM/T 0009) as the banks' USB-KEYs make them:
// over SM3(Z ‖ M), where Z binds the signer's public key and the ID
// 1234567812345678. Node's crypto cannot set that ID and Electron's BoringSSL
// has no SM2 at all, so sm-crypto-v2 (on @noble/curves) does the arithmetic.
// Used by the token side (pre-hashed mechanisms, CSRs) and by the service
// (verification), so it touches no Node built-in.
import { sm2, sm3 } from 'sm-crypto-v2';

/** The signer ID GM/T 0009 fixes and every bank uses. */
export const SM2_DEFAULT_ID = '1234567812345678';

export const SM2_OIDS = {
  ecPublicKey: '1.2.840.10045.2.1',
  /** The SM2 curve (GB/T 33560 / GM/T 0006). */
  sm2Curve: '1.2.156.10197.1.301',
  /** SM3withSM2 (GM/T 0015, GB/T 20518). */
  sm3WithSm2: '1.2.156.10197.1.501',
} as const;

/** The order n of the SM2 curve's base point. */
const N = 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n;

/** An SM2 public key: the affine coordinates, 32 bytes each. */
export interface Sm2Point {
  x: Uint8Array;
  y: Uint8Array;
}

export const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || /[^0-9a-f]/i.test(hex)) throw new Error('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** The uncompressed point 04‖x‖y in hex, the form sm-crypto-v2 takes. */
export function pointHex(point: Sm2Point): string {
  return `04${toHex(point.x)}${toHex(point.y)}`;
}

export function pointFromUncompressed(bytes: Uint8Array): Sm2Point {
  if (bytes.length !== 65 || bytes[0] !== 0x04) throw new Error('not an uncompressed SM2 point');
  return { x: bytes.slice(1, 33), y: bytes.slice(33, 65) };
}

/** SM3(Z ‖ M): what a token signs when its mechanism takes a pre-computed digest (SKF_ECCSignData does). */
export function sm2Digest(point: Sm2Point, message: Uint8Array, id: string = SM2_DEFAULT_ID): Uint8Array {
  return fromHex(sm2.getHash(message, pointHex(point), id));
}

export function sm3Hex(data: Uint8Array): string {
  return sm3(data);
}

/** A precomputed public key (about 3× faster to verify against): keep one per certificate. */
export type PreparedSm2Key = ReturnType<typeof sm2.precomputePublicKey>;

export function prepareSm2Key(point: Sm2Point): PreparedSm2Key {
  return sm2.precomputePublicKey(pointHex(point));
}

/**
 * Whether rs (r‖s, 64 bytes) is the key's SM2 signature over message with the
 * standard ID. r and s outside [1, n-1] are refused before any arithmetic, as
 * GM/T 0003 asks of a verifier.
 */
export function verifySm2(
  key: Sm2Point | PreparedSm2Key,
  message: Uint8Array,
  rs: Uint8Array,
  id: string = SM2_DEFAULT_ID,
): boolean {
  if (rs.length !== 64) return false;
  const r = BigInt(`0x${toHex(rs.subarray(0, 32))}`);
  const s = BigInt(`0x${toHex(rs.subarray(32))}`);
  if (r < 1n || r >= N || s < 1n || s >= N) return false;
  const publicKey = 'x' in key && key.x instanceof Uint8Array ? pointHex(key as Sm2Point) : (key as PreparedSm2Key);
  try {
    return sm2.doVerifySignature(message, toHex(rs), publicKey, { hash: true, der: false, userId: id });
  } catch {
    return false; // a point not on the curve
  }
}

/** Signs with a private key held in memory: only tests and the file-less simulators use it. */
export function signSm2InSoftware(privateKeyHex: string, message: Uint8Array, id: string = SM2_DEFAULT_ID): Uint8Array {
  const publicKey = sm2.getPublicKeyFromPrivateKey(privateKeyHex);
  return fromHex(sm2.doSignature(message, privateKeyHex, { hash: true, der: false, publicKey, userId: id }));
}

function derInteger(value: Uint8Array): Uint8Array {
  let i = 0;
  while (i < value.length - 1 && value[i] === 0) i++;
  const trimmed = value.subarray(i);
  const body = trimmed[0] & 0x80 ? Uint8Array.of(0, ...trimmed) : trimmed;
  return Uint8Array.of(0x02, body.length, ...body);
}

/** r‖s → DER SEQUENCE { INTEGER r, INTEGER s }: what X.509, CMS and openssl carry. */
export function rsToDer(rs: Uint8Array): Uint8Array {
  if (rs.length !== 64) throw new Error('an SM2 signature r‖s is 64 bytes');
  const body = Uint8Array.of(...derInteger(rs.subarray(0, 32)), ...derInteger(rs.subarray(32)));
  return Uint8Array.of(0x30, body.length, ...body);
}

/** DER SEQUENCE { INTEGER r, INTEGER s } → r‖s, each left-padded to 32 bytes; throws on anything else. */
export function derToRs(der: Uint8Array): Uint8Array {
  const fail = () => {
    throw new Error('not a DER SM2 signature');
  };
  if (der[0] !== 0x30 || der[1] !== der.length - 2) fail();
  const out = new Uint8Array(64);
  let at = 2;
  for (const offset of [0, 32]) {
    if (der[at] !== 0x02) fail();
    const length = der[at + 1];
    let value = der.subarray(at + 2, at + 2 + length);
    if (value.length !== length || length === 0) fail();
    while (value.length > 1 && value[0] === 0) value = value.subarray(1);
    if (value.length > 32) fail();
    out.set(value, offset + 32 - value.length);
    at += 2 + length;
  }
  if (at !== der.length) fail();
  return out;
}
