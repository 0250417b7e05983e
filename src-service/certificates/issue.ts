// Issuing a user certificate from a PKCS#10 request: the request must verify
// with its own key, name the user, and carry an RSA-2048+ or P-256 key.
import { randomBytes } from 'node:crypto';
import type { CertificateMedia } from '../../src-shared/api/certificates';
import { AppError } from '../../src-shared/errors';
import { normaliseSerial, type KeyType } from '../../src-shared/token';
import type { ServiceContext } from '../context';
import { x509 } from './x509';

export const DEFAULT_VALIDITY_DAYS = 730;

export interface IssueInput {
  userId: number;
  csrPem: string;
  media: CertificateMedia;
  validityDays?: number;
  /** For tests of expiry: a certificate that started earlier. */
  notBefore?: Date;
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

export async function issueCertificate(ctx: ServiceContext, input: IssueInput): Promise<IssuedCertificate> {
  const user = await ctx.db.selectFrom('users').selectAll().where('id', '=', input.userId).executeTakeFirst();
  if (!user) throw new AppError('NOT_FOUND');
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
  else throw new AppError('CERT_CSR_INVALID', { reason: 'key must be RSA-2048 or larger, or EC P-256' });

  const notBefore = input.notBefore ?? ctx.clock.now();
  const notAfter = new Date(notBefore.getTime() + (input.validityDays ?? DEFAULT_VALIDITY_DAYS) * 86_400_000);
  // A positive 128-bit serial (first bit clear keeps DER from reading it as negative).
  const serialBytes = randomBytes(16);
  serialBytes[0] &= 0x7f;
  const publicKey = await csr.publicKey.export();
  // Signed by the CA key in the HSM; the issuer and its authority key identifier come with it.
  const certificate = await ctx.bankKeys.certify({
    serialNumber: serialBytes.toString('hex'),
    subject: csr.subjectName,
    notBefore,
    notAfter,
    publicKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.clientAuth]),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  const der = Buffer.from(certificate.rawData);
  const serial = normaliseSerial(certificate.serialNumber);
  await ctx.db
    .insertInto('certificates')
    .values({
      serial,
      user_id: user.id,
      subject: certificate.subject,
      key_type: keyType,
      media: input.media,
      certificate_der: der.toString('base64'),
      not_before: notBefore.toISOString(),
      not_after: notAfter.toISOString(),
      status: 'issued',
      issued_at: ctx.clock.nowIso(),
    })
    .execute();
  await retireSuperseded(ctx, user.id, serial);
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
