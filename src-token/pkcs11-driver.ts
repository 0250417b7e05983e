// Everything SettleKey does with a PKCS#11 module, over pkcs11js. Loaded only
// off an event loop that serves anyone: the desktop's token host process, the
// settlement service's bank-keys worker thread (the bank's HSM), and the
// bank-counter CLI. Slow calls (signing, key generation) use pkcs11js's async
// forms, which run on libuv's pool.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import { endianness } from 'node:os';
import * as pkcs11js from 'pkcs11js';
import { AppError } from '../src-shared/errors';
import {
  normaliseSerial,
  type KeyType,
  type PinState,
  type TokenCertificate,
  type TokenInfo,
} from '../src-shared/token';
import { explainLoadFailure } from './module-paths';
import { signingProvider } from './x509-signing';
import {
  isSm2KeyType,
  sm2MechanismFor,
  sm2SignatureFromToken,
  sm2TokenInput,
  type Sm2Mechanism,
} from './sm2-mechanisms';
import { pointFromUncompressed } from './sm2';
import { readSm2Certificate } from './sm2-x509';
import { pinStateFromFlags, toTokenError, wrongPinError } from './pkcs11-errors';

type Handle = Buffer;
type CryptoKey = webcrypto.CryptoKey;

/** DigestInfo prefix of SHA-256 (RFC 8017 §9.2), for CKM_RSA_PKCS when CKM_SHA256_RSA_PKCS is missing. */
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');
/** DER of the OID prime256v1 (P-256), the CKA_EC_PARAMS of our EC keys. */
const P256_PARAMS = Buffer.from('06082a8648ce3d030107', 'hex');

const trim = (s: string) => s.replace(/\0/g, '').trim();

export function slotIdOf(handle: Handle): string {
  return handle.toString('hex');
}

export interface SubjectName {
  commonName: string;
  organization: string;
}

export interface SignOptions {
  /** Force the software-hash fallback (tests prove both paths on one token). */
  mechanisms?: number[];
}

/** One logged-in session; the PIN is not kept anywhere once the login is done. */
export interface LoggedIn {
  session: Handle;
  slot: Handle;
  mechanisms: number[];
}

export class Pkcs11Driver {
  private readonly lib = new pkcs11js.PKCS11();
  private initialized = false;
  /** Sessions open right now; re-initialising while one is open would pull it away. */
  private openSessions = 0;

  /**
   * @param sm2Mechanisms a user's own vendor entries (SETTLEKEY_SM2_MECHANISMS_FILE), tried
   *   before the built-in table for a vendor module's SM2 keys.
   */
  constructor(
    readonly modulePath: string,
    private readonly sm2Mechanisms: readonly Sm2Mechanism[] = [],
  ) {}

  load(): void {
    try {
      this.lib.load(this.modulePath);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new AppError('TOKEN_MODULE_LOAD_FAILED', {
        path: this.modulePath,
        cause: explainLoadFailure(this.modulePath, message),
      });
    }
    this.initialize();
  }

  private initialize(): void {
    try {
      this.lib.C_Initialize();
    } catch (error) {
      // Another user of the module in this process already initialised it.
      if (!(error instanceof Error && /CKR_CRYPTOKI_ALREADY_INITIALIZED/.test(error.message)))
        throw toTokenError(error);
    }
    this.initialized = true;
  }

  get busy(): boolean {
    return this.openSessions > 0;
  }

  /**
   * Finalize and initialise again, so a module that only scans for tokens at
   * C_Initialize (SoftHSM2) sees tokens created or deleted since. Only when no
   * session is open.
   */
  reinitialize(): boolean {
    if (this.busy) return false;
    if (this.initialized) {
      try {
        this.lib.C_Finalize();
      } catch {
        /* already finalised */
      }
    }
    this.initialize();
    return true;
  }

  /** Drains a pending slot event where the module has them; it does not tell when it has none. */
  pollSlotEvent(): 'event' | 'none' | 'unsupported' {
    try {
      return this.lib.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK) ? 'event' : 'none';
    } catch (error) {
      const code = (error as { code?: number }).code;
      if (code === pkcs11js.CKR_NO_EVENT) return 'none';
      return 'unsupported';
    }
  }

  close(): void {
    try {
      if (this.initialized) this.lib.C_Finalize();
    } catch {
      /* ignore */
    }
    this.initialized = false;
    try {
      this.lib.close();
    } catch {
      /* ignore */
    }
  }

  private slotHandle(slotId: string): Handle {
    const wanted = Buffer.from(slotId, 'hex');
    const slot = this.lib.C_GetSlotList(true).find((s) => s.equals(wanted));
    if (!slot) throw new AppError('TOKEN_NOT_PRESENT');
    return slot;
  }

  private pinStateOf(slot: Handle): PinState {
    return pinStateFromFlags(this.lib.C_GetTokenInfo(slot).flags);
  }

  tokens(): TokenInfo[] {
    const out: TokenInfo[] = [];
    for (const slot of this.lib.C_GetSlotList(true)) {
      try {
        const info = this.lib.C_GetTokenInfo(slot);
        if (!(info.flags & pkcs11js.CKF_TOKEN_INITIALIZED)) continue;
        out.push({
          slotId: slotIdOf(slot),
          kind: 'pkcs11',
          label: trim(info.label),
          serial: trim(info.serialNumber),
          manufacturer: trim(info.manufacturerID),
          model: trim(info.model),
          pinState: pinStateFromFlags(info.flags),
        });
      } catch {
        // a token pulled out while we asked: it is simply not in the list
      }
    }
    return out;
  }

  /** Slots holding a token that has never been initialised (for the counter's issuance). */
  uninitializedSlots(): string[] {
    return this.lib
      .C_GetSlotList(true)
      .filter((slot) => !(this.lib.C_GetTokenInfo(slot).flags & pkcs11js.CKF_TOKEN_INITIALIZED))
      .map(slotIdOf);
  }

  private openSession(slot: Handle, readWrite: boolean): Handle {
    const flags = pkcs11js.CKF_SERIAL_SESSION | (readWrite ? pkcs11js.CKF_RW_SESSION : 0);
    const session = this.lib.C_OpenSession(slot, flags);
    this.openSessions += 1;
    return session;
  }

  private closeSession(session: Handle): void {
    this.openSessions = Math.max(0, this.openSessions - 1);
    try {
      this.lib.C_CloseSession(session);
    } catch {
      /* the token may be gone */
    }
  }

  private findObjects(session: Handle, template: pkcs11js.Template): Handle[] {
    this.lib.C_FindObjectsInit(session, template);
    const found: Handle[] = [];
    try {
      for (;;) {
        const batch = this.lib.C_FindObjects(session, 16);
        if (batch.length === 0) break;
        found.push(...batch);
      }
    } finally {
      this.lib.C_FindObjectsFinal(session);
    }
    return found;
  }

  /** Certificates are public objects: listed without a PIN. */
  certificates(slotId: string): TokenCertificate[] {
    const slot = this.slotHandle(slotId);
    const session = this.openSession(slot, false);
    try {
      const certs = this.findObjects(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
      ]);
      return certs.flatMap((handle) => {
        const [id, value, label] = this.lib.C_GetAttributeValue(session, handle, [
          { type: pkcs11js.CKA_ID },
          { type: pkcs11js.CKA_VALUE },
          { type: pkcs11js.CKA_LABEL },
        ]);
        const keyId = (id.value as Buffer | undefined)?.toString('hex') ?? '';
        const der = value.value as Buffer | undefined;
        if (!der || !keyId) return [];
        // Pairing is checked for real after login (private keys are private objects);
        // here the public half with the same CKA_ID stands in for it.
        const publicKeys = this.findObjects(session, [
          { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
          { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
        ]).length;
        return [describeCertificate(slotId, keyId, String(label.value ?? ''), der, publicKeys)];
      });
    } finally {
      this.closeSession(session);
    }
  }

  /**
   * Logs in with the PIN for the duration of `work`, then logs out and closes.
   * A locked token is refused before the PIN is tried; a wrong PIN is reported
   * with what the token's flags say is left.
   */
  async withLogin<T>(slotId: string, pin: string, readWrite: boolean, work: (s: LoggedIn) => Promise<T>): Promise<T> {
    const s = this.login(slotId, pin, readWrite);
    try {
      return await work(s);
    } catch (error) {
      throw toTokenError(error);
    } finally {
      this.logout(s);
    }
  }

  /**
   * A session logged in with the PIN, left open until `logout` — what a held
   * login (the PIN policy) keeps instead of the PIN, which goes no further
   * than C_Login.
   */
  login(slotId: string, pin: string, readWrite: boolean): LoggedIn {
    const slot = this.slotHandle(slotId);
    if (this.pinStateOf(slot) === 'locked') throw new AppError('TOKEN_PIN_LOCKED');
    const session = this.openSession(slot, readWrite);
    try {
      try {
        this.lib.C_Login(session, pkcs11js.CKU_USER, pin);
      } catch (error) {
        const code = (error as { code?: number }).code;
        if (code === pkcs11js.CKR_USER_ALREADY_LOGGED_IN) {
          // another session of ours is logged in: the token is open already
        } else if (code === pkcs11js.CKR_PIN_INCORRECT) {
          throw wrongPinError(this.pinStateOf(slot));
        } else {
          throw toTokenError(error);
        }
      }
      return { session, slot, mechanisms: this.lib.C_GetMechanismList(slot) };
    } catch (error) {
      this.closeSession(session);
      throw toTokenError(error);
    }
  }

  logout(s: LoggedIn): void {
    try {
      this.lib.C_Logout(s.session);
    } catch {
      /* token gone, or another session of ours logged out first */
    }
    this.closeSession(s.session);
  }

  /** Whether a held session still answers (a token pulled out ends its sessions on real modules). */
  alive(s: LoggedIn): boolean {
    try {
      const info = this.lib.C_GetSessionInfo(s.session);
      // CKS_RO_USER_FUNCTIONS (1), CKS_RW_USER_FUNCTIONS (3): pkcs11js does not export the CKS_ names.
      return info.state === 1 || info.state === 3;
    } catch {
      return false;
    }
  }

  /** The one private key whose CKA_ID is keyId; none or several is an error the user can read. */
  privateKey(s: LoggedIn, keyId: string): { handle: Handle; keyType: KeyType; keyId: string; ckk: number } {
    const keys = this.findObjects(s.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
    ]);
    if (keys.length === 0) throw new AppError('TOKEN_KEY_NOT_FOUND', { keyId });
    if (keys.length > 1) throw new AppError('TOKEN_KEY_AMBIGUOUS', { keyId });
    const ckk = this.ckkOf(s.session, keys[0]);
    return { handle: keys[0], keyType: this.keyTypeFrom(ckk), keyId, ckk };
  }

  /** CKA_KEY_TYPE: a CK_ULONG in the host's byte order; vendor SM2 types (0x8000xxxx) fit the low 32 bits. */
  private ckkOf(session: Handle, handle: Handle): number {
    const [type] = this.lib.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_KEY_TYPE }]);
    const raw = type.value as Buffer;
    return endianness() === 'LE' ? raw.readUInt32LE(0) : raw.readUInt32BE(raw.length - 4);
  }

  private keyTypeFrom(ckk: number): KeyType {
    if (ckk === pkcs11js.CKK_EC) return 'ec';
    return isSm2KeyType(ckk, this.sm2Mechanisms) ? 'sm2' : 'rsa';
  }

  private keyTypeOf(session: Handle, handle: Handle): KeyType {
    return this.keyTypeFrom(this.ckkOf(session, handle));
  }

  /**
   * A vendor SM2 key's public point, from its public object's CKA_EC_POINT (the
   * bare 04‖x‖y, or wrapped in a DER OCTET STRING as PKCS#11 asks): a pre-hashed
   * mechanism needs it for Z.
   */
  private sm2PointOf(session: Handle, keyId: string) {
    const [pub] = this.findObjects(session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
    ]);
    if (!pub) throw new AppError('TOKEN_KEY_NOT_FOUND', { keyId });
    const [point] = this.lib.C_GetAttributeValue(session, pub, [{ type: pkcs11js.CKA_EC_POINT }]);
    const raw = point.value as Buffer;
    return pointFromUncompressed(raw.length === 67 && raw[0] === 0x04 && raw[1] === 65 ? raw.subarray(2) : raw);
  }

  /**
   * SM2 on a vendor's PKCS#11 module: the mechanism, its input (the message, or
   * SM3(Z‖M) computed here — Electron has no SM3) and its output form (DER or
   * r‖s) come from the vendor table; the result is always r‖s.
   */
  private async signSm2(
    s: LoggedIn,
    key: { handle: Handle; keyId: string; ckk: number },
    data: Buffer,
    mechanisms: number[],
  ): Promise<Buffer> {
    const entry = sm2MechanismFor(this.modulePath, mechanisms, key.ckk, this.sm2Mechanisms);
    if (!entry) throw new AppError('TOKEN_MECHANISM_UNSUPPORTED');
    const input = entry.input === 'message' ? data : sm2TokenInput(entry, this.sm2PointOf(s.session, key.keyId), data);
    try {
      this.lib.C_SignInit(s.session, { mechanism: entry.mechanism }, key.handle);
      const output = await this.lib.C_SignAsync(s.session, Buffer.from(input), Buffer.alloc(1024));
      return Buffer.from(sm2SignatureFromToken(entry, output));
    } catch (error) {
      throw toTokenError(error);
    }
  }

  /** The public half stored under keyId as SPKI DER, or null when the token has none. */
  async publicKeySpki(s: LoggedIn, keyId: string): Promise<Buffer | null> {
    const found = this.findObjects(s.session, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
    ]);
    if (found.length !== 1) return null;
    const key = await this.publicCryptoKey(s.session, found[0], this.keyTypeOf(s.session, found[0]));
    return Buffer.from(await webcrypto.subtle.exportKey('spki', key));
  }

  /**
   * RSA: CKM_SHA256_RSA_PKCS, or SHA-256 in software and CKM_RSA_PKCS over the
   * DigestInfo when the token lacks the combined mechanism. EC (P-256):
   * CKM_ECDSA_SHA256, or CKM_ECDSA over a software SHA-256; raw r‖s out.
   */
  async sign(
    s: LoggedIn,
    key: { handle: Handle; keyType: KeyType; keyId?: string; ckk?: number },
    data: Buffer,
    options: SignOptions = {},
  ): Promise<Buffer> {
    const mechanisms = options.mechanisms ?? s.mechanisms;
    if (key.keyType === 'sm2') {
      if (key.keyId === undefined || key.ckk === undefined) throw new AppError('TOKEN_MECHANISM_UNSUPPORTED');
      return this.signSm2(s, { handle: key.handle, keyId: key.keyId, ckk: key.ckk }, data, mechanisms);
    }
    let mechanism: number;
    let input: Buffer;
    if (key.keyType === 'rsa') {
      if (mechanisms.includes(pkcs11js.CKM_SHA256_RSA_PKCS)) {
        mechanism = pkcs11js.CKM_SHA256_RSA_PKCS;
        input = data;
      } else if (mechanisms.includes(pkcs11js.CKM_RSA_PKCS)) {
        mechanism = pkcs11js.CKM_RSA_PKCS;
        input = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(data).digest()]);
      } else {
        throw new AppError('TOKEN_MECHANISM_UNSUPPORTED');
      }
    } else if (mechanisms.includes(pkcs11js.CKM_ECDSA_SHA256)) {
      mechanism = pkcs11js.CKM_ECDSA_SHA256;
      input = data;
    } else if (mechanisms.includes(pkcs11js.CKM_ECDSA)) {
      mechanism = pkcs11js.CKM_ECDSA;
      input = createHash('sha256').update(data).digest();
    } else {
      throw new AppError('TOKEN_MECHANISM_UNSUPPORTED');
    }
    try {
      this.lib.C_SignInit(s.session, { mechanism }, key.handle);
      return await this.lib.C_SignAsync(s.session, input, Buffer.alloc(1024));
    } catch (error) {
      throw toTokenError(error);
    }
  }

  /**
   * Generates a key pair ON the token: the private half sensitive and not
   * extractable, both halves with one fresh CKA_ID. Returns the id and the
   * public key as a WebCrypto key, for the CSR.
   */
  async generateKeyPair(
    s: LoggedIn,
    keyType: KeyType,
    label: string,
  ): Promise<{ keyId: string; publicKey: CryptoKey; privateKey: Handle }> {
    const id = randomBytes(20);
    const common = [
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_ID, value: id },
      { type: pkcs11js.CKA_LABEL, value: label },
    ];
    const publicTemplate: pkcs11js.Template = [
      ...common,
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY },
      { type: pkcs11js.CKA_VERIFY, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: false },
      ...(keyType === 'rsa'
        ? [
            { type: pkcs11js.CKA_MODULUS_BITS, value: 2048 },
            { type: pkcs11js.CKA_PUBLIC_EXPONENT, value: Buffer.from([1, 0, 1]) },
          ]
        : [{ type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS }]),
    ];
    const privateTemplate: pkcs11js.Template = [
      ...common,
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
    ];
    const mechanism = {
      mechanism: keyType === 'rsa' ? pkcs11js.CKM_RSA_PKCS_KEY_PAIR_GEN : pkcs11js.CKM_EC_KEY_PAIR_GEN,
    };
    let keys: pkcs11js.KeyPair;
    try {
      keys = await this.lib.C_GenerateKeyPairAsync(s.session, mechanism, publicTemplate, privateTemplate);
    } catch (error) {
      throw toTokenError(error);
    }
    return {
      keyId: id.toString('hex'),
      publicKey: await this.publicCryptoKey(s.session, keys.publicKey, keyType),
      privateKey: keys.privateKey,
    };
  }

  private async publicCryptoKey(session: Handle, handle: Handle, keyType: KeyType): Promise<CryptoKey> {
    if (keyType === 'rsa') {
      const [n, e] = this.lib.C_GetAttributeValue(session, handle, [
        { type: pkcs11js.CKA_MODULUS },
        { type: pkcs11js.CKA_PUBLIC_EXPONENT },
      ]);
      const jwk = {
        kty: 'RSA',
        n: (n.value as Buffer).toString('base64url'),
        e: (e.value as Buffer).toString('base64url'),
      };
      return webcrypto.subtle.importKey('jwk', jwk, { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, true, ['verify']);
    }
    const [point] = this.lib.C_GetAttributeValue(session, handle, [{ type: pkcs11js.CKA_EC_POINT }]);
    // CKA_EC_POINT is a DER OCTET STRING around the uncompressed point 04‖x‖y.
    let raw = point.value as Buffer;
    if (raw[0] === 0x04 && raw.length === 67) raw = raw.subarray(2);
    return webcrypto.subtle.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-256' }, true, ['verify']);
  }

  /** A PKCS#10 request signed by the token's own key (the key never leaves it). */
  async createCsr(
    s: LoggedIn,
    key: { keyId: string; publicKey: CryptoKey; privateKey: Handle },
    keyType: KeyType,
    subject: SubjectName,
  ): Promise<string> {
    const signer = { handle: key.privateKey, keyType };
    return buildCsr(key.publicKey, keyType, subject, (data) => this.sign(s, signer, data));
  }

  /** Writes the issued certificate onto the token beside its key, under the key's CKA_ID. */
  writeCertificate(s: LoggedIn, keyId: string, der: Buffer, label: string): void {
    const cert = new x509.X509Certificate(new Uint8Array(der));
    try {
      this.lib.C_CreateObject(s.session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
        { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: false },
        { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
        { type: pkcs11js.CKA_LABEL, value: label },
        { type: pkcs11js.CKA_SUBJECT, value: Buffer.from(cert.subjectName.toArrayBuffer()) },
        { type: pkcs11js.CKA_ISSUER, value: Buffer.from(cert.issuerName.toArrayBuffer()) },
        { type: pkcs11js.CKA_SERIAL_NUMBER, value: Buffer.from(cert.serialNumber, 'hex') },
        { type: pkcs11js.CKA_VALUE, value: der },
      ]);
    } catch (error) {
      throw toTokenError(error);
    }
  }

  /** What the token says of a private key's protection (the counter prints it; tests check it). */
  privateKeyProtection(
    s: LoggedIn,
    keyId: string,
  ): { sensitive: boolean; extractable: boolean; valueReadable: boolean } {
    const { handle } = this.privateKey(s, keyId);
    const [sensitive, extractable] = this.lib.C_GetAttributeValue(s.session, handle, [
      { type: pkcs11js.CKA_SENSITIVE },
      { type: pkcs11js.CKA_EXTRACTABLE },
    ]);
    let valueReadable = true;
    try {
      this.lib.C_GetAttributeValue(s.session, handle, [{ type: pkcs11js.CKA_PRIVATE_EXPONENT }]);
    } catch {
      valueReadable = false;
    }
    const bool = (v: unknown) => (Buffer.isBuffer(v) ? v[0] === 1 : Boolean(v));
    return { sensitive: bool(sensitive.value), extractable: bool(extractable.value), valueReadable };
  }

  /** Puts an extra object on the token: tests use it to give one CKA_ID two private keys. */
  async generateExtraPrivateKey(s: LoggedIn, keyId: string): Promise<void> {
    await this.lib.C_GenerateKeyPairAsync(
      s.session,
      { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_EC_PARAMS, value: P256_PARAMS },
        { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
      ],
      [
        { type: pkcs11js.CKA_TOKEN, value: true },
        { type: pkcs11js.CKA_PRIVATE, value: true },
        { type: pkcs11js.CKA_SIGN, value: true },
        { type: pkcs11js.CKA_ID, value: Buffer.from(keyId, 'hex') },
      ],
    );
  }

  /** Changes the user PIN (修改 USB-KEY 密码): logged in with the old one, which counts as any wrong PIN. */
  async changePin(slotId: string, oldPin: string, newPin: string): Promise<void> {
    await this.withLogin(slotId, oldPin, true, async (s) => {
      this.lib.C_SetPIN(s.session, oldPin, newPin);
    });
  }

  /**
   * Initialises a blank token (the bank counter's issuance, and the demo):
   * label, SO PIN, then the user PIN. Refuses a token that is initialised already.
   */
  initToken(slotId: string, label: string, soPin: string, userPin: string): void {
    const slot = Buffer.from(slotId, 'hex');
    const info = this.lib.C_GetTokenInfo(slot);
    if (info.flags & pkcs11js.CKF_TOKEN_INITIALIZED) {
      throw new AppError('TOKEN_FUNCTION_FAILED', { ckr: 'token already initialised' });
    }
    try {
      this.lib.C_InitToken(slot, soPin, label.padEnd(32, ' ').slice(0, 32));
      const session = this.openSession(slot, true);
      try {
        this.lib.C_Login(session, pkcs11js.CKU_SO, soPin);
        this.lib.C_InitPIN(session, userPin);
        this.lib.C_Logout(session);
      } finally {
        this.closeSession(session);
      }
    } catch (error) {
      throw toTokenError(error);
    }
  }
}

/** What the renderer shows of any certificate, read from fields that need no key (WebCrypto has no SM2). */
export function certificateFields(
  slotId: string,
  keyId: string,
  label: string,
  cert: x509.X509Certificate,
): Omit<TokenCertificate, 'keyType' | 'paired' | 'pairingProblem'> {
  const name = (type: string) => cert.subjectName.getField(type)[0] ?? '';
  return {
    slotId,
    keyId,
    label,
    serial: normaliseSerial(cert.serialNumber),
    subjectCommonName: name('CN'),
    subjectOrganization: name('O'),
    issuer: cert.issuerName.getField('CN')[0] ?? cert.issuer,
    notBefore: cert.notBefore.toISOString(),
    notAfter: cert.notAfter.toISOString(),
  };
}

/** Reads what the renderer shows of a certificate from its DER. */
export function describeCertificate(
  slotId: string,
  keyId: string,
  label: string,
  der: Buffer,
  publicKeys: number,
): TokenCertificate {
  const cert = new x509.X509Certificate(new Uint8Array(der));
  // An SM2 key (a vendor module's): told by its curve, which WebCrypto does not know.
  const sm2 = readSm2Certificate(new Uint8Array(der)).point !== null;
  return {
    ...certificateFields(slotId, keyId, label, cert),
    keyType: sm2 ? 'sm2' : cert.publicKey.algorithm.name === 'ECDSA' ? 'ec' : 'rsa',
    paired: publicKeys === 1,
    pairingProblem: publicKeys === 0 ? 'noKey' : publicKeys > 1 ? 'severalKeys' : 'none',
  };
}

/**
 * A CSR whose signature comes from `signRaw` (a token, or a software key): the
 * @peculiar/x509 generator gets WebCrypto for everything but the one signature.
 */
export async function buildCsr(
  publicKey: CryptoKey,
  keyType: KeyType,
  subject: SubjectName,
  signRaw: (data: Buffer) => Promise<Buffer>,
): Promise<string> {
  const algorithm =
    keyType === 'rsa' ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } : { name: 'ECDSA', hash: 'SHA-256' };
  // The "private key" is only a descriptor: the signature is made by signRaw.
  const privateKey = {
    algorithm: publicKey.algorithm,
    type: 'private',
    extractable: false,
    usages: ['sign'],
  } as unknown as CryptoKey;
  const csr = await x509.Pkcs10CertificateRequestGenerator.create(
    {
      name: [{ CN: [subject.commonName] }, { O: [subject.organization] }, { C: ['CN'] }],
      keys: { publicKey, privateKey },
      signingAlgorithm: algorithm,
    },
    signingProvider(signRaw),
  );
  return csr.toString('pem');
}
