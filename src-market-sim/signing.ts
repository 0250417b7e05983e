// How a market's system signs a request to the bank's market API, to the
// rules of src-shared/market-signature.ts: the reference a market's developers
// can follow line by line (README, "Market API").
import { createHash, randomBytes, type KeyObject } from 'node:crypto';
import { createSigner, httpbis } from 'http-message-signatures';
import { MARKET_SIGNATURE_PARAMS, MARKET_SIGNED_FIELDS, type MarketKeyAlgorithm } from '../src-shared/market-signature';

/** RFC 9530's Content-Digest of a body (an empty body has one too). */
export function contentDigest(body: string | Buffer): string {
  return `sha-256=:${createHash('sha256').update(body).digest('base64')}:`;
}

export interface MarketKey {
  /** The id the bank gave the key when it registered it. */
  keyId: string;
  algorithm: MarketKeyAlgorithm;
  privateKey: KeyObject;
}

/**
 * The headers a signed request carries: Content-Digest, Signature-Input and
 * Signature. `path` is the request target as sent (with its query string).
 */
export async function signMarketRequest(
  key: MarketKey,
  request: { method: string; path: string; body: string; created?: Date; nonce?: string },
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { 'content-digest': contentDigest(request.body) };
  const signed = await httpbis.signMessage(
    {
      key: createSigner(key.privateKey, key.algorithm, key.keyId),
      name: 'market',
      fields: [...MARKET_SIGNED_FIELDS],
      params: [...MARKET_SIGNATURE_PARAMS],
      paramValues: {
        created: request.created ?? new Date(),
        nonce: request.nonce ?? randomBytes(24).toString('base64url'),
      },
    },
    // Only the path is signed; the origin stands in for whatever host the request reaches.
    { method: request.method, url: new URL(request.path, 'http://market-api'), headers },
  );
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(signed.headers)) out[name.toLowerCase()] = String(value);
  return out;
}
