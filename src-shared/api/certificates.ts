import { z } from 'zod';
import { SignatureEnvelope } from '../signing';

export const MyCertificate = z.object({
  serial: z.string(),
  subject: z.string(),
  keyType: z.enum(['rsa', 'ec']),
  media: z.enum(['token', 'file']),
  status: z.enum(['issued', 'activated', 'revoked']),
  notBefore: z.string(),
  notAfter: z.string(),
  activatedAt: z.string().nullable(),
});
export type MyCertificate = z.infer<typeof MyCertificate>;

export const ChallengeRequest = z.strictObject({ purpose: z.enum(['certificateTest']) });
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
