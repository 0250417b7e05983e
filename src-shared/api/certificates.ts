import { z } from 'zod';
import { SignatureEnvelope } from '../signing';
import { KeyType } from '../token';

// These closed sets are also the store's column types and CHECK lists:
// tests/unit/store-enums.test.ts keeps the two equal.
/** Where the key is: a USB-KEY, or a password-protected file where no PKCS#11 module exists. */
export const CERTIFICATE_MEDIA = ['token', 'file'] as const;
export const CertificateMedia = z.enum(CERTIFICATE_MEDIA);
export type CertificateMedia = z.infer<typeof CertificateMedia>;

/** Issued by the counter, activated by the user's sign-off, or revoked. */
export const CERTIFICATE_STATUSES = ['issued', 'activated', 'revoked'] as const;
export const CertificateStatus = z.enum(CERTIFICATE_STATUSES);
export type CertificateStatus = z.infer<typeof CertificateStatus>;

export const MyCertificate = z.object({
  serial: z.string(),
  subject: z.string(),
  keyType: KeyType,
  media: CertificateMedia,
  status: CertificateStatus,
  notBefore: z.string(),
  notAfter: z.string(),
  activatedAt: z.string().nullable(),
});
export type MyCertificate = z.infer<typeof MyCertificate>;

export const ChallengeRequest = z.strictObject({
  purpose: z.enum(['certificateTest', 'renewal', 'renewalSignOff']),
});

/** 证书更新 opens this many days before the activated certificate expires (the login's notice too). */
export const RENEWAL_WINDOW_DAYS = 30;

/** A new key's request, authorised by a signature of the certificate it renews. */
export const RenewalRequest = z.strictObject({
  csrPem: z.string().min(100).max(8000),
  signature: SignatureEnvelope,
});
export const RenewalReply = z.object({
  serial: z.string(),
  certificateDer: z.string(),
  notAfter: z.string(),
  keyType: KeyType,
});
export type RenewalReply = z.infer<typeof RenewalReply>;

/** The renewed certificate signed off by its own key: it is activated and the old one revoked. */
export const RenewalSignOffRequest = z.strictObject({ signature: SignatureEnvelope });
export const RenewalSignOffReply = z.object({ serial: z.string(), revoked: z.string(), notAfter: z.string() });
export type RenewalSignOffReply = z.infer<typeof RenewalSignOffReply>;
export const ChallengeReply = z.object({
  challenge: z.string(),
  issuedAt: z.string(),
  expiresInSeconds: z.number().int(),
});
export type ChallengeReply = z.infer<typeof ChallengeReply>;

export const CertificateTestRequest = z.strictObject({
  note: z.string().min(1).max(100),
  signature: SignatureEnvelope.optional(),
});
export type CertificateTestRequest = z.infer<typeof CertificateTestRequest>;

export const CertificateTestReply = z.object({ verified: z.literal(true), serial: z.string(), signedAt: z.string() });
export type CertificateTestReply = z.infer<typeof CertificateTestReply>;
