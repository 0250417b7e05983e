// File certificates (文件证书): a password-protected PKCS#12 file per
// certificate, for machines where no PKCS#11 module exists. Less secure than a
// USB-KEY — the key lives on disk, guarded only by its password — and shown
// as such. Beside each `<name>.p12` its certificate is kept as `<name>.crt` so
// that it can be listed before the password is typed.
import forge from 'node-forge';
import { createPrivateKey, generateKeyPairSync, sign as nodeSign, webcrypto } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { AppError } from '../../src-shared/errors';
import type { TokenCertificate, TokenInfo } from '../../src-shared/token';
import { buildCsr, describeCertificate, type SubjectName } from '../../src-token/pkcs11-driver';

export const FILE_SLOT_PREFIX = 'file:';

export class FileCertificateStore {
  constructor(readonly dir: string) {}

  private names(): string[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.p12') && existsSync(join(this.dir, f.replace(/\.p12$/, '.crt'))))
      .map((f) => basename(f, '.p12'))
      .sort();
  }

  private nameOf(slotId: string): string {
    const name = slotId.slice(FILE_SLOT_PREFIX.length);
    if (!slotId.startsWith(FILE_SLOT_PREFIX) || !this.names().includes(name)) throw new AppError('TOKEN_NOT_PRESENT');
    return name;
  }

  tokens(): TokenInfo[] {
    return this.names().map((name) => {
      const cert = this.certificateOf(name);
      return {
        slotId: `${FILE_SLOT_PREFIX}${name}`,
        kind: 'file',
        label: cert.subjectCommonName,
        serial: cert.serial,
        manufacturer: 'SettleKey',
        model: 'PKCS#12 file certificate',
        pinState: 'ok',
      };
    });
  }

  private certificateOf(name: string): TokenCertificate {
    const der = readFileSync(join(this.dir, `${name}.crt`));
    return describeCertificate(`${FILE_SLOT_PREFIX}${name}`, name, name, der, 1);
  }

  certificates(slotId: string): TokenCertificate[] {
    return [this.certificateOf(this.nameOf(slotId))];
  }

  /** Opens the PKCS#12 with its password and signs SHA-256 with RSA PKCS#1 v1.5. */
  sign(slotId: string, password: string, data: Buffer[]): Buffer[] {
    const name = this.nameOf(slotId);
    const p12Der = readFileSync(join(this.dir, `${name}.p12`));
    let keyPem: string;
    try {
      const p12 = forge.pkcs12.pkcs12FromAsn1(forge.asn1.fromDer(p12Der.toString('binary')), false, password);
      const bags =
        p12.getBags({ bagType: forge.pki.oids.pkcs8ShroudedKeyBag })[forge.pki.oids.pkcs8ShroudedKeyBag] ?? [];
      const key = bags[0]?.key;
      if (!key) throw new Error('no key in the file');
      keyPem = forge.pki.privateKeyToPem(key);
    } catch {
      throw new AppError('TOKEN_FILE_PASSWORD');
    }
    const privateKey = createPrivateKey(keyPem);
    return data.map((d) => nodeSign('sha256', d, privateKey));
  }

  /** Makes a new key in software and its CSR; `finish` writes the file once the CA has issued. */
  async create(
    subject: SubjectName,
  ): Promise<{ csrPem: string; finish: (certDer: Buffer, password: string) => string }> {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const publicCryptoKey = await webcrypto.subtle.importKey(
      'spki',
      publicKey.export({ type: 'spki', format: 'der' }),
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      true,
      ['verify'],
    );
    const csrPem = await buildCsr(publicCryptoKey, 'rsa', subject, async (data) =>
      nodeSign('sha256', data, privateKey),
    );
    return {
      csrPem,
      finish: (certDer, password) => {
        mkdirSync(this.dir, { recursive: true, mode: 0o700 });
        const name = subject.commonName.replace(/[^A-Za-z0-9._@-]/g, '_');
        const forgeKey = forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
        const forgeCert = forge.pki.certificateFromAsn1(forge.asn1.fromDer(certDer.toString('binary')));
        const p12 = forge.pkcs12.toPkcs12Asn1(forgeKey, [forgeCert], password, { algorithm: 'aes256' });
        writeFileSync(join(this.dir, `${name}.p12`), Buffer.from(forge.asn1.toDer(p12).getBytes(), 'binary'), {
          mode: 0o600,
        });
        writeFileSync(join(this.dir, `${name}.crt`), certDer, { mode: 0o600 });
        return `${FILE_SLOT_PREFIX}${name}`;
      },
    };
  }
}
