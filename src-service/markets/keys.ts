// The keys a market's own system signs its requests with (market-signature.ts
// in src-shared says how). Bank staff register a market's public key with the
// counter tool; a market has at most two usable keys, so it can rotate without
// a gap, and a revoked key is refused from the next request on — every request
// reads its key's row, so no instance can hold on to a revoked one.
import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { marketKeyId, type MarketKeyAlgorithm } from '../../src-shared/market-signature';
import { appendAudit } from '../audit/log';
import type { ServiceContext } from '../context';
import type { Database, MarketKeysTable } from '../store/schema';
import { atomically } from '../store/tx';
import { marketByCode } from './markets';

export type MarketKeyRow = Selectable<MarketKeysTable>;

/** A market keeps at most this many usable keys: the current one and its successor during a rotation. */
export const MAX_ACTIVE_KEYS = 2;

/** The algorithm a public key signs with, or a refusal naming what it is. */
function algorithmOf(key: KeyObject): MarketKeyAlgorithm {
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return 'ecdsa-p256-sha256';
  throw new AppError('MARKET_KEY_INVALID');
}

function publicKeyFrom(pem: string): KeyObject {
  try {
    return createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new AppError('MARKET_KEY_INVALID');
  }
}

export interface RegisteredKey {
  keyId: string;
  marketCode: string;
  algorithm: MarketKeyAlgorithm;
  createdAt: string;
}

/**
 * Registers a market's public key (SPKI PEM) under its id (marketKeyId).
 */
export async function registerMarketKey(
  ctx: ServiceContext,
  input: { marketCode: string; publicKeyPem: string; by: string },
): Promise<RegisteredKey> {
  const key = publicKeyFrom(input.publicKeyPem);
  const algorithm = algorithmOf(key);
  const spki = key.export({ type: 'spki', format: 'der' });
  const keyId = marketKeyId(input.marketCode, createHash('sha256').update(spki).digest('hex'));
  return atomically(ctx.db, async (trx) => {
    // The market's row is locked first, so two registrations at once count each other's keys.
    const market = await marketByCode(trx, input.marketCode);
    if (ctx.store.dialect === 'postgres')
      await trx.selectFrom('markets').select('id').where('id', '=', market.id).forUpdate().execute();
    const known = await trx
      .selectFrom('market_keys')
      .select(['key_id', 'status'])
      .where('market_id', '=', market.id)
      .execute();
    // A revoked key never comes back: its holder may be the one it was revoked against.
    if (known.some((k) => k.key_id === keyId)) throw new AppError('MARKET_KEY_EXISTS');
    if (known.filter((k) => k.status === 'active').length >= MAX_ACTIVE_KEYS)
      throw new AppError('MARKET_KEYS_FULL', { max: MAX_ACTIVE_KEYS });
    const createdAt = ctx.clock.nowIso();
    await trx
      .insertInto('market_keys')
      .values({
        key_id: keyId,
        market_id: market.id,
        algorithm,
        public_key: key.export({ type: 'spki', format: 'pem' }).toString(),
        status: 'active',
        created_at: createdAt,
        revoked_at: null,
      })
      .execute();
    await appendAudit(trx, {
      at: createdAt,
      actor: input.by,
      action: 'market.keyRegistered',
      entity: 'market',
      entityId: market.id,
      details: { keyId, algorithm },
    });
    return { keyId, marketCode: market.code, algorithm, createdAt };
  });
}

/** Revokes a key: the market's next request signed with it is refused. */
export async function revokeMarketKey(ctx: ServiceContext, input: { keyId: string; by: string }): Promise<void> {
  await atomically(ctx.db, async (trx) => {
    const at = ctx.clock.nowIso();
    const revoked = await trx
      .updateTable('market_keys')
      .set({ status: 'revoked', revoked_at: at })
      .where('key_id', '=', input.keyId)
      .where('status', '=', 'active')
      .returning(['market_id'])
      .executeTakeFirst();
    if (!revoked) throw new AppError('MARKET_KEY_UNKNOWN');
    await appendAudit(trx, {
      at,
      actor: input.by,
      action: 'market.keyRevoked',
      entity: 'market',
      entityId: revoked.market_id,
      details: { keyId: input.keyId },
    });
  });
}

export async function marketKeys(db: Kysely<Database>, marketCode: string): Promise<MarketKeyRow[]> {
  const market = await marketByCode(db, marketCode);
  return db.selectFrom('market_keys').selectAll().where('market_id', '=', market.id).orderBy('id').execute();
}

export async function marketKeyById(db: Kysely<Database>, keyId: string): Promise<MarketKeyRow | undefined> {
  return db.selectFrom('market_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
}
