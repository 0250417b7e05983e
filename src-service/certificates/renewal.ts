// 证书更新: from 30 days before the activated certificate expires, its holder
// makes a new key on the token, and the old certificate's signature over the new
// request authorises the bank CA to certify it — no visit to the counter. The
// new certificate is signed off by its own key; then it is activated and the
// old one revoked, in one transaction. One renewal per certificate, however
// many requests arrive at once (the unique index on renewal_of); one the counter
// revoked (its certificate never reached the token, say) frees the way again.
import { RENEWAL_WINDOW_DAYS, type RenewalReply, type RenewalSignOffReply } from '../../src-shared/api/certificates';
import { AppError } from '../../src-shared/errors';
import type { SignatureEnvelope } from '../../src-shared/signing';
import { csrDigest } from '../../src-token/csr-digest';
import type { UserRow } from '../auth/users';
import type { ServiceContext } from '../context';
import { atomically, isUniqueViolation } from '../store/tx';
import { activateCertificate, issueCertificate } from './issue';
import { verifySigned, type CertificateRow } from './signatures';
import { x509 } from './x509';

const DAY_MS = 86_400_000;

function publicKeyBytes(read: () => { publicKey: { rawData: ArrayBuffer } }): Buffer {
  try {
    return Buffer.from(read().publicKey.rawData);
  } catch {
    throw new AppError('CERT_CSR_INVALID', { reason: 'not a PKCS#10 request' });
  }
}

function checkWindow(ctx: ServiceContext, old: CertificateRow): void {
  const opens = Date.parse(old.not_after) - RENEWAL_WINDOW_DAYS * DAY_MS;
  if (ctx.clock.now().getTime() < opens) {
    throw new AppError('CERT_RENEWAL_TOO_EARLY', {
      days: RENEWAL_WINDOW_DAYS,
      date: new Date(opens).toISOString().slice(0, 10),
    });
  }
}

export async function renewCertificate(
  ctx: ServiceContext,
  user: UserRow,
  body: { csrPem: string; signature: SignatureEnvelope },
): Promise<RenewalReply> {
  const digest = csrDigest(body.csrPem);
  const old = await verifySigned(ctx, {
    userId: user.id,
    purpose: 'renewal',
    envelope: body.signature,
    need: 'activated',
    payload: (env) => ({
      kind: 'renewal',
      loginName: user.login_name,
      certSerial: env.certSerial,
      csrDigest: digest,
      challenge: env.challenge,
      time: env.time,
    }),
  });
  checkWindow(ctx, old);
  const renewed = await ctx.db
    .selectFrom('certificates')
    .select('serial')
    .where('renewal_of', '=', old.serial)
    .where('status', '!=', 'revoked')
    .executeTakeFirst();
  if (renewed) throw new AppError('CERT_RENEWAL_PENDING');
  const newKey = publicKeyBytes(() => new x509.Pkcs10CertificateRequest(body.csrPem));
  const oldKey = publicKeyBytes(() => new x509.X509Certificate(Buffer.from(old.certificate_der, 'base64')));
  if (newKey.equals(oldKey)) throw new AppError('CERT_RENEWAL_SAME_KEY');
  try {
    const issued = await issueCertificate(ctx, {
      userId: user.id,
      csrPem: body.csrPem,
      media: old.media,
      renewalOf: old.serial,
    });
    return {
      serial: issued.serial,
      certificateDer: issued.der.toString('base64'),
      notAfter: issued.notAfter,
      keyType: issued.keyType,
    };
  } catch (error) {
    // Two renewals at once: the other one's certificate is recorded, this one's never handed out.
    if (isUniqueViolation(error)) throw new AppError('CERT_RENEWAL_PENDING');
    throw error;
  }
}

export async function signOffRenewal(
  ctx: ServiceContext,
  user: UserRow,
  signature: SignatureEnvelope,
): Promise<RenewalSignOffReply> {
  const cert = await verifySigned(ctx, {
    userId: user.id,
    purpose: 'renewalSignOff',
    envelope: signature,
    need: 'issued',
    payload: (env) => ({
      kind: 'signOff',
      loginName: user.login_name,
      certSerial: env.certSerial,
      challenge: env.challenge,
      time: env.time,
    }),
  });
  const renewed = cert.renewal_of;
  if (!renewed) throw new AppError('CERT_RENEWAL_NONE');
  await atomically(ctx.db, async (trx) => {
    const now = ctx.clock.nowIso();
    await activateCertificate(trx, cert.id, now);
    await trx
      .updateTable('certificates')
      .set({ status: 'revoked', revoked_at: now, revoke_reason: `superseded: renewed by ${cert.serial}` })
      .where('serial', '=', renewed)
      .where('status', '!=', 'revoked')
      .execute();
  });
  return { serial: cert.serial, revoked: renewed, notAfter: cert.not_after };
}
