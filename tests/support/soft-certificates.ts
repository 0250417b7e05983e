// Software keys for service tests that are not about the token: a real RSA key
// in memory, a real CSR, a certificate issued by the service's CA (the bank
// counter's operation), and real signatures over the canonical bytes. The
// USB-KEY itself is tested against SoftHSM2 in tests/token.
import { generateKeyPairSync, sign, webcrypto, type KeyObject } from 'node:crypto';
import { canonicalBytes, type SignatureEnvelope, type SignedPayload } from '../../src-shared/signing';
import { buildCsr } from '../../src-token/pkcs11-driver';
import { issueCertificate } from '../../src-service/certificates/issue';
import type { ServiceContext } from '../../src-service/context';

export interface SoftKey {
  serial: string;
  privateKey: KeyObject;
  keyType: 'rsa' | 'ec';
}

/** A key held elsewhere (an SM2 key in an SKF container, a key on a token): it signs asynchronously, as a token does. */
export interface HeldKey {
  serial: string;
  keyType: 'rsa' | 'ec' | 'sm2';
  sign(bytes: Uint8Array): Promise<Uint8Array>;
}

export type TestKey = SoftKey | HeldKey;

export async function softCsr(
  loginName: string,
  keyType: 'rsa' | 'ec' = 'rsa',
): Promise<{ csrPem: string; privateKey: KeyObject }> {
  const { privateKey, publicKey } =
    keyType === 'rsa'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const algorithm =
    keyType === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', namedCurve: 'P-256' };
  const cryptoKey = await webcrypto.subtle.importKey(
    'spki',
    publicKey.export({ type: 'spki', format: 'der' }),
    algorithm,
    true,
    ['verify'],
  );
  const csrPem = await buildCsr(cryptoKey, keyType, { commonName: loginName, organization: 'Test' }, async (data) =>
    keyType === 'rsa'
      ? sign('sha256', data, privateKey)
      : sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
  );
  return { csrPem, privateKey };
}

/** Issues a certificate for the user from a fresh software key, as the bank counter would. */
export async function issueSoftKey(
  ctx: ServiceContext,
  loginName: string,
  options: { keyType?: 'rsa' | 'ec'; validityDays?: number; notBefore?: Date } = {},
): Promise<SoftKey> {
  const user = await ctx.db
    .selectFrom('users')
    .select('id')
    .where('login_name', '=', loginName)
    .executeTakeFirstOrThrow();
  const keyType = options.keyType ?? 'rsa';
  const { csrPem, privateKey } = await softCsr(loginName, keyType);
  const issued = await issueCertificate(ctx, {
    userId: user.id,
    csrPem,
    media: 'file',
    validityDays: options.validityDays,
    notBefore: options.notBefore,
  });
  return { serial: issued.serial, privateKey, keyType };
}

/** signEnvelope for a key of either sort: what the harness's helpers use, so a test may hand them a token's key. */
export async function signEnvelopeWith(key: TestKey, payload: SignedPayload): Promise<SignatureEnvelope> {
  if (!('sign' in key)) return signEnvelope(key, payload);
  const signature = await key.sign(canonicalBytes(payload));
  return {
    certSerial: key.serial,
    challenge: payload.challenge,
    time: payload.time,
    signature: Buffer.from(signature).toString('base64'),
  };
}

export function signEnvelope(key: SoftKey, payload: SignedPayload): SignatureEnvelope {
  const bytes = canonicalBytes(payload);
  const signature =
    key.keyType === 'rsa'
      ? sign('sha256', bytes, key.privateKey)
      : sign('sha256', bytes, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return {
    certSerial: key.serial,
    challenge: payload.challenge,
    time: payload.time,
    signature: signature.toString('base64'),
  };
}
