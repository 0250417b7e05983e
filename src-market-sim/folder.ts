// The simulator's folder: one Ed25519 key per market it plays (the private
// half never leaves it; the public half is what bank staff register with the
// counter tool), its server's TLS certificate for 127.0.0.1, and the control
// file of a running simulator. Everything secret is 0600.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import forge from 'node-forge';
import { SimControlFile } from '../src-shared/api/market-sim';
import { marketKeyId } from '../src-shared/market-signature';
import { MARKET_SIM_FOLDER, SIM_CONTROL_FILE, userDataDirOn } from '../src-shared/user-data';
import type { MarketKey } from './signing';

/** The simulator's folder beside the app's data (the embedded default uses the same one). */
export function defaultSimFolder(): string {
  return join(
    userDataDirOn({ platform: process.platform, env: process.env, home: homedir(), join }),
    MARKET_SIM_FOLDER,
  );
}

function secret(file: string, content: string): void {
  writeFileSync(file, content, { mode: 0o600 });
  chmodSync(file, 0o600);
}

export interface SimMarket {
  code: string;
  key: MarketKey;
  publicKeyPem: string;
  /** The public key's file, for `npm run counter -- market-keys add CODE --public-key FILE`. */
  publicKeyFile: string;
}

/** The market's key, made the first time it is asked for. */
export function marketKeyOf(dir: string, code: string): SimMarket {
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(code)) throw new Error(`not a market code: ${code}`);
  mkdirSync(join(dir, 'keys'), { recursive: true, mode: 0o700 });
  const privateFile = join(dir, 'keys', `${code}.key.pem`);
  const publicKeyFile = join(dir, 'keys', `${code}.pub.pem`);
  if (!existsSync(privateFile)) {
    const pair = generateKeyPairSync('ed25519');
    secret(privateFile, pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    writeFileSync(publicKeyFile, pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  }
  const privateKey = createPrivateKey(readFileSync(privateFile));
  const publicKey = createPublicKey(privateKey);
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  return {
    code,
    key: {
      keyId: marketKeyId(code, createHash('sha256').update(spki).digest('hex')),
      algorithm: 'ed25519',
      privateKey,
    },
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    publicKeyFile,
  };
}

/**
 * The server's certificate, self-signed for 127.0.0.1 and made the first time:
 * the bank trusts it as the market's CA (SETTLEKEY_NOTICE_CA_FILE), as a bank
 * would trust a real market's server certificate's issuer.
 */
export function serverTls(dir: string): { key: string; cert: string; caFile: string } {
  const tls = join(dir, 'tls');
  mkdirSync(tls, { recursive: true, mode: 0o700 });
  const keyFile = join(tls, 'server.key.pem');
  const caFile = join(tls, 'server.pem');
  if (!existsSync(keyFile) || !existsSync(caFile)) {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keyPem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const cert = forge.pki.createCertificate();
    cert.publicKey = forge.pki.publicKeyFromPem(pair.publicKey.export({ type: 'spki', format: 'pem' }).toString());
    cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
    cert.validity.notBefore = new Date(Date.now() - 60_000);
    cert.validity.notAfter = new Date(Date.now() + 10 * 365 * 86_400_000);
    const name = [{ name: 'commonName', value: 'SettleKey market simulator' }];
    cert.setSubject(name);
    cert.setIssuer(name);
    cert.setExtensions([
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, keyCertSign: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
    ]);
    cert.sign(forge.pki.privateKeyFromPem(keyPem), forge.md.sha256.create());
    secret(keyFile, keyPem);
    writeFileSync(caFile, forge.pki.certificateToPem(cert));
  }
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(caFile, 'utf8'), caFile };
}

const controlFile = (dir: string) => join(dir, SIM_CONTROL_FILE);

export function writeControl(dir: string, control: SimControlFile): void {
  secret(controlFile(dir), JSON.stringify(control, null, 2));
}

/** The running simulator's control file, or a sentence saying how to start one. */
export function readControl(dir: string): SimControlFile {
  const file = controlFile(dir);
  if (!existsSync(file))
    throw new Error(
      `no market simulator is running with the folder ${dir}: start one with npm run market -- serve --service URL (the app's demo starts one itself)`,
    );
  return SimControlFile.parse(JSON.parse(readFileSync(file, 'utf8')));
}
