// Who is calling the market API: the market whose registered key signed the
// request (RFC 9421, as src-shared/market-signature.ts signs it). Every refusal
// names what was wrong; none says whether another market's key or request
// exists. A nonce is remembered per market for twice the window a signature is
// accepted in, so a captured request cannot be sent again.
import { createHash, createPublicKey } from 'node:crypto';
import { createVerifier, ExpiredError, httpbis, type SignatureParameters } from 'http-message-signatures';
import { AppError } from '../../src-shared/errors';
import {
  MARKET_NONCE_LENGTH,
  MARKET_SIGNATURE_PARAMS,
  MARKET_SIGNATURE_WINDOW_SECONDS,
  MARKET_SIGNED_FIELDS,
} from '../../src-shared/market-signature';
import { takeSlot } from '../auth/limits';
import type { ServiceContext } from '../context';
import { isUniqueViolation } from '../store/tx';
import { marketKeyById, type MarketKeyRow } from './keys';
import { marketByCode, type MarketRow } from './markets';

/** Nonces older than this are pruned: past the window, a request is refused for its time anyway. */
const NONCE_KEEP_MS = 2 * MARKET_SIGNATURE_WINDOW_SECONDS * 1000;
/**
 * Requests a market may make per minute, counted in the database so that the
 * limit holds across service instances (SETTLEKEY_MARKET_REQUESTS_PER_MINUTE).
 * A batch of clearing lines is one request.
 */
export const MARKET_REQUESTS_PER_MINUTE = 6_000;
/** How often an instance prunes (the delete is cheap; doing it on every request is not needed). */
const PRUNE_EVERY_MS = 60_000;
let lastPrune = 0;

export interface MarketRequest {
  method: string;
  /** The request target as received, with its query string. */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The market code the request's path names. */
  marketCode: string;
}

function header(request: MarketRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The market that signed the request, checked from its headers alone — before
 * the body is read, so a caller who is not a market learns nothing about a
 * route's input. The signature covers the Content-Digest header; that the body
 * matches it is checked once the body is in (bodyMatchesDigest).
 */
export async function authenticateMarket(ctx: ServiceContext, request: MarketRequest): Promise<MarketRow> {
  if (!header(request, 'signature') || !header(request, 'signature-input') || !header(request, 'content-digest'))
    throw new AppError('MARKET_SIGNATURE_MISSING');

  const seen: SignatureParameters[] = [];
  let key: MarketKeyRow | undefined;
  // The library turns a failed lookup into "no key": a database out of reach must not be
  // answered as an unknown key (401, which a market's system takes as final), so it is kept.
  let lookupFailure: unknown;
  const now = Math.floor(Date.now() / 1000);
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers[name] = value;
  const outcome = await httpbis
    .verifyMessage(
      {
        keyLookup: async (params) => {
          seen.push(params);
          key =
            typeof params.keyid === 'string'
              ? await marketKeyById(ctx.db, params.keyid).catch((error: unknown) => {
                  lookupFailure = error;
                  throw error;
                })
              : undefined;
          if (!key || key.status !== 'active') return null;
          return {
            id: key.key_id,
            algs: [key.algorithm],
            verify: createVerifier(createPublicKey(key.public_key), key.algorithm),
          };
        },
        requiredFields: [...MARKET_SIGNED_FIELDS],
        requiredParams: [...MARKET_SIGNATURE_PARAMS],
        maxAge: MARKET_SIGNATURE_WINDOW_SECONDS,
        notAfter: now + MARKET_SIGNATURE_WINDOW_SECONDS,
      },
      { method: request.method, url: new URL(request.url, 'http://market-api'), headers },
    )
    .catch((error: unknown) => error);
  // One signature per request: a second could be another market's, and which one counted would be unclear.
  if (seen.length !== 1) throw new AppError('MARKET_SIGNATURE_INVALID');
  if (lookupFailure !== undefined) throw lookupFailure;
  if (!key) throw new AppError('MARKET_KEY_UNKNOWN');
  if (key.status !== 'active') throw new AppError('MARKET_KEY_REVOKED');
  if (outcome instanceof ExpiredError) throw new AppError('MARKET_SIGNATURE_STALE');
  if (outcome !== true) throw new AppError('MARKET_SIGNATURE_INVALID');

  const market = await marketByCode(ctx.db, request.marketCode).catch((error: unknown) => {
    if (error instanceof AppError) return null;
    throw error;
  });
  // A market acts only on its own code; another code is refused the same whether or not it exists.
  if (!market || market.id !== key.market_id) throw new AppError('MARKET_KEY_OTHER_MARKET');

  const nonce = String(seen[0].nonce);
  if (nonce.length < MARKET_NONCE_LENGTH.min || nonce.length > MARKET_NONCE_LENGTH.max)
    throw new AppError('MARKET_SIGNATURE_INVALID');
  await pruneNonces(ctx);
  try {
    await ctx.db
      .insertInto('market_nonces')
      .values({ market_id: market.id, nonce, seen_at: new Date().toISOString() })
      .execute();
  } catch (error) {
    if (isUniqueViolation(error)) throw new AppError('MARKET_REQUEST_REPLAYED');
    throw error;
  }

  // Counted once the request is known to be the market's and new: no one else, and no replay of a
  // captured request, can spend its allowance.
  const at = new Date();
  const limit = ctx.options.marketRequestsPerMinute ?? MARKET_REQUESTS_PER_MINUTE;
  const slot = await takeSlot(
    ctx.db,
    { scope: 'market-api', subject: market.code, period: at.toISOString().slice(0, 16) },
    limit,
    at.toISOString(),
  );
  if (slot === null) throw new AppError('MARKET_RATE_LIMITED', { limit, seconds: 60 - at.getUTCSeconds() });
  return market;
}

/** The body as received ('' for none) is the one the signed Content-Digest (RFC 9530, SHA-256) names. */
export function bodyMatchesDigest(headers: MarketRequest['headers'], rawBody: string | Buffer): void {
  const digest = `sha-256=:${createHash('sha256').update(rawBody).digest('base64')}:`;
  if (headers['content-digest'] !== digest) throw new AppError('MARKET_BODY_CHANGED');
}

async function pruneNonces(ctx: ServiceContext): Promise<void> {
  const now = Date.now();
  if (now - lastPrune < PRUNE_EVERY_MS) return;
  lastPrune = now;
  await ctx.db
    .deleteFrom('market_nonces')
    .where('seen_at', '<', new Date(now - NONCE_KEEP_MS).toISOString())
    .execute();
  // The per-minute counts of minutes gone by.
  await ctx.db
    .deleteFrom('limit_counters')
    .where('scope', '=', 'market-api')
    .where('period', '<', new Date(now - 60_000).toISOString().slice(0, 16))
    .execute();
}
