// The serial number of every certificate the bank's CAs issue (users', the SM2
// CA's own, the instances' TLS ones).
import { randomBytes } from 'node:crypto';

/**
 * A positive 128-bit serial: the first bit clear keeps DER from reading it as
 * negative, and the first byte never 0, since a leading zero byte before a byte
 * below 0x80 is padding DER forbids — openssl refuses such a certificate (the
 * SKF simulator's d2i_X509 did, one time in 256).
 */
export function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = bytes[0] & 0x7f || 0x01;
  return bytes.toString('hex');
}
