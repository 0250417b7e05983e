// 证书更新: what the expiring certificate signs for the new key's request — the
// SHA-256 of the request's PEM exactly as sent — so the desktop that signs it
// and the service that checks it compute one value.
import { createHash } from 'node:crypto';

export function csrDigest(csrPem: string): string {
  return createHash('sha256').update(csrPem, 'utf8').digest('hex');
}
