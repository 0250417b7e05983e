// SM2 as the banks' tokens make it, checked against Debian's openssl command
// line (OpenSSL 3, with the standard signer ID set explicitly: its default is
// an empty ID, which is not what tokens use).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sm2 } from 'sm-crypto-v2';
import { afterAll, describe, expect, it } from 'vitest';
import {
  derToRs,
  fromHex,
  pointFromUncompressed,
  rsToDer,
  signSm2InSoftware,
  SM2_DEFAULT_ID,
  verifySm2,
  type Sm2Point,
} from '../../src-token/sm2';
import { describeCertificate } from '../../src-token/pkcs11-driver';
import { randomSerial } from '../../src-service/bank-keys/serials';
import { buildSm2Certificate, buildSm2Csr, readSm2Csr, sm2Issued, sm2NameDer, sm2Spki } from '../../src-token/sm2-x509';
import {
  parseSm2Mechanisms,
  SM2_MECHANISMS,
  sm2MechanismFor,
  sm2SignatureFromToken,
  sm2TokenInput,
  type Sm2Mechanism,
} from '../../src-token/sm2-mechanisms';

const dir = mkdtempSync(join(tmpdir(), 'sk-sm2-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, data?: Uint8Array | string) => {
  const path = join(dir, name);
  if (data !== undefined) writeFileSync(path, data);
  return path;
};
const openssl = (args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });
const DISTID = `distid:${SM2_DEFAULT_ID}`;

/** An SM2 key made by openssl: its PEM files and the point. */
function opensslKey(name: string): { key: string; pub: string; point: Sm2Point } {
  const key = file(`${name}.key`);
  execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:SM2', '-out', key]);
  const pub = file(`${name}.pub`);
  execFileSync('openssl', ['pkey', '-in', key, '-pubout', '-out', pub]);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-in', pub, '-outform', 'DER']);
  return { key, pub, point: pointFromUncompressed(new Uint8Array(der.subarray(der.length - 65))) };
}

function softwareKey(): { privateKey: string; point: Sm2Point; pub: string } {
  const pair = sm2.generateKeyPairHex();
  const point = pointFromUncompressed(fromHex(pair.publicKey));
  const pem = x509.PemConverter.encode(sm2Spki(point).slice().buffer, 'PUBLIC KEY');
  return { privateKey: pair.privateKey, point, pub: file(`soft-${pair.publicKey.slice(2, 10)}.pub`, pem) };
}

const message = new TextEncoder().encode('{"kind":"deposit","amountFen":"100000"}');

describe('SM2 signatures with the standard ID', () => {
  it('verifies what openssl signs, and openssl verifies what we sign; a changed message fails both', () => {
    const k = opensslKey('a');
    const msg = file('msg.bin', message);
    const sig = file('a.sig');
    execFileSync('openssl', ['dgst', '-sm3', '-sign', k.key, '-sigopt', DISTID, '-out', sig, msg]);
    const rs = derToRs(new Uint8Array(readFileSync(sig)));
    expect(verifySm2(k.point, message, rs)).toBe(true);
    expect(verifySm2(k.point, new TextEncoder().encode('{"kind":"deposit","amountFen":"900000"}'), rs)).toBe(false);
    // openssl's default (empty) ID is another signature: the ID matters.
    expect(verifySm2(k.point, message, rs, '')).toBe(false);

    const soft = softwareKey();
    const ours = file('ours.sig', rsToDer(signSm2InSoftware(soft.privateKey, message)));
    const ok = openssl(['dgst', '-sm3', '-verify', soft.pub, '-sigopt', DISTID, '-signature', ours, msg]);
    expect(ok.stdout).toContain('Verified OK');
    const changed = file('changed.bin', new TextEncoder().encode('{"kind":"deposit","amountFen":"900000"}'));
    const bad = openssl(['dgst', '-sm3', '-verify', soft.pub, '-sigopt', DISTID, '-signature', ours, changed]);
    expect(bad.stdout).not.toContain('Verified OK');
  });

  it('refuses r or s outside [1, n-1] and signatures of the wrong length', () => {
    const soft = softwareKey();
    const rs = signSm2InSoftware(soft.privateKey, message);
    expect(verifySm2(soft.point, message, rs)).toBe(true);
    const zeroR = rs.slice();
    zeroR.fill(0, 0, 32);
    expect(verifySm2(soft.point, message, zeroR)).toBe(false);
    const bigS = rs.slice();
    bigS.fill(0xff, 32);
    expect(verifySm2(soft.point, message, bigS)).toBe(false);
    expect(verifySm2(soft.point, message, rs.subarray(0, 63))).toBe(false);
  });

  it('converts r‖s and DER both ways, refusing what is not a signature', () => {
    for (let i = 0; i < 20; i++) {
      const rs = signSm2InSoftware(softwareKey().privateKey, message);
      expect(derToRs(rsToDer(rs))).toEqual(rs);
    }
    expect(() => derToRs(Uint8Array.of(0x30, 0x03, 0x02, 0x01, 0x01))).toThrow(/not a DER SM2 signature/);
    expect(() => derToRs(Uint8Array.of(0x04, 0x00))).toThrow(/not a DER SM2 signature/);
  });
});

describe('SM2 requests and certificates (GM/T 0015)', () => {
  it('builds a request openssl verifies, and refuses one whose subject was changed', async () => {
    const user = softwareKey();
    const pem = await buildSm2Csr(user.point, { commonName: 'demo.op1', organization: '演示企业' }, async (tbs) =>
      signSm2InSoftware(user.privateKey, tbs),
    );
    const read = readSm2Csr(pem)!;
    expect(read).toMatchObject({ commonName: 'demo.op1', selfSigned: true });
    const verified = openssl(['req', '-in', file('user.csr', pem), '-verify', '-noout', '-vfyopt', DISTID]);
    expect(verified.stdout + verified.stderr).toMatch(/verify OK/);

    const der = Buffer.from(x509.PemConverter.decode(pem)[0]);
    const at = der.indexOf(Buffer.from('demo.op1'));
    der[at + 7] = '2'.charCodeAt(0);
    const forged = x509.PemConverter.encode(der, 'CERTIFICATE REQUEST');
    expect(readSm2Csr(forged)).toMatchObject({ commonName: 'demo.op2', selfSigned: false });
    const refused = openssl(['req', '-in', file('forged.csr', forged), '-verify', '-noout', '-vfyopt', DISTID]);
    expect(refused.stdout + refused.stderr).toMatch(/verify failure/);
  });

  it('issues a chain openssl verifies; another CA and a changed certificate are not the issuer', async () => {
    const ca = softwareKey();
    const other = softwareKey();
    const user = softwareKey();
    const caName = sm2NameDer({ commonName: 'Test SM2 Root CA', organization: 'Test Bank' });
    const day = 86_400_000;
    const now = new Date();
    const caDer = await buildSm2Certificate(
      {
        serialNumber: '01',
        issuer: caName,
        subject: caName,
        notBefore: now,
        notAfter: new Date(now.getTime() + day),
        publicKey: sm2Spki(ca.point),
        extensions: [new x509.BasicConstraintsExtension(true, 0, true)],
      },
      async (tbs) => signSm2InSoftware(ca.privateKey, tbs),
    );
    const leaf = await buildSm2Certificate(
      {
        serialNumber: '7f01',
        issuer: caName,
        subject: sm2NameDer({ commonName: 'demo.op1', organization: 'Org' }),
        notBefore: now,
        notAfter: new Date(now.getTime() + day),
        publicKey: sm2Spki(user.point),
        extensions: [new x509.BasicConstraintsExtension(false, undefined, true)],
      },
      async (tbs) => signSm2InSoftware(ca.privateKey, tbs),
    );
    const pemOf = (der: Uint8Array) => x509.PemConverter.encode(der.slice().buffer, 'CERTIFICATE');
    const verified = openssl([
      'verify',
      '-vfyopt',
      DISTID,
      '-CAfile',
      file('ca.pem', pemOf(caDer)),
      file('leaf.pem', pemOf(leaf)),
    ]);
    expect(verified.stdout).toContain('leaf.pem: OK');
    expect(openssl(['x509', '-in', file('leaf.pem'), '-noout', '-text']).stdout).toContain('SM2-with-SM3');
    expect(sm2Issued(leaf, caDer)).toBe(true);

    const otherCa = await buildSm2Certificate(
      {
        serialNumber: '02',
        issuer: caName,
        subject: caName,
        notBefore: now,
        notAfter: new Date(now.getTime() + day),
        publicKey: sm2Spki(other.point),
        extensions: [],
      },
      async (tbs) => signSm2InSoftware(other.privateKey, tbs),
    );
    expect(sm2Issued(leaf, otherCa)).toBe(false);
    const changed = leaf.slice();
    changed[changed.indexOf(0x7f, 10) + 1] ^= 1; // the serial's second byte
    expect(sm2Issued(changed, caDer)).toBe(false);

    // On a vendor's PKCS#11 token the same certificate is listed as an SM2 one (WebCrypto knows no SM2 curve).
    expect(describeCertificate('0001', 'ab', 'demo.op1', Buffer.from(leaf), 1)).toMatchObject({
      keyType: 'sm2',
      serial: '7F01',
      subjectCommonName: 'demo.op1',
      paired: true,
    });
  });
});

describe('certificate serials', () => {
  it('are positive and minimally encoded: never a first byte of 0 (padding openssl refuses) or ≥ 0x80 (negative)', () => {
    for (let i = 0; i < 20_000; i++) {
      const first = Number.parseInt(randomSerial().slice(0, 2), 16);
      expect(first >= 0x01 && first <= 0x7f, `first byte ${first}`).toBe(true);
    }
  });
});

describe('the PKCS#11 SM2 mechanism table', () => {
  const k = opensslKey('token');
  const msg = file('token-msg.bin', message);

  /** What a vendor's token would answer to C_Sign, made by openssl from the same key. */
  function tokenSign(entry: Sm2Mechanism, input: Uint8Array): Uint8Array {
    const out = file('token.sig');
    if (entry.input === 'message') {
      execFileSync('openssl', ['dgst', '-sm3', '-sign', k.key, '-sigopt', DISTID, '-out', out, file('in.bin', input)]);
    } else {
      // The token signs the 32 bytes as e, as SKF_ECCSignData does: openssl pkeyutl on an SM2 key does that.
      execFileSync('openssl', ['pkeyutl', '-sign', '-inkey', k.key, '-in', file('in.bin', input), '-out', out]);
    }
    const der = new Uint8Array(readFileSync(out));
    return entry.signature === 'der' ? der : derToRs(der);
  }

  const encodings = new Set(SM2_MECHANISMS.map((m) => `${m.input}/${m.signature}`));
  it('covers every combination of input and encoding', () => {
    expect([...encodings].sort()).toEqual(['message/der', 'message/raw', 'prehashed/der', 'prehashed/raw']);
  });

  for (const entry of SM2_MECHANISMS) {
    it(`${entry.vendor} 0x${entry.mechanism.toString(16)}: ${entry.input}, ${entry.signature} → a signature the service verifies`, () => {
      const input = sm2TokenInput(entry, k.point, message);
      expect(input.length).toBe(entry.input === 'message' ? message.length : 32);
      const rs = sm2SignatureFromToken(entry, tokenSign(entry, input));
      expect(verifySm2(k.point, message, rs)).toBe(true);
      // And openssl agrees on the result.
      const sig = file('back.sig', rsToDer(rs));
      expect(openssl(['dgst', '-sm3', '-verify', k.pub, '-sigopt', DISTID, '-signature', sig, msg]).stdout).toContain(
        'Verified OK',
      );
    });
  }

  it('chooses by module file, key type and what the token lists; the user’s entries come first', () => {
    expect(sm2MechanismFor('/usr/lib/libupkcs11.so', [0x80008104], 0x80000004)?.input).toBe('prehashed');
    expect(sm2MechanismFor('/usr/lib/libupkcs11.so', [0x80008100, 0x80008104], 0x80000004)?.signature).toBe('raw');
    expect(sm2MechanismFor('/usr/lib/libsofthsm2.so', [0x80008100], 0x80000004)).toBeNull();
    const mine = parseSm2Mechanisms([
      {
        vendor: 'Mine',
        module: 'softhsm',
        keyType: '0x80000004',
        mechanism: '0x80008100',
        input: 'prehashed',
        signature: 'der',
      },
    ]);
    expect(sm2MechanismFor('/usr/lib/libsofthsm2.so', [0x80008100], 0x80000004, mine)).toMatchObject({
      vendor: 'Mine',
    });
    expect(() =>
      parseSm2Mechanisms([
        { vendor: 'x', module: 'y', keyType: 'ten', mechanism: 1, input: 'message', signature: 'raw' },
      ]),
    ).toThrow(/keyType/);
  });
});
