// The bank's two keys and what each may do. The CA key signs certificates and
// revocation lists, nothing else; the document key, certified by the CA, signs
// everything else the bank vouches for (receipts, reconciliation manifests,
// notices to markets). The database records where each key is and its
// certificate — never the key. Made at the service's start when missing: a
// production start only on the HSM of its settings; a --demo start on a demo
// stand-in (its own SoftHSM2 token, else encrypted key files).
import { createPublicKey, X509Certificate as NodeCertificate } from 'node:crypto';
import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { appendAudit } from '../audit/log';
import type { Clock } from '../clock';
import { HELD_RSA_KEY, signingProvider, x509 } from '../certificates/x509';
import type { BankKeysTable, Database } from '../store/schema';
import { atomically } from '../store/tx';
import { Opening } from './opening';
import { demoHsmSettings, softHsmModule } from './demo-hsm';
import { DemoFileKeyStore } from './file-store';
import type { KeyProtection } from './hsm-messages';
import { HsmKeyStore } from './hsm-store';
import type { KeyStore, KeyStoreKind } from './key-store';
import { HSM_SETTING_NAMES, hsmSettingsFromEnv, type HsmSettings } from './settings';
import { randomSerial } from './serials';
import { Sm2Ca, type Sm2KeyStore } from './sm2-ca';
import { demoSm2HsmSettings, SkfSm2KeyStore, sm2HsmSettingsFromEnv, type Sm2HsmSettings } from './skf-sm2-store';
import { skfSimulatorLibrary } from '../../src-token/skf-libraries';
import { readSm2Certificate } from '../../src-token/sm2-x509';

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
const DAY_MS = 86_400_000;
const CA_DAYS = 20 * 365;
const DOCUMENT_DAYS = 730;
/** A document certificate this close to its end is replaced by a new key and certificate. */
const DOCUMENT_RENEW_DAYS = 30;
/** RFC 9336 id-kp-documentSigning. */
const DOCUMENT_SIGNING_EKU = '1.3.6.1.5.5.7.3.36';

type Row = Selectable<BankKeysTable>;

export interface BankKeysOptions {
  /** The HSM named outright (tests); undefined: the environment's settings. */
  hsm?: HsmSettings | null;
  /** The data folder where a demo keeps its stand-in keys. */
  dataDir: string;
  /**
   * true: a --demo start, which may fall back to stand-in keys; false: production,
   * the HSM or nothing; 'as-recorded': a bank tool on the service's database, which
   * uses the keys the service made there and never makes or replaces one.
   */
  demo: boolean | 'as-recorded';
  /** The stand-in a demo start makes its keys in; default: its own SoftHSM2 token where SoftHSM2 is installed. */
  demoStore?: 'demo-hsm' | 'demo-file';
  /** Opens the SM2 HSM of the SM2 CA; null or undefined: none, and SM2 certificates are refused. */
  sm2?: (() => Promise<Sm2KeyStore>) | null;
}

export interface DocumentSignature {
  /** RSASSA-PKCS1-v1_5 with SHA-256 over the bytes as given. */
  algorithm: 'sha256WithRSAEncryption';
  signature: Buffer;
  /** The document-signing certificate (DER), issued by the bank CA. */
  certificate: Buffer;
  /** The bank CA's certificate (DER), the anchor a verifier pins. */
  caCertificate: Buffer;
}

export type CertifyParams = Pick<
  Parameters<typeof x509.X509CertificateGenerator.create>[0],
  'serialNumber' | 'subject' | 'notBefore' | 'notAfter' | 'publicKey' | 'extensions'
>;

export interface RevocationEntry {
  serial: string;
  revokedAt: Date;
  reason?: x509.X509CrlReason;
}

interface Key {
  ref: string;
  certificate: x509.X509Certificate;
  der: Buffer;
  node: NodeCertificate;
}

interface Opened {
  store: KeyStore;
  ca: Key;
  document: Key | null;
  renewing: Promise<Key> | null;
  retired: NodeCertificate[];
}

/** Another service on the same database wrote its key first: start again from what it wrote. */
class LostRace extends Error {}

function keyOf(ref: string, pem: string): Key {
  const certificate = new x509.X509Certificate(pem);
  const der = Buffer.from(certificate.rawData);
  return { ref, certificate, der, node: new NodeCertificate(der) };
}

function signedBy(cert: NodeCertificate, issuer: NodeCertificate): boolean {
  return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
}

/**
 * The SM2 HSM of the environment's settings; else a demo's stand-in (the SKF
 * simulator, where it is built) — made by a --demo start, used as recorded by a
 * bank tool on the demo's data; else none. Settings are read now (a partial one
 * fails the start), the stand-in's folder only at the first SM2 use.
 */
function defaultSm2Store(options: BankKeysOptions): (() => Promise<Sm2KeyStore>) | null {
  const open = (settings: Sm2HsmSettings) => Promise.resolve(SkfSm2KeyStore.open(settings));
  const configured = sm2HsmSettingsFromEnv();
  if (configured) return () => open(configured);
  if (options.demo === false || !skfSimulatorLibrary()) return null;
  return () => {
    const demo = demoSm2HsmSettings(options.dataDir);
    if (!demo) return Promise.reject(new AppError('BANK_KEY_MISSING', { key: 'SM2 CA', where: options.dataDir }));
    return open(options.demo === 'as-recorded' ? { ...demo, create: undefined } : demo);
  };
}

export class BankKeys {
  private readonly opening = new Opening<Opened>(() => this.open());
  /** The SM2 CA, beside the RSA one: its key is in an SM2 HSM over SKF. */
  readonly sm2: Sm2Ca;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly options: BankKeysOptions,
  ) {
    const sm2 = options.sm2 !== undefined ? options.sm2 : defaultSm2Store(options);
    this.sm2 = new Sm2Ca(db, clock, sm2, options.demo !== 'as-recorded', () => this.bankName());
  }

  private get mayCreate(): boolean {
    return this.options.demo !== 'as-recorded';
  }

  /** Opens the key store and makes what is missing; the service awaits it before it listens. */
  async ready(): Promise<{ store: KeyStoreKind; where: string; caSerial: string; documentSerial: string | null }> {
    const opened = await this.opened();
    return {
      store: opened.store.kind,
      where: opened.store.where,
      caSerial: opened.ca.certificate.serialNumber,
      documentSerial: opened.document?.certificate.serialNumber ?? null,
    };
  }

  private opened(): Promise<Opened> {
    return this.opening.get();
  }

  async close(): Promise<void> {
    const opened = await this.opening.take();
    await opened?.store.close();
    await this.sm2.close();
  }

  private async rows(): Promise<{ ca?: Row; document?: Row }> {
    const rows = await this.db.selectFrom('bank_keys').selectAll().execute();
    return { ca: rows.find((r) => r.purpose === 'ca'), document: rows.find((r) => r.purpose === 'document') };
  }

  private async openStore(recorded: Row | undefined): Promise<KeyStore> {
    const demo =
      this.options.demo === 'as-recorded' ? recorded !== undefined && recorded.store !== 'hsm' : this.options.demo;
    const hsm = this.options.hsm !== undefined ? this.options.hsm : hsmSettingsFromEnv();
    if (hsm) return HsmKeyStore.open(hsm, 'hsm');
    // Keys on the bank's HSM need its settings, whatever the start.
    if (!demo || recorded?.store === 'hsm')
      throw new AppError('BANK_KEYS_NOT_CONFIGURED', { settings: HSM_SETTING_NAMES });
    const kind: KeyStoreKind =
      this.options.demo === 'as-recorded'
        ? recorded!.store
        : (this.options.demoStore ?? (softHsmModule() ? 'demo-hsm' : 'demo-file'));
    if (kind === 'demo-file') return new DemoFileKeyStore(this.options.dataDir);
    const softhsm = demoHsmSettings(this.options.dataDir);
    if (!softhsm) throw new AppError('BANK_KEY_MISSING', { key: 'CA', where: 'SoftHSM2 (not installed)' });
    return HsmKeyStore.open(softhsm, 'demo-hsm');
  }

  private async open(): Promise<Opened> {
    let recorded = await this.rows();
    const store = await this.openStore(recorded.ca);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          const ca = await this.caKey(store, recorded.ca);
          const retired = (await this.db.selectFrom('retired_ca_certificates').select('certificate_pem').execute()).map(
            (r) => new NodeCertificate(r.certificate_pem),
          );
          const opened: Opened = { store, ca, document: null, renewing: null, retired };
          const document = await this.usable(store, recorded.document);
          if (document && signedBy(document.node, ca.node) && this.fresh(document)) opened.document = document;
          else if (this.mayCreate) opened.document = await this.newDocumentKey(store, ca, recorded.document);
          return opened;
        } catch (error) {
          if (!(error instanceof LostRace) || attempt >= 3) throw error;
          recorded = await this.rows();
        }
      }
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** The recorded key, if this store holds it and it is the key of its certificate. */
  private async usable(store: KeyStore, row: Row | undefined): Promise<Key | null> {
    if (!row || row.store !== store.kind) return null;
    const spki = await store.publicKey(row.key_ref);
    if (!spki) return null;
    const key = keyOf(row.key_ref, row.certificate_pem);
    return Buffer.from(key.certificate.publicKey.rawData).equals(spki) ? key : null;
  }

  private fresh(key: Key): boolean {
    return key.certificate.notAfter.getTime() - this.clock.now().getTime() > DOCUMENT_RENEW_DAYS * DAY_MS;
  }

  private async caKey(store: KeyStore, row: Row | undefined): Promise<Key> {
    const key = await this.usable(store, row);
    if (key) return key;
    // A production CA is never replaced because a setting names another token.
    if (!this.mayCreate || (row && row.store === 'hsm' && store.kind === 'hsm'))
      throw new AppError('BANK_KEY_MISSING', { key: `CA ${row?.key_ref ?? ''}`.trim(), where: store.where });
    return this.newCa(store, row);
  }

  private async bankName(): Promise<string> {
    const row = await this.db
      .selectFrom('settings')
      .select('value')
      .where('key', '=', 'bank_name_en')
      .executeTakeFirst();
    return row?.value ?? 'SettleKey Bank';
  }

  /**
   * A new CA key on the store and its self-signed certificate. The CA it
   * replaces (a key that moved stores, or one no store holds any more) is
   * retired: its certificate stays only to verify what it issued.
   */
  private async newCa(store: KeyStore, old: Row | undefined): Promise<Key> {
    const bank = await this.bankName();
    const now = this.clock.now();
    const generated = await store.generate('SettleKey bank CA');
    // The date tells this CA from the one it replaces wherever only names are shown.
    const name = `CN=${bank} Root CA ${now.toISOString().slice(0, 10)}, O=${bank}, C=CN`;
    const certificate = await x509.X509CertificateGenerator.create(
      {
        serialNumber: randomSerial(),
        subject: name,
        issuer: name,
        notBefore: now,
        notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
        publicKey: new Uint8Array(generated.spki),
        signingKey: HELD_RSA_KEY,
        signingAlgorithm: RSA_SHA256,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          await x509.SubjectKeyIdentifierExtension.create(new Uint8Array(generated.spki)),
        ],
      },
      signingProvider((tbs) => store.sign(generated.ref, tbs)),
    );
    const key = keyOf(generated.ref, certificate.toString('pem'));
    if (!key.node.verify(createPublicKey({ key: generated.spki, format: 'der', type: 'spki' })))
      throw new AppError('BANK_HSM_FAILED', { token: store.where, cause: 'the new CA certificate does not verify' });
    const reason = !old
      ? null
      : old.store === store.kind
        ? `its key is no longer in ${store.where}`
        : `the bank's keys moved from ${old.store} to ${store.kind}`;
    await this.record('ca', store.kind, key, old, async (trx) => {
      if (old && reason)
        await trx
          .insertInto('retired_ca_certificates')
          .values({ certificate_pem: old.certificate_pem, reason, retired_at: now.toISOString() })
          .execute();
    });
    return key;
  }

  /** A new document-signing key on the store, certified by the CA for two years. */
  private async newDocumentKey(store: KeyStore, ca: Key, old: Row | undefined): Promise<Key> {
    const bank = await this.bankName();
    const now = this.clock.now();
    const generated = await store.generate('SettleKey document signing');
    const certificate = await this.certifyWith(store, ca, {
      serialNumber: randomSerial(),
      subject: `CN=${bank} Document Signing, O=${bank}, C=CN`,
      notBefore: now,
      notAfter: new Date(now.getTime() + DOCUMENT_DAYS * DAY_MS),
      publicKey: new Uint8Array(generated.spki),
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
        new x509.ExtendedKeyUsageExtension([DOCUMENT_SIGNING_EKU]),
        await x509.SubjectKeyIdentifierExtension.create(new Uint8Array(generated.spki)),
      ],
    });
    const key = keyOf(generated.ref, certificate.toString('pem'));
    await this.record('document', store.kind, key, old);
    return key;
  }

  /** Writes a key's row in place of `old` (compare-and-set), with its audit record. */
  private async record(
    purpose: Row['purpose'],
    kind: KeyStoreKind,
    key: Key,
    old: Row | undefined,
    alsoInTransaction?: (trx: Parameters<Parameters<typeof atomically>[1]>[0]) => Promise<void>,
  ): Promise<void> {
    const values = {
      store: kind,
      key_ref: key.ref,
      certificate_pem: key.certificate.toString('pem'),
      created_at: this.clock.nowIso(),
    };
    await atomically(this.db, async (trx) => {
      const written = old
        ? await trx
            .updateTable('bank_keys')
            .set(values)
            .where('purpose', '=', purpose)
            .where('store', '=', old.store)
            .where('key_ref', '=', old.key_ref)
            .executeTakeFirst()
            .then((r) => Number(r.numUpdatedRows))
        : await trx
            .insertInto('bank_keys')
            .values({ purpose, ...values })
            .onConflict((oc) => oc.column('purpose').doNothing())
            .executeTakeFirst()
            .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0));
      if (written !== 1) throw new LostRace();
      await alsoInTransaction?.(trx);
      await appendAudit(trx, {
        at: values.created_at,
        actor: 'system',
        action: purpose === 'ca' ? 'bank-ca.created' : 'bank-document-key.created',
        entity: 'bank_key',
        entityId: purpose,
        details: {
          store: kind,
          serial: key.certificate.serialNumber,
          subject: key.certificate.subject,
          ...(old ? { replaces: old.store } : {}),
        },
      });
    });
  }

  private async certifyWith(store: KeyStore, ca: Key, params: CertifyParams): Promise<x509.X509Certificate> {
    const certificate = await x509.X509CertificateGenerator.create(
      {
        ...params,
        issuer: ca.certificate.subjectName,
        signingKey: HELD_RSA_KEY,
        signingAlgorithm: RSA_SHA256,
        extensions: [...(params.extensions ?? []), await x509.AuthorityKeyIdentifierExtension.create(ca.certificate)],
      },
      signingProvider((tbs) => store.sign(ca.ref, tbs)),
    );
    // A key store that signed with another key must not go unnoticed.
    if (!new NodeCertificate(Buffer.from(certificate.rawData)).verify(ca.node.publicKey))
      throw new AppError('BANK_HSM_FAILED', { token: store.where, cause: 'the CA signature does not verify' });
    return certificate;
  }

  /** The CA's one job: a certificate (issuer, signature and authority key id are the CA's). */
  async certify(params: CertifyParams): Promise<x509.X509Certificate> {
    const opened = await this.opened();
    return this.certifyWith(opened.store, opened.ca, params);
  }

  /** The CA's other job: a signed list of revoked certificates. */
  async revocationList(entries: RevocationEntry[], nextUpdate: Date): Promise<x509.X509Crl> {
    const { store, ca } = await this.opened();
    return x509.X509CrlGenerator.create(
      {
        issuer: ca.certificate.subjectName,
        thisUpdate: this.clock.now(),
        nextUpdate,
        entries: entries.map((e) => ({ serialNumber: e.serial, revocationDate: e.revokedAt, reason: e.reason })),
        extensions: [await x509.AuthorityKeyIdentifierExtension.create(ca.certificate)],
        signingKey: HELD_RSA_KEY as never,
        signingAlgorithm: RSA_SHA256,
      },
      signingProvider((tbs) => store.sign(ca.ref, tbs)),
    );
  }

  /** Signs what the bank vouches for with the document key; the certificate lets anyone check it. */
  async signDocument(bytes: Uint8Array): Promise<DocumentSignature> {
    return this.signNaming(() => bytes);
  }

  /**
   * Signs bytes that name the certificate signing them (a receipt's statement):
   * they are built for the very key that then signs, even across a renewal.
   */
  async signNaming(build: (certificateSerial: string) => Uint8Array): Promise<DocumentSignature> {
    const opened = await this.opened();
    const key = await this.documentKey(opened);
    return {
      algorithm: 'sha256WithRSAEncryption',
      signature: await opened.store.sign(key.ref, Buffer.from(build(key.certificate.serialNumber))),
      certificate: key.der,
      caCertificate: opened.ca.der,
    };
  }

  private async documentKey(opened: Opened): Promise<Key> {
    if (opened.document && this.fresh(opened.document)) return opened.document;
    if (!this.mayCreate) throw new AppError('BANK_KEY_MISSING', { key: 'document', where: opened.store.where });
    opened.renewing ??= (async () => {
      try {
        const row = (await this.rows()).document;
        const theirs = await this.usable(opened.store, row);
        // Another instance may have renewed it already.
        if (theirs && signedBy(theirs.node, opened.ca.node) && this.fresh(theirs)) return theirs;
        return await this.newDocumentKey(opened.store, opened.ca, row);
      } finally {
        opened.renewing = null;
      }
    })();
    opened.document = await opened.renewing;
    return opened.document;
  }

  /** The current CA's certificate. */
  async caCertificate(): Promise<x509.X509Certificate> {
    return (await this.opened()).ca.certificate;
  }

  /** Which of the bank's CAs issued a certificate: the current one, a retired one (until re-issued), or none. */
  async issuerOf(der: Buffer): Promise<'current' | 'retired' | null> {
    // An SM3withSM2 signature can only be the SM2 CA's (node:crypto cannot check it: no SM2 signer ID).
    if (readSm2Certificate(der).signature) return (await this.sm2.issued(der)) ? 'current' : null;
    const { ca, retired } = await this.opened();
    const cert = new NodeCertificate(der);
    if (signedBy(cert, ca.node)) return 'current';
    return retired.some((r) => signedBy(cert, r)) ? 'retired' : null;
  }

  /** What the HSM says of both keys' protection (undefined off an HSM): for the tests and the logs. */
  async protection(): Promise<{ ca?: KeyProtection; document?: KeyProtection }> {
    const { store, ca, document } = await this.opened();
    return {
      ca: await store.protection(ca.ref),
      document: document ? await store.protection(document.ref) : undefined,
    };
  }
}
