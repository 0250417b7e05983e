// @peculiar/x509 on Node's WebCrypto. Its declarations use the DOM's crypto
// types, which the service does not compile against; these aliases bridge them.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as never);

export type X509Key = Parameters<typeof x509.SubjectKeyIdentifierExtension.create>[0] & { type?: string };
export type X509KeyPair = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0]['keys'];
export type X509SigningKey = Extract<
  Parameters<typeof x509.X509CertificateGenerator.create>[0],
  { signingKey: unknown }
>['signingKey'];

export { x509 };

export { signingProvider, type X509Crypto } from '../../src-token/x509-signing';

/** The key @peculiar/x509 is handed when signRaw signs: a descriptor of an RSA key held elsewhere. */
export const HELD_RSA_KEY = {
  algorithm: { name: 'RSASSA-PKCS1-v1_5', hash: { name: 'SHA-256' } },
  type: 'private',
  extractable: false,
  usages: ['sign'],
} as unknown as X509SigningKey;
