// Issuing a user certificate from a PKCS#10 request: the request must verify
// with its own key, name the user, and carry an RSA-2048+, P-256 or SM2 key.
// An SM2 key is certified by the bank's SM2 CA (SM3withSM2), the others by the
// RSA CA.
import type { Kysely } from 'kysely';
import type { CertificateMedia } from '../../src-shared/api/certificates';
import { AppError } from '../../src-shared/errors';
import { normaliseSerial, type KeyType } from '../../src-shared/token';
import { readSm2Csr, sm2KeyIdentifier, sm2Spki, type Sm2Request } from '../../src-token/sm2-x509';
import { randomSerial } from '../bank-keys/serials';
import type { ServiceContext } from '../context';
import type { Database } from '../store/schema';
import { x509 } from './x509';

export const DEFAULT_VALIDITY_DAYS = 730;

export interface IssueInput {
  userId: number;
  csrPem: string;
  media: CertificateMedia;
  validityDays?: number;
  /** For tests of expiry: a certificate that started earlier. */
  notBefore?: Date;
  /** 证书更新: the serial of the certificate this one renews. */
  renewalOf?: string;
}

export interface IssuedCertificate {
  serial: string;
  der: Buffer;
  notAfter: string;
  keyType: KeyType;
}

export async function bankName(ctx: ServiceContext): Promise<string> {
  const row = await ctx.db.selectFrom('settings').select('value').where('key', '=', 'bank_name_en').executeTakeFirst();
  return row?.value ?? 'SettleKey Bank';
}

/** The extensions of every user certificate: an end entity that signs, for client authentication. */
const userExtensions = () => [
  new x509.BasicConstraintsExtension(false, undefined, true),
  new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
  new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
];

function validity(ctx: ServiceContext, input: IssueInput): { notBefore: Date; notAfter: Date } {
  const notBefore = input.notBefore ?? ctx.clock.now();
  const notAfter = new Date(notBefore.getTime() + (input.validityDays ?? DEFAULT_VALIDITY_DAYS) * 86_400_000);
  return { notBefore, notAfter };
}

function readSm2Request(csrPem: string): Sm2Request | null {
  try {
    return readSm2Csr(csrPem);
  } catch {
    throw new AppError('CERT_CSR_INVALID', { reason: 'not a PKCS#10 request' });
  }
}

/** An SM2 request: checked with SM3withSM2 and the standard ID, certified by the SM2 CA in the SM2 HSM. */
async function certifySm2(
  ctx: ServiceContext,
  input: IssueInput,
  request: Sm2Request,
  loginName: string,
): Promise<{ der: Buffer; serial: string; subject: string; notBefore: Date; notAfter: Date }> {
  if (!request.selfSigned) throw new AppError('CERT_CSR_INVALID', { reason: 'its signature does not verify' });
  if (request.commonName !== loginName) {
    throw new AppError('CERT_CSR_INVALID', { reason: `subject CN must be ${loginName}` });
  }
  const { notBefore, notAfter } = validity(ctx, input);
  const spki = sm2Spki(request.point);
  const der = Buffer.from(
    await ctx.bankKeys.sm2.certify({
      serialNumber: randomSerial(),
      subject: request.subject,
      notBefore,
      notAfter,
      publicKey: spki,
      extensions: [...userExtensions(), new x509.SubjectKeyIdentifierExtension(sm2KeyIdentifier(request.point))],
    }),
  );
  const certificate = new x509.X509Certificate(der);
  return { der, serial: normaliseSerial(certificate.serialNumber), subject: certificate.subject, notBefore, notAfter };
}

export async function issueCertificate(ctx: ServiceContext, input: IssueInput): Promise<IssuedCertificate> {
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', input.userId).executeTakeFirst();
  if (!user) throw new AppError('NOT_FOUND');
  const sm2Request = readSm2Request(input.csrPem);
  if (sm2Request) {
    const issued = await certifySm2(ctx, input, sm2Request, user.login_name);
    return recordIssued(ctx, user.id, input, { ...issued, keyType: 'sm2' });
  }
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(input.csrPem);
  } catch {
    throw new AppError('CERT_CSR_INVALID', { reason: 'not a PKCS#10 request' });
  }
  if (!(await csr.verify())) {
    throw new AppError('CERT_CSR_INVALID', { reason: 'its signature does not verify' });
  }
  const commonName = csr.subjectName.getField('CN')[0];
  if (commonName !== user.login_name) {
    throw new AppError('CERT_CSR_INVALID', { reason: `subject CN must be ${user.login_name}` });
  }
  const algorithm = csr.publicKey.algorithm as { name: string; modulusLength?: number; namedCurve?: string };
  let keyType: KeyType;
  if (algorithm.name === 'RSASSA-PKCS1-v1_5' && (algorithm.modulusLength ?? 0) >= 2048) keyType = 'rsa';
  else if (algorithm.name === 'ECDSA' && algorithm.namedCurve === 'P-256') keyType = 'ec';
  else throw new AppError('CERT_CSR_INVALID', { reason: 'key must be RSA-2048 or larger, EC P-256 or SM2' });

  const { notBefore, notAfter } = validity(ctx, input);
  const publicKey = await csr.publicKey.export();
  // Signed by the CA key in the HSM; the issuer and its authority key identifier come with it.
  const certificate = await ctx.bankKeys.certify({
    serialNumber: randomSerial(),
    subject: csr.subjectName,
    notBefore,
    notAfter,
    publicKey,
    extensions: [...userExtensions(), await x509.SubjectKeyIdentifierExtension.create(publicKey)],
  });
  return recordIssued(ctx, user.id, input, {
    der: Buffer.from(certificate.rawData),
    serial: normaliseSerial(certificate.serialNumber),
    subject: certificate.subject,
    notBefore,
    notAfter,
    keyType,
  });
}

async function recordIssued(
  ctx: ServiceContext,
  userId: number,
  input: IssueInput,
  issued: { der: Buffer; serial: string; subject: string; notBefore: Date; notAfter: Date; keyType: KeyType },
): Promise<IssuedCertificate> {
  const { der, serial, notBefore, notAfter, keyType } = issued;
  await ctx.db
    .insertInto('certificates')
    .values({
      serial,
      user_id: userId,
      subject: issued.subject,
      key_type: keyType,
      media: input.media,
      certificate_der: der.toString('base64'),
      not_before: notBefore.toISOString(),
      not_after: notAfter.toISOString(),
      status: 'issued',
      issued_at: ctx.clock.nowIso(),
      renewal_of: input.renewalOf ?? null,
    })
    .execute();
  await retireSuperseded(ctx, userId, serial);
  return { serial, der, notAfter: notAfter.toISOString(), keyType };
}

/**
 * A certificate from a retired CA is honoured only until its holder is issued
 * one by the current CA: then it is revoked, and the retired CA verifies less.
 */
async function retireSuperseded(ctx: ServiceContext, userId: number, newSerial: string): Promise<void> {
  const held = await ctx.db
    .selectFrom('certificates')
    .select(['serial', 'certificate_der'])
    .where('user_id', '=', userId)
    .where('status', '!=', 'revoked')
    .where('serial', '!=', newSerial)
    .execute();
  for (const cert of held) {
    if ((await ctx.bankKeys.issuerOf(Buffer.from(cert.certificate_der, 'base64'))) !== 'retired') continue;
    await revokeCertificate(ctx, cert.serial, 'superseded: re-issued under the new bank CA');
  }
}

/** Sign-off: an issued certificate becomes the activated one, once (a second sign-off is refused). */
export async function activateCertificate(db: Kysely<Database>, id: number, at: string): Promise<void> {
  const activated = await db
    .updateTable('certificates')
    .set({ status: 'activated', activated_at: at })
    .where('id', '=', id)
    .where('status', '=', 'issued')
    .executeTakeFirst();
  if (Number(activated.numUpdatedRows) !== 1) throw new AppError('CERT_ALREADY_ACTIVATED');
}

export async function revokeCertificate(ctx: ServiceContext, serial: string, reason: string): Promise<void> {
  const result = await ctx.db
    .updateTable('certificates')
    .set({ status: 'revoked', revoked_at: ctx.clock.nowIso(), revoke_reason: reason.slice(0, 200) })
    .where('serial', '=', normaliseSerial(serial))
    .where('status', '!=', 'revoked')
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) === 0) {
    const exists = await ctx.db
      .selectFrom('certificates')
      .select('status')
      .where('serial', '=', normaliseSerial(serial))
      .executeTakeFirst();
    if (!exists) throw new AppError('CERT_NOT_FOUND', { serial });
  }
}
