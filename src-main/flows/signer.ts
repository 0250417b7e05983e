// Signing on the user's behalf: the main process builds the canonical bytes
// (the renderer never chooses what is signed), the token host signs them with
// the certificate's key, and the envelopes go to the service.
import type { ChallengeToSign } from '../../src-shared/api/common';
import {
  canonicalBytes,
  signedPayload,
  type SignatureEnvelope,
  type SignedKind,
  type SignedPayload,
} from '../../src-shared/signing';
import type { SignWith } from '../../src-shared/token';
import type { TokenHostClient } from '../token/host-client';

/** The service's time, estimated from when it issued a challenge: signatures carry the bank's clock. */
export function serviceTime(issuedAt: string, receivedAtLocal: number): string {
  return new Date(Date.parse(issuedAt) + (Date.now() - receivedAtLocal)).toISOString();
}

export async function signPayloads(
  tokens: Pick<TokenHostClient, 'request' | 'holdMs'>,
  sign: SignWith,
  payloads: SignedPayload[],
  onProgress?: (done: number, total: number) => void,
): Promise<SignatureEnvelope[]> {
  const { signatures } = await tokens.request(
    'sign',
    {
      slotId: sign.slotId,
      keyId: sign.keyId,
      pin: sign.pin,
      holdMs: tokens.holdMs(),
      data: payloads.map((p) => Buffer.from(canonicalBytes(p)).toString('base64')),
    },
    { onProgress },
  );
  return payloads.map((p, i) => ({
    certSerial: sign.certSerial,
    time: p.time,
    challenge: p.challenge,
    signature: signatures[i],
  }));
}

/** The payload of a challenge the service issued, dated by the service's clock. */
export function payloadOf(kind: SignedKind, issued: ChallengeToSign, receivedAt: number): SignedPayload {
  return signedPayload(kind, issued.fields, {
    challenge: issued.challenge,
    time: serviceTime(issued.issuedAt, receivedAt),
  });
}

/** Signs exactly what the service described: one record, one PIN entry. */
export async function signChallenge(
  tokens: Pick<TokenHostClient, 'request' | 'holdMs'>,
  sign: SignWith,
  kind: SignedKind,
  issued: ChallengeToSign,
  receivedAt: number,
): Promise<SignatureEnvelope> {
  const [signature] = await signPayloads(tokens, sign, [payloadOf(kind, issued, receivedAt)]);
  return signature;
}
