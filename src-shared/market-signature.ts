// What a market's signed request to the bank's market API must carry: an HTTP
// message signature (RFC 9421) over the method, the path and the body's
// Content-Digest (RFC 9530), with the created time, a nonce, the key's id and
// its algorithm — chosen over mutual TLS because TLS ends at the bank's proxy,
// while a signature travels with the request. The service verifies to these
// (src-service/markets/request-auth.ts); a market's system signs to them
// (src-market-sim/signing.ts, the reference for a market's developers).

/** The components every request's signature must cover. */
export const MARKET_SIGNED_FIELDS = ['@method', '@path', 'content-digest'] as const;
/** The signature parameters every request must carry. */
export const MARKET_SIGNATURE_PARAMS = ['created', 'nonce', 'keyid', 'alg'] as const;
/** A signature's created time may differ from the bank's clock by this much, either way. */
export const MARKET_SIGNATURE_WINDOW_SECONDS = 300;
/** A nonce's length, in characters: long enough not to repeat by chance, short enough to store. */
export const MARKET_NONCE_LENGTH = { min: 16, max: 64 } as const;
/** The algorithms a market's key may use. */
export const MARKET_KEY_ALGORITHMS = ['ed25519', 'ecdsa-p256-sha256'] as const;
export type MarketKeyAlgorithm = (typeof MARKET_KEY_ALGORITHMS)[number];

/**
 * The id the bank gives a market's key — what the market puts in each
 * signature's keyid: the market's code and the first half of the SHA-256 of
 * the key's SPKI (hex), so a market can name its key before it is registered
 * and the same key cannot be registered twice.
 */
export function marketKeyId(marketCode: string, spkiSha256Hex: string): string {
  return `${marketCode}-${spkiSha256Hex.slice(0, 32)}`;
}
