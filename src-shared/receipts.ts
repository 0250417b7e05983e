// The bank's electronic receipts (电子回单): what each says, how the bank signs it,
// and how anyone verifies it offline — the service, the desktop's 回单验证 page and
// `npm run verify-receipt` share this file, and it needs only WebCrypto and
// @peculiar/x509 (both in Node and in the renderer).
//
// The bank signs a statement that commits to every line by a digest, not the
// lines themselves: SHA-256(salt ‖ key ‖ 0 ‖ value), each line's salt derived
// from the receipt's seed. So a verifier holding the full receipt recomputes each
// line's digest and names the line whose figure was changed, and the public
// lookup by verification code can hand out a copy with account numbers masked —
// their digests without their salts, which cannot be guessed back — that still
// verifies against the same signature.
// @peculiar/x509 reads decorators' metadata: the polyfill comes first.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { z } from 'zod';
import { AMOUNT_KEYS, MASKED_KEYS, RECEIPT_KEYS } from './receipt-keys';

export const RECEIPT_VERSION = 1;
/** RFC 9336 id-kp-documentSigning: the only key whose signature makes a receipt. */
export const DOCUMENT_SIGNING_EKU = '1.3.6.1.5.5.7.3.36';

export const ReceiptKind = z.enum(['instruction', 'transaction', 'memberOperation']);
export type ReceiptKind = z.infer<typeof ReceiptKind>;

/**
 * What a receipt is of. A transaction is one line of an entry on one of the
 * caller's accounts: an enterprise's settlement account (no contract) or a
 * member account (its contract).
 */
export const ReceiptSubject = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('instruction'), id: z.number().int().positive() }),
  z.strictObject({
    kind: z.literal('transaction'),
    entryId: z.number().int().positive(),
    contractId: z.number().int().positive().optional(),
  }),
  z.strictObject({ kind: z.literal('memberOperation'), serial: z.string().regex(/^[0-9A-Za-z-]{1,40}$/) }),
]);
export type ReceiptSubject = z.infer<typeof ReceiptSubject>;

export { AMOUNT_KEYS, MASKED_KEYS, RECEIPT_KEYS };
export const ReceiptKey = z.enum(RECEIPT_KEYS);
export type ReceiptKey = z.infer<typeof ReceiptKey>;

const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);
const Base64Url = z.string().regex(/^[A-Za-z0-9_-]+$/);

export const ReceiptLine = z.object({
  key: ReceiptKey,
  value: z.string().max(2000),
  /** Only in a masked copy: the salt of a line shown in full (a masked line has none). */
  salt: Base64Url.optional(),
});
export type ReceiptLine = z.infer<typeof ReceiptLine>;

/** What the bank signs: its bytes are the statement string exactly as carried. */
export const ReceiptStatement = z.object({
  v: z.literal(RECEIPT_VERSION),
  kind: ReceiptKind,
  code: z.string(),
  issuedAt: z.string(),
  /** The serial (hex) of the document-signing certificate that signed. */
  signer: z.string(),
  fields: z.array(z.tuple([ReceiptKey, Base64Url])),
});
export type ReceiptStatement = z.infer<typeof ReceiptStatement>;

/** A receipt as issued (with its seed) or as looked up by code (masked, with per-line salts). */
export const ReceiptDocument = z.object({
  v: z.literal(RECEIPT_VERSION),
  statement: z.string().max(20_000),
  lines: z.array(ReceiptLine).max(RECEIPT_KEYS.length),
  /** The full receipt's seed, from which every line's salt is derived. */
  seed: Base64Url.optional(),
  /** RSASSA-PKCS1-v1_5 with SHA-256 over the statement's UTF-8 bytes. */
  signature: Base64,
  /** The document-signing certificate (DER), issued by the bank CA. */
  certificate: Base64,
});
export type ReceiptDocument = z.infer<typeof ReceiptDocument>;

/** The issued receipt with the QR code's text (which carries everything but the certificate). */
export const IssuedReceipt = z.object({ document: ReceiptDocument, qr: z.string() });
export type IssuedReceipt = z.infer<typeof IssuedReceipt>;

export const ReceiptCodeParams = z.strictObject({
  code: z.string().max(40),
});

/** The bank's certificates a verifier needs: the CA (the anchor) and the document certificates. */
export const ReceiptCertificates = z.object({ ca: z.string(), documents: z.array(z.string()) });

// ── verification code ───────────────────────────────────────────────────────

/** Crockford's base32: no I, L, O or U, so a code read off paper is typed back right. */
const CODE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 20 characters of 5 bits: 100 random bits. */
export const CODE_LENGTH = 20;

export function formatCode(random: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of random) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < CODE_LENGTH) {
      out += CODE_ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  if (out.length < CODE_LENGTH) throw new Error('a code needs 13 random bytes');
  return out.match(/.{4}/g)!.join('-');
}

/** A code as typed (any case, spaces, dashes, O for 0, I/L for 1) in its printed form, or null. */
export function normalizeCode(typed: string): string | null {
  const plain = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (plain.length !== CODE_LENGTH || [...plain].some((c) => !CODE_ALPHABET.includes(c))) return null;
  return plain.match(/.{4}/g)!.join('-');
}

// ── digests and the statement ───────────────────────────────────────────────

const encoder = new TextEncoder();

function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function base64UrlToBytes(text: string): Uint8Array<ArrayBuffer> {
  return base64ToBytes(text.replace(/-/g, '+').replace(/_/g, '/'));
}

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.padEnd(text.length + ((4 - (text.length % 4)) % 4), '='));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** A line's salt: the first 16 bytes of HMAC-SHA256(seed, key). */
export async function lineSalt(seed: string, key: ReceiptKey): Promise<string> {
  const hmacKey = await crypto.subtle.importKey(
    'raw',
    base64UrlToBytes(seed),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, encoder.encode(key)));
  return bytesToBase64Url(mac.subarray(0, 16));
}

export async function lineDigest(salt: string, key: ReceiptKey, value: string): Promise<string> {
  const salted = [...base64UrlToBytes(salt), ...encoder.encode(key), 0, ...encoder.encode(value)];
  return bytesToBase64Url(new Uint8Array(await crypto.subtle.digest('SHA-256', new Uint8Array(salted))));
}

/** The statement's text: one fixed key order, so that the signer and a verifier rebuilding it agree. */
export function statementText(s: ReceiptStatement): string {
  return JSON.stringify({
    v: s.v,
    kind: s.kind,
    code: s.code,
    issuedAt: s.issuedAt,
    signer: s.signer,
    fields: s.fields,
  });
}

/** Account numbers in the public lookup: the first four and last four digits. */
export function maskAccount(value: string): string {
  return value.length <= 8
    ? '*'.repeat(value.length)
    : `${value.slice(0, 4)}${'*'.repeat(value.length - 8)}${value.slice(-4)}`;
}

/** The lookup's copy: masked lines lose their value and salt; the rest get their salt, the seed goes. */
export async function maskedCopy(document: ReceiptDocument): Promise<ReceiptDocument> {
  if (!document.seed) return document;
  const lines: ReceiptLine[] = [];
  for (const line of document.lines)
    lines.push(
      MASKED_KEYS.has(line.key)
        ? { key: line.key, value: maskAccount(line.value) }
        : { ...line, salt: await lineSalt(document.seed, line.key) },
    );
  return {
    v: document.v,
    statement: document.statement,
    lines,
    signature: document.signature,
    certificate: document.certificate,
  };
}

// ── the QR code ─────────────────────────────────────────────────────────────

/** The QR code's text: the statement's parts, the lines and the signature; the certificate is the bank's own. */
export function qrText(document: ReceiptDocument): string {
  const s = ReceiptStatement.parse(JSON.parse(document.statement));
  return JSON.stringify({
    v: s.v,
    k: s.kind,
    c: s.code,
    t: s.issuedAt,
    s: s.signer,
    e: document.seed,
    f: document.lines.map((l) => [l.key, l.value]),
    g: document.signature,
  });
}

const QrReceipt = z.object({
  v: z.literal(RECEIPT_VERSION),
  k: ReceiptKind,
  c: z.string(),
  t: z.string(),
  s: z.string(),
  e: Base64Url,
  f: z.array(z.tuple([ReceiptKey, z.string()])),
  g: Base64,
});

/** A QR code's text back into a receipt, with the certificate the statement names. */
export async function fromQrText(
  text: string,
  certificateOf: (serial: string) => string | undefined,
): Promise<ReceiptDocument> {
  const q = QrReceipt.parse(JSON.parse(text));
  const fields: [ReceiptKey, string][] = [];
  for (const [key, value] of q.f) fields.push([key, await lineDigest(await lineSalt(q.e, key), key, value)]);
  const certificate = certificateOf(q.s);
  if (!certificate) throw new ReceiptFormatError('signer');
  return {
    v: q.v,
    statement: statementText({ v: q.v, kind: q.k, code: q.c, issuedAt: q.t, signer: q.s, fields }),
    lines: q.f.map(([key, value]) => ({ key, value })),
    seed: q.e,
    signature: q.g,
    certificate,
  };
}

// ── verification ────────────────────────────────────────────────────────────

export class ReceiptFormatError extends Error {
  constructor(readonly reason: 'format' | 'signer') {
    super(reason === 'signer' ? 'the certificate that signed this receipt is not one of the bank’s' : 'not a receipt');
  }
}

/** Why a receipt fails, for the words of src-shared/messages `receiptCheck`. */
export type ReceiptProblem =
  | 'notIssuedByBank'
  | 'notDocumentKey'
  | 'certificateNotValidThen'
  | 'signatureInvalid'
  | 'linesChanged'
  | 'linesMissing';

export interface LineVerdict {
  key: ReceiptKey;
  value: string;
  /** ok: as the bank signed it; changed: not what it signed; masked: a number the lookup hides; extra: not in the statement. */
  status: 'ok' | 'changed' | 'masked' | 'extra';
}

export interface ReceiptVerdict {
  valid: boolean;
  problems: ReceiptProblem[];
  statement: ReceiptStatement | null;
  lines: LineVerdict[];
  /** Statement lines the receipt does not show. */
  missing: ReceiptKey[];
  signer: { subject: string; serial: string } | null;
}

/**
 * Checks a receipt against the bank CA's certificate (DER or PEM): the document
 * certificate is the CA's and is for document signing, the signature covers the
 * statement, and every line shown is the line the statement commits to.
 */
export async function verifyReceipt(input: unknown, caCertificate: string | Uint8Array): Promise<ReceiptVerdict> {
  const parsed = ReceiptDocument.safeParse(input);
  if (!parsed.success) throw new ReceiptFormatError('format');
  const document = parsed.data;
  let statement: ReceiptStatement;
  try {
    statement = ReceiptStatement.parse(JSON.parse(document.statement));
  } catch {
    throw new ReceiptFormatError('format');
  }
  const problems: ReceiptProblem[] = [];
  const ca = new x509.X509Certificate(caCertificate as string);
  const cert = new x509.X509Certificate(base64ToBytes(document.certificate));
  const issuedByCa =
    cert.issuer === ca.subject && (await cert.verify({ publicKey: ca.publicKey, signatureOnly: true }, crypto));
  if (!issuedByCa) problems.push('notIssuedByBank');
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  if (!eku?.usages.includes(DOCUMENT_SIGNING_EKU) || cert.serialNumber !== statement.signer)
    problems.push('notDocumentKey');
  const issuedAt = new Date(statement.issuedAt);
  if (!(issuedAt >= cert.notBefore && issuedAt <= cert.notAfter)) problems.push('certificateNotValidThen');

  const publicKey = await cert.publicKey.export({ name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, ['verify'], crypto);
  const signed = await crypto.subtle.verify(
    'RSASSA-PKCS1-v1_5',
    publicKey,
    base64ToBytes(document.signature),
    encoder.encode(document.statement),
  );
  if (!signed) problems.push('signatureInvalid');

  const committed = new Map(statement.fields);
  const lines: LineVerdict[] = [];
  for (const line of document.lines) {
    const digest = committed.get(line.key);
    const salt = document.seed ? await lineSalt(document.seed, line.key) : line.salt;
    let status: LineVerdict['status'];
    if (digest === undefined) status = 'extra';
    else if (salt === undefined) status = MASKED_KEYS.has(line.key) ? 'masked' : 'changed';
    else status = (await lineDigest(salt, line.key, line.value)) === digest ? 'ok' : 'changed';
    lines.push({ key: line.key, value: line.value, status });
  }
  if (lines.some((l) => l.status === 'changed' || l.status === 'extra')) problems.push('linesChanged');
  const shown = new Set(document.lines.map((l) => l.key));
  const missing = statement.fields.map(([key]) => key).filter((key) => !shown.has(key));
  if (missing.length) problems.push('linesMissing');
  return {
    valid: problems.length === 0,
    problems,
    statement,
    lines,
    missing,
    signer: { subject: cert.subject, serial: cert.serialNumber },
  };
}

/** The lines a problem is about: those missing from the receipt, or those not as the bank signed them. */
export function problemLines(verdict: ReceiptVerdict, problem: ReceiptProblem): ReceiptKey[] {
  if (problem === 'linesMissing') return verdict.missing;
  if (problem !== 'linesChanged') return [];
  return verdict.lines.filter((l) => l.status === 'changed' || l.status === 'extra').map((l) => l.key);
}
