// Demo mode only: the bank counter's certificate issuance, done by the demo's
// own start-up (who needs a USB-KEY, and the CA issuing one for a CSR). A
// service started without --demo has no such routes.
import { z } from 'zod';
import { KeyType } from '../token';
import { CertificateMedia } from '../api/certificates';
import { defineRoutes } from './define';

/** The demo's corporate users who need a certificate, and how many (not revoked) they have. */
export const TokenHolders = z.array(
  z.object({
    loginName: z.string(),
    organization: z.string(),
    certificates: z.number().int(),
    /** The key the holder's USB-KEY is to carry: 'sm2' on an SKF device where the bank has an SM2 CA. */
    keyType: KeyType,
  }),
);
export type TokenHolders = z.infer<typeof TokenHolders>;

/** A CSR for a user who never had a certificate. */
export const IssueCertificateRequest = z.strictObject({
  loginName: z.string().max(32),
  csrPem: z.string().max(8000),
  media: CertificateMedia,
});
export type IssueCertificateRequest = z.infer<typeof IssueCertificateRequest>;

/** The issued certificate, DER in base64. */
export const IssuedCertificate = z.object({ serial: z.string(), certificateDer: z.string() });
export type IssuedCertificate = z.infer<typeof IssuedCertificate>;

export const counterRoutes = defineRoutes('counter', {
  'counter.tokenHolders': {
    method: 'GET',
    path: '/__demo/token-holders',
    reply: TokenHolders,
    audience: 'counter',
    auth: 'none',
    hidden: true,
    summary: 'Demo users who need a certificate',
  },
  'counter.issueCertificate': {
    method: 'POST',
    path: '/__demo/certificates',
    input: IssueCertificateRequest,
    reply: IssuedCertificate,
    audience: 'counter',
    auth: 'none',
    hidden: true,
    summary: 'Issue a first certificate for a demo user’s CSR',
  },
});
