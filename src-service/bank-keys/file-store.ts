// A demo's keys where no HSM exists: each private key an encrypted PKCS#8 file,
// the passphrase a generated secret in a separate file, all 0600 in the
// service's data folder. It keeps the keys out of the database (a dump or a
// copied .sqlite file holds no key) and out of reach of other local users; it
// does not protect against anyone who can read the service's own files — the
// passphrase sits beside the keys. Only a --demo start uses it.
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  randomBytes,
  sign as signWith,
  type KeyObject,
} from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { AppError } from '../../src-shared/errors';
import type { GeneratedKey, KeyStore } from './key-store';
import { readSecretFile } from './settings';

const generateRsa = promisify(generateKeyPair);
const PASSPHRASE_FILE = 'bank-keys.passphrase';

export class DemoFileKeyStore implements KeyStore {
  readonly kind = 'demo-file' as const;
  readonly where: string;
  private readonly keys = new Map<string, KeyObject>();

  constructor(private readonly dir: string) {
    this.where = `encrypted key files in ${dir}`;
  }

  private passphrase(): string {
    const file = join(this.dir, PASSPHRASE_FILE);
    if (!existsSync(file)) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      // 'wx': two services starting at once must not each write their own.
      try {
        writeFileSync(file, `${randomBytes(32).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
    }
    return readSecretFile(file);
  }

  private fileOf(ref: string): string {
    if (!/^[0-9a-f]{16}$/.test(ref)) throw new Error(`not a key file reference: ${ref}`);
    return join(this.dir, `bank-key-${ref}.p8`);
  }

  async generate(_label: string): Promise<GeneratedKey> {
    const ref = randomBytes(8).toString('hex');
    const { publicKey, privateKey } = await generateRsa('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: this.passphrase() },
    });
    writeFileSync(this.fileOf(ref), privateKey, { mode: 0o600, flag: 'wx' });
    return { ref, spki: publicKey };
  }

  private load(ref: string): KeyObject | null {
    let key = this.keys.get(ref);
    if (key) return key;
    const file = this.fileOf(ref);
    if (!existsSync(file)) return null;
    key = createPrivateKey({ key: readSecretFile(file), format: 'pem', passphrase: this.passphrase() });
    this.keys.set(ref, key);
    return key;
  }

  async publicKey(ref: string): Promise<Buffer | null> {
    const key = this.load(ref);
    return key ? createPublicKey(key).export({ type: 'spki', format: 'der' }) : null;
  }

  async sign(ref: string, data: Buffer): Promise<Buffer> {
    const key = this.load(ref);
    if (!key) throw new AppError('BANK_KEY_MISSING', { key: ref, where: this.where });
    // The callback form signs on libuv's pool, off the event loop.
    return promisify(signWith)('sha256', data, key);
  }

  async protection(): Promise<undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    this.keys.clear();
  }
}
