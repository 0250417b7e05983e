// The bank's SM2 CA: it certifies the SM2 keys of the USB-KEYs Chinese banks
// issue, with SM3withSM2 (GM/T 0015). Its key lives in an SM2 HSM reached over
// SKF — a bank's vendor HSM, or in the demo, the tests and the bank stack the
// software SKF library standing in for one. The database records which
// container holds it and the CA's self-signed certificate; the certificate is
// trusted only while the HSM holds its key.
import type { Kysely, Selectable } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { pointHex, type Sm2Point } from '../../src-token/sm2';
import {
  buildSm2Certificate,
  readSm2Certificate,
  sm2Issued,
  sm2KeyIdentifier,
  sm2Spki,
  type Sm2CertificateParams,
} from '../../src-token/sm2-x509';
import { appendAudit } from '../audit/log';
import type { Clock } from '../clock';
import { x509 } from '../certificates/x509';
import type { BankSm2KeysTable, Database, SM2_KEY_STORE_KINDS } from '../store/schema';
import { atomically } from '../store/tx';
import { Opening } from './opening';
import { randomSerial } from './serials';

const DAY_MS = 86_400_000;
const CA_DAYS = 20 * 365;

export type Sm2KeyStoreKind = (typeof SM2_KEY_STORE_KINDS)[number];

/** An SM2 HSM: keys by reference, signatures r‖s over SM3(Z‖M) with the standard ID. */
export interface Sm2KeyStore {
  readonly kind: Sm2KeyStoreKind;
  readonly where: string;
  generate(label: string): Promise<{ ref: string; point: Sm2Point }>;
  /** The key's public point; null when the HSM does not hold it. */
  publicKey(ref: string): Promise<Sm2Point | null>;
  sign(ref: string, data: Uint8Array): Promise<Uint8Array>;
  close(): Promise<void>;
}

type Row = Selectable<BankSm2KeysTable>;

interface Opened {
  store: Sm2KeyStore;
  ref: string;
  der: Uint8Array;
  point: Sm2Point;
}

function derOfPem(pem: string): Uint8Array {
  return new Uint8Array(x509.PemConverter.decode(pem)[0]);
}

export class Sm2Ca {
  private readonly opening = new Opening<Opened>(() => this.open());

  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    /** Opens the SM2 HSM; null: this service has none (SM2 requests are refused, saying so). */
    private readonly openStore: (() => Promise<Sm2KeyStore>) | null,
    private readonly mayCreate: boolean,
    private readonly bankName: () => Promise<string>,
  ) {}

  get configured(): boolean {
    return this.openStore !== null;
  }

  private opened(): Promise<Opened> {
    return this.opening.get();
  }

  private async open(): Promise<Opened> {
    if (!this.openStore) throw new AppError('BANK_KEY_MISSING', { key: 'SM2 CA', where: 'no SM2 HSM configured' });
    const store = await this.openStore();
    try {
      for (let attempt = 1; ; attempt++) {
        const row = await this.db
          .selectFrom('bank_sm2_keys')
          .selectAll()
          .where('purpose', '=', 'sm2-ca')
          .executeTakeFirst();
        const held = row && row.store === store.kind ? await this.usable(store, row) : null;
        if (held) return held;
        if (!this.mayCreate) throw new AppError('BANK_KEY_MISSING', { key: 'SM2 CA', where: store.where });
        const made = await this.create(store, row);
        if (made) return made;
        if (attempt >= 3) throw new AppError('BANK_KEY_MISSING', { key: 'SM2 CA', where: store.where });
      }
    } catch (error) {
      await store.close();
      throw error;
    }
  }

  /** The recorded CA, if the HSM holds its key and the certificate is that key's. */
  private async usable(store: Sm2KeyStore, row: Row): Promise<Opened | null> {
    const point = await store.publicKey(row.key_ref);
    if (!point) return null;
    const der = derOfPem(row.certificate_pem);
    const recorded = readSm2Certificate(der).point;
    if (!recorded || pointHex(recorded) !== pointHex(point) || !sm2Issued(der, der)) return null;
    return { store, ref: row.key_ref, der, point };
  }

  /** A new SM2 CA key in the HSM and its self-signed certificate; null when another instance recorded one first. */
  private async create(store: Sm2KeyStore, old: Row | undefined): Promise<Opened | null> {
    const bank = await this.bankName();
    const now = this.clock.now();
    const generated = await store.generate('SettleKey bank SM2 CA');
    const spki = sm2Spki(generated.point);
    const name = new Uint8Array(
      new x509.Name(`CN=${bank} SM2 Root CA ${now.toISOString().slice(0, 10)}, O=${bank}, C=CN`).toArrayBuffer(),
    );
    const der = await buildSm2Certificate(
      {
        serialNumber: randomSerial(),
        issuer: name,
        subject: name,
        notBefore: now,
        notAfter: new Date(now.getTime() + CA_DAYS * DAY_MS),
        publicKey: spki,
        extensions: [
          new x509.BasicConstraintsExtension(true, 0, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
          new x509.SubjectKeyIdentifierExtension(sm2KeyIdentifier(generated.point)),
        ],
      },
      (tbs) => store.sign(generated.ref, tbs),
    );
    if (!sm2Issued(der, der))
      throw new AppError('BANK_HSM_FAILED', {
        token: store.where,
        cause: 'the new SM2 CA certificate does not verify',
      });
    const pem = x509.PemConverter.encode(der.slice().buffer, 'CERTIFICATE');
    const values = { store: store.kind, key_ref: generated.ref, certificate_pem: pem, created_at: now.toISOString() };
    const written = await atomically(this.db, async (trx) => {
      const count = old
        ? await trx
            .updateTable('bank_sm2_keys')
            .set(values)
            .where('purpose', '=', 'sm2-ca')
            .where('key_ref', '=', old.key_ref)
            .executeTakeFirst()
            .then((r) => Number(r.numUpdatedRows))
        : await trx
            .insertInto('bank_sm2_keys')
            .values({ purpose: 'sm2-ca', ...values })
            .onConflict((oc) => oc.column('purpose').doNothing())
            .executeTakeFirst()
            .then((r) => Number(r.numInsertedOrUpdatedRows ?? 0));
      if (count !== 1) return false;
      await appendAudit(trx, {
        at: values.created_at,
        actor: 'system',
        action: 'bank-sm2-ca.created',
        entity: 'bank_key',
        entityId: 'sm2-ca',
        details: { store: store.kind, where: store.where, ...(old ? { replaces: old.key_ref } : {}) },
      });
      return true;
    });
    return written ? { store, ref: generated.ref, der, point: generated.point } : null;
  }

  async certificate(): Promise<Uint8Array> {
    return (await this.opened()).der;
  }

  /** A certificate for an SM2 key, signed by the CA in the HSM (issuer and authority key id are the CA's). */
  async certify(params: Omit<Sm2CertificateParams, 'issuer'>): Promise<Uint8Array> {
    const ca = await this.opened();
    const view = readSm2Certificate(ca.der);
    const extensions = [...params.extensions];
    if (view.subjectKeyIdentifier)
      extensions.push(new x509.AuthorityKeyIdentifierExtension(Buffer.from(view.subjectKeyIdentifier).toString('hex')));
    const der = await buildSm2Certificate({ ...params, issuer: view.subject, extensions }, (tbs) =>
      ca.store.sign(ca.ref, tbs),
    );
    // An HSM that signed with another key must not go unnoticed.
    if (!sm2Issued(der, ca.der))
      throw new AppError('BANK_HSM_FAILED', { token: ca.store.where, cause: 'the SM2 CA signature does not verify' });
    return der;
  }

  /** Whether this CA issued the certificate; false (not an error) when no SM2 HSM is configured. */
  async issued(der: Uint8Array): Promise<boolean> {
    if (!this.openStore) return false;
    return sm2Issued(der, (await this.opened()).der);
  }

  async close(): Promise<void> {
    const opened = await this.opening.take();
    await opened?.store.close();
  }
}
