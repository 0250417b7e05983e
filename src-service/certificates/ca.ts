// The bank's root CA. Created at the service's first start (RSA-2048, 20 years)
// and kept in the service's database; @peculiar/x509 issues every user
// certificate with it, RSA or EC subject keys alike.
import { webcrypto } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Clock } from '../clock';
import type { Database } from '../store/schema';
import { x509, type X509KeyPair, type X509Key } from './x509';

export interface BankCa {
  certificate: x509.X509Certificate;
  privateKey: webcrypto.CryptoKey;
}

const RSA = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

function toPem(der: ArrayBuffer, label: string): string {
  const b64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

function fromPem(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}

let cached: { db: Kysely<Database>; ca: Promise<BankCa> } | null = null;

/** The CA of this database, created the first time it is needed. */
export function bankCa(db: Kysely<Database>, clock: Clock, bankName: string): Promise<BankCa> {
  if (cached?.db === db) return cached.ca;
  const ca = loadOrCreate(db, clock, bankName);
  cached = { db, ca };
  ca.catch(() => {
    if (cached?.ca === ca) cached = null;
  });
  return ca;
}

async function loadOrCreate(db: Kysely<Database>, clock: Clock, bankName: string): Promise<BankCa> {
  const row = await db.selectFrom('bank_ca').selectAll().where('id', '=', 1).executeTakeFirst();
  if (row) return load(row.certificate_pem, row.private_key_pem);
  const keys = (await webcrypto.subtle.generateKey(
    { ...RSA, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as webcrypto.CryptoKeyPair;
  const now = clock.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${bankName} Root CA, O=${bankName}, C=CN`,
    notBefore: now,
    notAfter: new Date(now.getTime() + 20 * 365 * 86_400_000),
    keys: keys as unknown as X509KeyPair,
    signingAlgorithm: RSA,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as X509Key),
    ],
  });
  const privateKeyPem = toPem(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey), 'PRIVATE KEY');
  // Two services starting at once on one database: the first insert wins, both use it.
  await db
    .insertInto('bank_ca')
    .values({
      id: 1,
      certificate_pem: certificate.toString('pem'),
      private_key_pem: privateKeyPem,
      created_at: now.toISOString(),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
  const stored = await db.selectFrom('bank_ca').selectAll().where('id', '=', 1).executeTakeFirstOrThrow();
  return load(stored.certificate_pem, stored.private_key_pem);
}

async function load(certificatePem: string, privateKeyPem: string): Promise<BankCa> {
  const privateKey = await webcrypto.subtle.importKey('pkcs8', fromPem(privateKeyPem), RSA, false, ['sign']);
  return { certificate: new x509.X509Certificate(certificatePem), privateKey };
}
