// PKCS#10 requests and X.509 certificates with SM2 keys and SM3withSM2
// signatures (GM/T 0015, GB/T 20518). @peculiar/x509 builds them through
// WebCrypto, which has no SM2: here the ASN.1 is put together with its
// asn1-schema classes and the one signature comes from a token (the user's
// USB-KEY for a request, the bank's SM2 HSM for a certificate).
import 'reflect-metadata';
import { CertificationRequest, CertificationRequestInfo } from '@peculiar/asn1-csr';
import { ECParameters } from '@peculiar/asn1-ecc';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  Certificate,
  Extension,
  Extensions,
  Name,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import * as x509 from '@peculiar/x509';
import { createHash } from 'node:crypto';
import { derToRs, fromHex, pointFromUncompressed, rsToDer, SM2_OIDS, verifySm2, type Sm2Point } from './sm2';

const SM3_WITH_SM2 = () => new AlgorithmIdentifier({ algorithm: SM2_OIDS.sm3WithSm2 });
const bytes = (buffer: ArrayBuffer | ArrayBufferView): Uint8Array =>
  buffer instanceof ArrayBuffer
    ? new Uint8Array(buffer)
    : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** Signs the DER it is given with SM2 (standard ID) and returns r‖s. */
export type Sm2Signer = (tbs: Uint8Array) => Promise<Uint8Array>;

/** SubjectPublicKeyInfo of an SM2 key: id-ecPublicKey with the SM2 curve (GM/T 0015 §7.1.11). */
export function sm2Spki(point: Sm2Point): Uint8Array {
  const spki = new SubjectPublicKeyInfo({
    algorithm: new AlgorithmIdentifier({
      algorithm: SM2_OIDS.ecPublicKey,
      parameters: AsnConvert.serialize(new ECParameters({ namedCurve: SM2_OIDS.sm2Curve })),
    }),
    subjectPublicKey: Uint8Array.of(0x04, ...point.x, ...point.y).buffer,
  });
  return bytes(AsnConvert.serialize(spki));
}

/** The SM2 point of a SubjectPublicKeyInfo, or null when the key is not on the SM2 curve. */
export function sm2PointOfSpki(spki: SubjectPublicKeyInfo | Uint8Array): Sm2Point | null {
  const info = spki instanceof SubjectPublicKeyInfo ? spki : AsnConvert.parse(spki, SubjectPublicKeyInfo);
  if (info.algorithm.algorithm !== SM2_OIDS.ecPublicKey || !info.algorithm.parameters) return null;
  const params = AsnConvert.parse(info.algorithm.parameters, ECParameters);
  if (params.namedCurve !== SM2_OIDS.sm2Curve) return null;
  try {
    return pointFromUncompressed(bytes(info.subjectPublicKey));
  } catch {
    return null;
  }
}

/** RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (04‖x‖y), hex. */
export function sm2KeyIdentifier(point: Sm2Point): string {
  return createHash('sha1')
    .update(Uint8Array.of(0x04, ...point.x, ...point.y))
    .digest('hex');
}

export function sm2NameDer(subject: { commonName: string; organization: string }): Uint8Array {
  return bytes(
    new x509.Name([{ CN: [subject.commonName] }, { O: [subject.organization] }, { C: ['CN'] }]).toArrayBuffer(),
  );
}

/** A PKCS#10 request for an SM2 key, signed by that key's holder (the token). */
export async function buildSm2Csr(
  point: Sm2Point,
  subject: { commonName: string; organization: string },
  sign: Sm2Signer,
): Promise<string> {
  const info = new CertificationRequestInfo({
    version: 0,
    subject: AsnConvert.parse(sm2NameDer(subject), Name),
    subjectPKInfo: AsnConvert.parse(sm2Spki(point), SubjectPublicKeyInfo),
  });
  const tbs = bytes(AsnConvert.serialize(info));
  const signature = rsToDer(await sign(tbs));
  const request = new CertificationRequest({
    certificationRequestInfo: info,
    signatureAlgorithm: SM3_WITH_SM2(),
    signature: signature.slice().buffer,
  });
  return x509.PemConverter.encode(AsnConvert.serialize(request), 'CERTIFICATE REQUEST');
}

export interface Sm2Request {
  /** The subject Name, DER. */
  subject: Uint8Array;
  commonName: string;
  point: Sm2Point;
  /** Whether the request is signed by its own key (SM3withSM2, standard ID). */
  selfSigned: boolean;
}

/** The TLV at `at`: where its value starts and where it ends. */
function tlv(der: Uint8Array, at: number): { start: number; end: number } {
  let length = der[at + 1];
  let start = at + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + der[start + i];
    start += count;
  }
  if (start + length > der.length) throw new Error('truncated DER');
  return { start, end: start + length };
}

/** The first element inside the outer SEQUENCE, exactly as encoded: what was signed. */
function signedPart(der: Uint8Array): Uint8Array {
  const outer = tlv(der, 0);
  return der.subarray(outer.start, tlv(der, outer.start).end);
}

/** An SM2 request read and its signature checked; null when it is a request for another kind of key. */
export function readSm2Csr(pem: string): Sm2Request | null {
  const der = bytes(x509.PemConverter.decode(pem)[0] ?? new ArrayBuffer(0));
  const request = AsnConvert.parse(der, CertificationRequest);
  const point = sm2PointOfSpki(request.certificationRequestInfo.subjectPKInfo);
  if (!point) return null;
  const subject = bytes(AsnConvert.serialize(request.certificationRequestInfo.subject));
  let selfSigned = false;
  if (request.signatureAlgorithm.algorithm === SM2_OIDS.sm3WithSm2) {
    try {
      selfSigned = verifySm2(point, signedPart(der), derToRs(bytes(request.signature)));
    } catch {
      selfSigned = false;
    }
  }
  return { subject, commonName: new x509.Name(subject.slice().buffer).getField('CN')[0] ?? '', point, selfSigned };
}

export interface Sm2CertificateParams {
  /** Positive serial number, hex. */
  serialNumber: string;
  issuer: Uint8Array;
  subject: Uint8Array;
  notBefore: Date;
  notAfter: Date;
  /** The subject's public key, SubjectPublicKeyInfo DER (SM2). */
  publicKey: Uint8Array;
  extensions: x509.Extension[];
}

/** A certificate signed with SM3withSM2 by `sign` (the issuer's SM2 key). */
export async function buildSm2Certificate(params: Sm2CertificateParams, sign: Sm2Signer): Promise<Uint8Array> {
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: fromHex(params.serialNumber).slice().buffer,
    signature: SM3_WITH_SM2(),
    issuer: AsnConvert.parse(params.issuer, Name),
    validity: new Validity({ notBefore: params.notBefore, notAfter: params.notAfter }),
    subject: AsnConvert.parse(params.subject, Name),
    subjectPublicKeyInfo: AsnConvert.parse(params.publicKey, SubjectPublicKeyInfo),
    extensions: new Extensions(params.extensions.map((e) => AsnConvert.parse(e.rawData, Extension))),
  });
  const signature = rsToDer(await sign(bytes(AsnConvert.serialize(tbs))));
  const certificate = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: SM3_WITH_SM2(),
    signatureValue: signature.slice().buffer,
  });
  return bytes(AsnConvert.serialize(certificate));
}

export interface Sm2CertificateView {
  point: Sm2Point | null;
  /** The bytes the issuer signed, and its signature r‖s (null when not SM3withSM2). */
  tbs: Uint8Array;
  signature: Uint8Array | null;
  issuer: Uint8Array;
  subject: Uint8Array;
  subjectKeyIdentifier: Uint8Array | null;
}

/** What a verifier needs of a certificate, read without WebCrypto (which cannot read an SM2 key). */
export function readSm2Certificate(der: Uint8Array): Sm2CertificateView {
  const cert = AsnConvert.parse(der, Certificate);
  const tbs = cert.tbsCertificate;
  let signature: Uint8Array | null = null;
  if (cert.signatureAlgorithm.algorithm === SM2_OIDS.sm3WithSm2) {
    try {
      signature = derToRs(bytes(cert.signatureValue));
    } catch {
      signature = null;
    }
  }
  const ski = tbs.extensions?.find((e) => e.extnID === '2.5.29.14');
  return {
    point: sm2PointOfSpki(tbs.subjectPublicKeyInfo),
    tbs: signedPart(der),
    signature,
    issuer: bytes(AsnConvert.serialize(tbs.issuer)),
    subject: bytes(AsnConvert.serialize(tbs.subject)),
    subjectKeyIdentifier: ski ? bytes(AsnConvert.parse(ski.extnValue.buffer, OctetString).buffer) : null,
  };
}

/** Whether `issuer` (an SM2 certificate) signed `subject`: names chained and the SM2 signature right. */
export function sm2Issued(subject: Uint8Array, issuer: Uint8Array): boolean {
  try {
    const s = readSm2Certificate(subject);
    const i = readSm2Certificate(issuer);
    if (!s.signature || !i.point) return false;
    if (!equalBytes(s.issuer, i.subject)) return false;
    return verifySm2(i.point, s.tbs, s.signature);
  } catch {
    return false;
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
