// Verifying what a user signed. The service rebuilds the canonical bytes from
// what it received and checks, each with its own refusal: a missing signature,
// a certificate of another user, a revoked, expired or not signed-off
// certificate, an unknown, reused or stale challenge, a clock too far off, and
// finally the signature itself over those bytes.
import { randomBytes, verify, X509Certificate, type KeyObject } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { canonicalBytes, type SignatureEnvelope, type SignedPayload } from '../../src-shared/signing';
import { normaliseSerial } from '../../src-shared/token';
import { pointHex } from '../../src-token/sm2';
import { readSm2Certificate } from '../../src-token/sm2-x509';
import { readAccessVersion, type AccessVersion } from '../auth/access-cache';
import type { ServiceContext } from '../context';
import { prepared, type Slots } from '../store/prepared';
import type { CertificatesTable, Database } from '../store/schema';
import { atomically } from '../store/tx';
import { sm2Verifier } from './sm2-verify';

export const CHALLENGE_TTL_SECONDS = 300;
const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export type CertificateRow = Selectable<CertificatesTable>;

/** A one-time challenge for this user and purpose; `reference` ties it to what it is for (an instruction's serial). */
const publicKeys = new Map<string, KeyObject>();

/** A certificate's public key, parsed once: certificates never change (their status is read each time). */
export function publicKeyOf(cert: CertificateRow): KeyObject {
  let key = publicKeys.get(cert.serial);
  if (!key) {
    key = new X509Certificate(Buffer.from(cert.certificate_der, 'base64')).publicKey;
    if (publicKeys.size > 10_000) publicKeys.clear();
    publicKeys.set(cert.serial, key);
  }
  return key;
}

const sm2Points = new Map<string, string | null>();

/** An SM2 certificate's public point (hex), read once; null when the certificate holds no SM2 key. */
function sm2PointOf(cert: CertificateRow): string | null {
  let point = sm2Points.get(cert.serial);
  if (point === undefined) {
    const read = readSm2Certificate(Buffer.from(cert.certificate_der, 'base64')).point;
    point = read ? pointHex(read) : null;
    if (sm2Points.size > 10_000) sm2Points.clear();
    sm2Points.set(cert.serial, point);
  }
  return point;
}

const trusted = new Set<string>();

/**
 * Whether one of the bank's CAs signed the certificate — the current one, or a
 * retired one until its holder is re-issued. A row in the table is not enough:
 * whoever could write to the database could add one.
 */
export async function issuedByBank(ctx: ServiceContext, cert: CertificateRow): Promise<boolean> {
  if (trusted.has(cert.serial)) return true;
  const ok = (await ctx.bankKeys.issuerOf(Buffer.from(cert.certificate_der, 'base64'))) !== null;
  if (ok) {
    if (trusted.size > 10_000) trusted.clear();
    trusted.add(cert.serial);
  }
  return ok;
}

export async function issueChallenge(
  ctx: ServiceContext,
  userId: number,
  purpose: string,
  reference: string | null = null,
): Promise<string> {
  const id = randomBytes(24).toString('base64url');
  await atomically(ctx.db, (trx) =>
    trx
      .insertInto('challenges')
      .values({ id, user_id: userId, purpose, created_at: ctx.clock.nowIso(), reference })
      .execute(),
  );
  return id;
}

/** Now and the oldest creation time a challenge may have (ISO times of one format compare as strings). */
function challengeWindow(ctx: ServiceContext): { now: string; oldest: string } {
  const now = ctx.clock.now();
  return { now: now.toISOString(), oldest: new Date(now.getTime() - CHALLENGE_TTL_SECONDS * 1000).toISOString() };
}

type ChallengeUse = { id: string; now: string; oldest: string; userId: number; purpose: string };

/** The one conditional update that uses a challenge up: once, by its user, for its purpose, within five minutes. */
function useUpStatement(db: Kysely<Database>, slot: Slots<ChallengeUse>) {
  return db
    .updateTable('challenges')
    .set({ used_at: slot.now })
    .where('id', '=', slot.id)
    .where('used_at', 'is', null)
    .where('user_id', '=', slot.userId)
    .where('purpose', '=', slot.purpose)
    .where('created_at', '>=', slot.oldest);
}

/**
 * Uses a challenge up. One conditional update does it; only a refusal reads
 * the row, to say why.
 */
async function consumeChallenge(
  ctx: ServiceContext,
  id: string,
  userId: number,
  purpose: string,
  reference?: string,
): Promise<void> {
  const { now, oldest } = challengeWindow(ctx);
  let use = useUpStatement(ctx.db, { id, now, oldest, userId, purpose });
  if (reference !== undefined) use = use.where('reference', '=', reference);
  const used = await use.executeTakeFirst();
  if (Number(used.numUpdatedRows) === 1) return;
  const row = await ctx.db.selectFrom('challenges').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.user_id !== userId || row.purpose !== purpose) throw new AppError('CHALLENGE_UNKNOWN');
  if (reference !== undefined && row.reference !== reference) throw new AppError('CHALLENGE_UNKNOWN');
  if (row.used_at !== null) throw new AppError('CHALLENGE_REUSED');
  if (row.created_at < oldest) throw new AppError('CHALLENGE_EXPIRED');
  // Two requests racing with one challenge: one of them finds it used.
  throw new AppError('CHALLENGE_REUSED');
}

const accessVersionColumn = (eb: ExpressionBuilder<Database, 'challenges'>) =>
  eb.selectFrom('cache_versions').select('version').where('name', '=', 'access').as('access_version');

// Every signed request inside a transaction runs one of these two (an
// instruction's decision names the instruction's serial as the reference).
const useUpReadingVersion = prepared((db, slot: Slots<ChallengeUse>) =>
  useUpStatement(db, slot).returning(accessVersionColumn),
);
const useUpForReadingVersion = prepared((db, slot: Slots<ChallengeUse & { reference: string }>) =>
  useUpStatement(db, slot).where('reference', '=', slot.reference).returning(accessVersionColumn),
);

/**
 * Inside a transaction: the challenge used up, and the access version read, by
 * one statement (one round trip on PostgreSQL instead of two). The version, or
 * null when the challenge could not be used (the checks then run in their
 * order and say what is wrong). A refusal after this rolls the use back with
 * the transaction it belongs to.
 */
async function useUpWithVersion(
  ctx: ServiceContext,
  input: VerifyInput,
  challenge: string,
): Promise<AccessVersion | null> {
  const { now, oldest } = challengeWindow(ctx);
  const use = { id: challenge, now, oldest, userId: input.userId, purpose: input.purpose };
  const row =
    input.reference === undefined
      ? await useUpReadingVersion.first(ctx.db, use)
      : await useUpForReadingVersion.first(ctx.db, { ...use, reference: input.reference });
  return row?.access_version === undefined || row.access_version === null ? null : String(row.access_version);
}

/**
 * A certificate by serial, from the instance's copy when the access version
 * read now (inside the caller's transaction, when there is one) is the copy's:
 * a revocation through any instance bumps it.
 */
export async function certificateBySerial(ctx: ServiceContext, serial: string): Promise<CertificateRow | undefined> {
  return ctx.access.certificate(ctx.db, await readAccessVersion(ctx.db), normaliseSerial(serial));
}

/**
 * Whether `signature` (base64) is the certificate's key's over `bytes`: EC as
 * r‖s (what tokens give), SM2 as r‖s with the standard ID, or RSA. Checked on
 * libuv's thread pool (node:crypto's verify with a callback) or, for SM2, on
 * the SM2 workers — never on the event loop that serves every request: a
 * signature check was the largest single piece of an approval's CPU there.
 */
export function signatureMatches(
  cert: CertificateRow,
  bytes: Buffer | Uint8Array,
  signature: string,
): Promise<boolean> {
  const raw = Buffer.from(signature, 'base64');
  if (cert.key_type === 'sm2') {
    const point = sm2PointOf(cert);
    if (!point || raw.length !== 64) return Promise.resolve(false);
    return sm2Verifier.verify(point, Uint8Array.from(bytes), raw);
  }
  const key = publicKeyOf(cert);
  return new Promise((resolve) => {
    // A signature the key cannot even read (a wrong length, garbage) is not the key's.
    const done = (error: Error | null, ok: boolean) => resolve(!error && ok);
    if (cert.key_type === 'ec') verify('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }, raw, done);
    else verify('sha256', bytes, key, raw, done);
  });
}

/** Status and validity of a certificate at the service's time; revocation is read every time. */
export function checkUsable(ctx: ServiceContext, cert: CertificateRow, need: 'issued' | 'activated'): void {
  if (cert.status === 'revoked') throw new AppError('CERT_REVOKED');
  const now = ctx.clock.nowIso();
  if (now < cert.not_before || now > cert.not_after) throw new AppError('CERT_EXPIRED');
  if (need === 'activated' && cert.status !== 'activated') throw new AppError('CERT_NOT_ACTIVATED');
  if (need === 'issued' && cert.status !== 'issued') throw new AppError('CERT_ALREADY_ACTIVATED');
}

export interface VerifyInput {
  userId: number;
  /** The challenge's purpose: what the signature may be used for. */
  purpose: string;
  envelope: SignatureEnvelope | undefined;
  /** The operation as the service received it; challenge and time come from the envelope. */
  payload: (envelope: SignatureEnvelope) => SignedPayload;
  need: 'issued' | 'activated';
  /** The challenge must have been issued for this (an instruction's serial). */
  reference?: string;
}

/** A signature's check done before its transaction, for the transaction to take if nothing changed since. */
export interface SignatureAhead {
  input: VerifyInput;
  version: AccessVersion;
  serial: string;
  matches: boolean;
}

/**
 * Checks the signature's mathematics before the transaction that uses it, with
 * the certificate as of the access version the guard read: on SQLite a work
 * that waited for the thread pool inside its group-committed transaction held
 * the whole batch open and left the next batches small. Every rule is still
 * checked inside the transaction (verifySigned); the result is taken only when
 * the transaction reads the same access version, i.e. the same certificate.
 * Null when there is nothing to check ahead — the transaction then says why.
 */
export async function checkSignatureAhead(
  ctx: ServiceContext,
  input: VerifyInput,
  version: AccessVersion | undefined,
): Promise<SignatureAhead | null> {
  const envelope = input.envelope;
  if (!envelope?.signature || version === undefined) return null;
  const cert = await ctx.access.certificate(ctx.db, version, normaliseSerial(envelope.certSerial));
  if (!cert || cert.user_id !== input.userId) return null;
  const bytes = canonicalBytes(input.payload(envelope));
  return { input, version, serial: cert.serial, matches: await signatureMatches(cert, bytes, envelope.signature) };
}

export async function verifySigned(
  ctx: ServiceContext,
  input: VerifyInput,
  ahead: SignatureAhead | null = null,
): Promise<CertificateRow> {
  const envelope = input.envelope;
  if (!envelope || !envelope.signature) throw new AppError('SIGNATURE_MISSING');
  // Outside a transaction the challenge is used up only after every check of the
  // certificate passed: nothing would roll a use back.
  const version = ctx.db.isTransaction ? await useUpWithVersion(ctx, input, envelope.challenge) : null;
  const cert =
    version === null
      ? await certificateBySerial(ctx, envelope.certSerial)
      : await ctx.access.certificate(ctx.db, version, normaliseSerial(envelope.certSerial));
  if (!cert) throw new AppError('CERT_NOT_FOUND', { serial: envelope.certSerial });
  if (cert.user_id !== input.userId) throw new AppError('CERT_NOT_OWNED');
  checkUsable(ctx, cert, input.need);
  if (!(await issuedByBank(ctx, cert))) throw new AppError('CERT_UNTRUSTED');
  if (version === null) await consumeChallenge(ctx, envelope.challenge, input.userId, input.purpose, input.reference);
  if (Math.abs(Date.parse(envelope.time) - ctx.clock.now().getTime()) > MAX_CLOCK_SKEW_MS) {
    throw new AppError('SIGNATURE_TIME_SKEW');
  }
  const checked =
    ahead !== null && ahead.input === input && ahead.version === version && ahead.serial === cert.serial ? ahead : null;
  const matches = checked
    ? checked.matches
    : await signatureMatches(cert, canonicalBytes(input.payload(envelope)), envelope.signature);
  if (!matches) throw new AppError('SIGNATURE_INVALID');
  return cert;
}
