// A TLS server certificate from the bank CA, for the address the desktops reach
// (the load balancer): the desktop pins the bank CA for a remote service, so the
// certificate it is shown must be the bank CA's. The key stays where it was made
// (the request is a PKCS#10 CSR); the CA key signs in the HSM, as for a USB-KEY.
import { isIP } from 'node:net';
import { randomSerial } from '../bank-keys/serials';
import type { ServiceContext } from '../context';
import { x509 } from './x509';

export const SERVER_TLS_VALIDITY_DAYS = 397;

export interface ServerTlsRequest {
  csrPem: string;
  /** DNS names and IP addresses the certificate is for; the first is its CN. */
  names: string[];
  validityDays?: number;
}

export async function issueServerCertificate(ctx: ServiceContext, request: ServerTlsRequest): Promise<string> {
  if (request.names.length === 0) throw new Error('--name: at least one DNS name or IP address');
  const csr = new x509.Pkcs10CertificateRequest(request.csrPem);
  if (!(await csr.verify())) throw new Error('the CSR is not signed by its own key');
  const days = request.validityDays ?? SERVER_TLS_VALIDITY_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > SERVER_TLS_VALIDITY_DAYS)
    throw new Error(`--days: 1 to ${SERVER_TLS_VALIDITY_DAYS} (browsers' and clients' limit for a server certificate)`);
  const notBefore = ctx.clock.now();
  const publicKey = await csr.publicKey.export();
  const names = request.names.map((value) => ({ type: isIP(value) ? ('ip' as const) : ('dns' as const), value }));
  const certificate = await ctx.bankKeys.certify({
    serialNumber: randomSerial(),
    subject: `CN=${request.names[0]}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + days * 86_400_000),
    publicKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return certificate.toString('pem');
}
