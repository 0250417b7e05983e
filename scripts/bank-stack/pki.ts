// The stack's certificates, made by Debian's openssl. Two authorities, as at a
// bank: the data centre's internal CA for the hops behind the load balancer
// (instances, PgBouncer, PostgreSQL and its replication), and the bank CA — its
// key in the HSM — for the address the desktops reach, which they pin. The
// internal CA's key is used here and then removed: what issued is all that stays.
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { run } from './proc';

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

/** The internal CA's certificate and one server certificate for 127.0.0.1 and localhost per name. */
export function internalPki(dir: string, names: string[]): void {
  const at = (f: string) => join(dir, f);
  run('openssl', [
    'req',
    '-x509',
    ...EC,
    '-days',
    '30',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-subj',
    '/CN=SettleKey data centre internal CA',
  ]);
  writeFileSync(
    at('server.ext'),
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n',
  );
  for (const name of names) {
    run('openssl', [
      'req',
      ...EC,
      '-keyout',
      at(`${name}.key`),
      '-out',
      at(`${name}.csr`),
      '-subj',
      `/CN=${name}.settlekey.internal`,
    ]);
    run('openssl', [
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-days',
      '30',
      '-extfile',
      at('server.ext'),
      '-out',
      at(`${name}.pem`),
    ]);
    rmSync(at(`${name}.csr`));
  }
  rmSync(at('ca.key'));
}

/** A key and CSR for the public address; the bank CA signs it (`service tls-certificate`). */
export function publicKeyAndCsr(dir: string): { key: string; csr: string } {
  const key = join(dir, 'lb.key');
  const csr = join(dir, 'lb.csr');
  run('openssl', ['req', ...EC, '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1']);
  return { key, csr };
}
