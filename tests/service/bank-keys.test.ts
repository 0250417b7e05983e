// The bank's keys: the CA key and the document-signing key made and used on a
// real SoftHSM2 token through the service's HSM worker, on both databases; the
// demo's stand-ins; the refusal of a production start without an HSM; and the
// upgrade of a database whose CA key was stored in the clear.
import { spawn } from 'node:child_process';
import { randomBytes, verify, webcrypto, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HsmKeyStore } from '../../src-service/bank-keys/hsm-store';
import { hsmSettingsFromEnv } from '../../src-service/bank-keys/settings';
import { normaliseSerial } from '../../src-shared/token';
import { issuedByBank } from '../../src-service/certificates/signatures';
import { x509, type X509KeyPair, type X509Key } from '../../src-service/certificates/x509';
import { Clock } from '../../src-service/clock';
import { createContext, type ServiceContext } from '../../src-service/context';
import { seedDemo } from '../../src-service/demo/seed';
import { openStore, type Store } from '../../src-service/store/db';
import { migrateTo, migrateToLatest } from '../../src-service/store/migrations';
import { SERVICE_VERSION } from '../../src-service/server';
import { bankHsmEnv, testBankHsm } from '../support/bank-hsm';
import { checkAvailable, DATABASE_KINDS, sqlite, type TestDatabase } from '../support/databases';
import { harnessFor } from '../support/service-harness';
import { issueSoftKey } from '../support/soft-certificates';

const node = (der: Buffer | ArrayBuffer) => new X509Certificate(Buffer.from(der as ArrayBuffer));

function context(store: Store, keys: NonNullable<Parameters<typeof createContext>[1]['keys']>): ServiceContext {
  return createContext(store, { demo: true, testMode: true, version: SERVICE_VERSION, keys }, new Clock(true));
}

/** Runs the service's command line; resolves with its output once it listens or exits. */
function serviceCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src-service/commands/service/cli.ts', '--port', '0', ...args],
    {
      env: { ...process.env, NODE_ENV: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve) => {
    let output = '';
    const collect = (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on http/.test(output)) {
        child.kill('SIGTERM');
      }
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`the bank's keys on the HSM (SoftHSM2 through the worker), ${kind.name}`, () => {
    const h = harnessFor(kind);

    it('makes the CA key and the document key on the HSM, sensitive and not extractable; the database holds no key', async () => {
      expect(await h.ctx.bankKeys.ready()).toMatchObject({
        store: 'hsm',
        where: expect.stringMatching(/SK test bank/),
      });
      const protection = await h.ctx.bankKeys.protection();
      for (const key of [protection.ca, protection.document]) {
        expect(key).toEqual({ sensitive: true, extractable: false, valueReadable: false });
      }
      const rows = await h.ctx.db.selectFrom('bank_keys').selectAll().orderBy('purpose').execute();
      expect(rows.map((r) => [r.purpose, r.store])).toEqual([
        ['ca', 'hsm'],
        ['document', 'hsm'],
      ]);
      // A CKA_ID, not a key: 20 random bytes.
      for (const row of rows) expect(row.key_ref).toMatch(/^[0-9a-f]{40}$/);
      expect(JSON.stringify(rows)).not.toMatch(/PRIVATE KEY/);
    });

    it('signs a document with the document key: the signature verifies against its certificate, and that against the CA', async () => {
      const bytes = Buffer.from('回单 / receipt 2026-11-27 ¥1,234.56');
      const signed = await h.ctx.bankKeys.signDocument(bytes);
      expect(signed.algorithm).toBe('sha256WithRSAEncryption');
      const document = node(signed.certificate);
      const ca = node(signed.caCertificate);
      expect(verify('sha256', bytes, document.publicKey, signed.signature)).toBe(true);
      expect(verify('sha256', Buffer.from('another document'), document.publicKey, signed.signature)).toBe(false);
      expect(document.checkIssued(ca)).toBe(true);
      expect(document.verify(ca.publicKey)).toBe(true);
      expect(ca.verify(ca.publicKey)).toBe(true);

      // Two keys, two jobs: the document certificate is no CA and only signs.
      expect(document.ca).toBe(false);
      expect(ca.ca).toBe(true);
      const parsed = new x509.X509Certificate(new Uint8Array(signed.certificate));
      const usage = parsed.getExtension(x509.KeyUsagesExtension)!;
      expect(usage.usages).toBe(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation);
      expect(parsed.getExtension(x509.ExtendedKeyUsageExtension)!.usages).toEqual(['1.3.6.1.5.5.7.3.36']);
      const caUsage = new x509.X509Certificate(new Uint8Array(signed.caCertificate)).getExtension(
        x509.KeyUsagesExtension,
      )!;
      expect(caUsage.usages).toBe(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
      expect(document.subject).toMatch(/Document Signing/);
    });

    it('issues user certificates with the CA key, as valid as before, and signs revocation lists with it', async () => {
      const key = await h.keyOf('demo.operator');
      const row = await h.ctx.db
        .selectFrom('certificates')
        .selectAll()
        .where('serial', '=', key.serial)
        .executeTakeFirstOrThrow();
      const cert = node(Buffer.from(row.certificate_der, 'base64'));
      const ca = node((await h.ctx.bankKeys.caCertificate()).rawData);
      expect(cert.checkIssued(ca) && cert.verify(ca.publicKey)).toBe(true);
      expect(cert.ca).toBe(false);
      expect(await h.ctx.bankKeys.issuerOf(Buffer.from(row.certificate_der, 'base64'))).toBe('current');

      const crl = await h.ctx.bankKeys.revocationList(
        [{ serial: key.serial, revokedAt: h.clock.now(), reason: x509.X509CrlReason.keyCompromise }],
        new Date(h.clock.now().getTime() + 86_400_000),
      );
      expect(await crl.verify({ publicKey: await h.ctx.bankKeys.caCertificate() })).toBe(true);
      expect(crl.entries.map((e) => normaliseSerial(e.serialNumber))).toEqual([key.serial]);
    });

    it('finds the same keys after a restart', async () => {
      const first = await h.ctx.bankKeys.ready();
      const store = openStore(h.database);
      const again = context(store, { hsm: testBankHsm() });
      try {
        expect(await again.bankKeys.ready()).toEqual(first);
      } finally {
        await again.bankKeys.close();
        await store.close();
      }
    });

    it('two services starting at once on a new database agree on one CA and one document key', async () => {
      const fresh = await kind.create();
      const store = openStore(fresh.setting);
      await migrateToLatest(store);
      const both = [context(store, { hsm: testBankHsm() }), context(store, { hsm: testBankHsm() })];
      try {
        const [a, b] = await Promise.all(both.map((c) => c.bankKeys.ready()));
        expect(b).toEqual(a);
        expect(await store.db.selectFrom('bank_keys').select('purpose').execute()).toHaveLength(2);
        expect(await store.db.selectFrom('retired_ca_certificates').select('id').execute()).toEqual([]);
      } finally {
        for (const c of both) await c.bankKeys.close();
        await store.close();
        await fresh.drop();
      }
    });

    it('refuses a certificate no bank CA issued, even when its row is in the table', async () => {
      const keys = (await webcrypto.subtle.generateKey(
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
        true,
        ['sign', 'verify'],
      )) as webcrypto.CryptoKeyPair;
      const forged = await x509.X509CertificateGenerator.createSelfSigned({
        serialNumber: '0badc0de',
        name: 'CN=demo.reviewer',
        keys: keys as unknown as X509KeyPair,
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      });
      expect(await h.ctx.bankKeys.issuerOf(Buffer.from(forged.rawData))).toBeNull();
      const row = { serial: '0BADC0DE', certificate_der: Buffer.from(forged.rawData).toString('base64') };
      expect(await issuedByBank(h.ctx, row as never)).toBe(false);
    });

    it('refuses to start when the recorded CA key is not on the configured token, and makes no new CA', async () => {
      const store = openStore(h.database);
      const before = await h.ctx.db
        .selectFrom('bank_keys')
        .selectAll()
        .where('purpose', '=', 'ca')
        .executeTakeFirstOrThrow();
      try {
        await store.db
          .updateTable('bank_keys')
          .set({ key_ref: randomBytes(20).toString('hex') })
          .where('purpose', '=', 'ca')
          .execute();
        const c = context(store, { hsm: testBankHsm() });
        await expect(c.bankKeys.ready()).rejects.toMatchObject({ code: 'BANK_KEY_MISSING' });
        await c.bankKeys.close();
        const after = await store.db.selectFrom('retired_ca_certificates').selectAll().execute();
        expect(after).toEqual([]);
      } finally {
        await store.db.updateTable('bank_keys').set({ key_ref: before.key_ref }).where('purpose', '=', 'ca').execute();
        await store.close();
      }
    });
  });
}

describe('starting the service: its HSM settings, or --demo', () => {
  beforeAll(async () => {
    // The test token exists (the worker initialises it at its first open), whichever tests run.
    await (await HsmKeyStore.open(testBankHsm())).close();
  });

  it('refuses a production start without HSM settings, naming the settings to configure', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-nohsm-'));
    try {
      const { code, output } = await serviceCli(['--db', join(dir, 'service.sqlite')], {
        SETTLEKEY_HSM_MODULE: '',
        SETTLEKEY_HSM_TOKEN: '',
        SETTLEKEY_HSM_PIN: '',
        SETTLEKEY_HSM_PIN_FILE: '',
      });
      expect(code).toBe(1);
      for (const setting of [
        'SETTLEKEY_HSM_MODULE',
        'SETTLEKEY_HSM_TOKEN',
        'SETTLEKEY_HSM_PIN',
        'SETTLEKEY_HSM_PIN_FILE',
      ])
        expect(output).toContain(setting);
      expect(output).toMatch(/未配置银行 HSM/);
      expect(output).toMatch(/only a demo start \(--demo\)/);
      expect(output).not.toMatch(/listening/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts in production on the HSM of its settings, the PIN read from a 0600 file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-hsm-'));
    try {
      const { output } = await serviceCli(['--db', join(dir, 'service.sqlite'), '--log-level', 'error'], bankHsmEnv());
      expect(output).toMatch(/listening on http/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to start when the HSM refuses the PIN', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-badpin-'));
    try {
      const env = { ...bankHsmEnv(), SETTLEKEY_HSM_PIN_FILE: '', SETTLEKEY_HSM_PIN: 'not-the-pin' };
      const { code, output } = await serviceCli(['--db', join(dir, 'service.sqlite')], env);
      expect(code).toBe(1);
      expect(output).toMatch(/The bank HSM token "SK test bank" failed: the token refused the PIN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a PIN file others can read, a partial setting and two PINs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-pin-'));
    try {
      const pinFile = join(dir, 'pin');
      writeFileSync(pinFile, '1234\n');
      chmodSync(pinFile, 0o644);
      const env = { SETTLEKEY_HSM_MODULE: '/usr/lib/softhsm/libsofthsm2.so', SETTLEKEY_HSM_TOKEN: 'bank' };
      expect(() => hsmSettingsFromEnv({ ...env, SETTLEKEY_HSM_PIN_FILE: pinFile })).toThrow(
        expect.objectContaining({ code: 'BANK_SECRET_FILE_MODE', params: { file: pinFile, mode: '0644' } }),
      );
      expect(() => hsmSettingsFromEnv({ SETTLEKEY_HSM_MODULE: env.SETTLEKEY_HSM_MODULE })).toThrow(
        expect.objectContaining({
          code: 'BANK_HSM_SETTING_MISSING',
          params: { missing: 'SETTLEKEY_HSM_TOKEN, SETTLEKEY_HSM_PIN or SETTLEKEY_HSM_PIN_FILE' },
        }),
      );
      expect(() => hsmSettingsFromEnv({ ...env, SETTLEKEY_HSM_PIN: '1', SETTLEKEY_HSM_PIN_FILE: pinFile })).toThrow(
        expect.objectContaining({ code: 'BANK_HSM_PIN_TWICE' }),
      );
      chmodSync(pinFile, 0o600);
      expect(hsmSettingsFromEnv({ ...env, SETTLEKEY_HSM_PIN_FILE: pinFile })).toMatchObject({ pin: '1234' });
      expect(hsmSettingsFromEnv({})).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a --demo start makes its own SoftHSM2 token in the data folder, its PINs in 0600 files', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sk-demo-hsm-'));
    try {
      const database = join(dir, 'service.sqlite');
      const { output } = await serviceCli(['--db', database, '--demo', '--log-level', 'error'], {
        SOFTHSM2_CONF: '/nonexistent/softhsm2.conf',
      });
      expect(output).toMatch(/listening on http/);
      for (const file of ['bank-hsm/softhsm2.conf', 'bank-hsm/user.pin', 'bank-hsm/so.pin'])
        expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
      const store = openStore(database);
      try {
        const rows = await store.db.selectFrom('bank_keys').select(['purpose', 'store']).orderBy('purpose').execute();
        expect(rows).toEqual([
          { purpose: 'ca', store: 'demo-hsm' },
          { purpose: 'document', store: 'demo-hsm' },
        ]);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the demo fallback without SoftHSM2: encrypted key files', () => {
  let db: TestDatabase;
  let store: Store;
  let ctx: ServiceContext;
  let dir: string;

  beforeAll(async () => {
    db = await sqlite.create();
    dir = join(db.setting, '..');
    store = openStore(db.setting);
    await migrateToLatest(store);
    ctx = context(store, { hsm: null, demo: true, demoStore: 'demo-file' });
  });
  afterAll(async () => {
    await ctx?.bankKeys.close();
    await store?.close();
    await db?.drop();
  });

  it('keeps each key in an encrypted PKCS#8 file, the passphrase in another, all 0600 beside the database', async () => {
    expect(await ctx.bankKeys.ready()).toMatchObject({ store: 'demo-file' });
    const rows = await ctx.db.selectFrom('bank_keys').selectAll().execute();
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const file = join(dir, `bank-key-${row.key_ref}.p8`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const pem = readFileSync(file, 'utf8');
      expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
      expect(pem).not.toMatch(/BEGIN PRIVATE KEY/);
    }
    expect(statSync(join(dir, 'bank-keys.passphrase')).mode & 0o777).toBe(0o600);
    const signed = await ctx.bankKeys.signDocument(Buffer.from('manifest'));
    expect(verify('sha256', Buffer.from('manifest'), node(signed.certificate).publicKey, signed.signature)).toBe(true);
    expect(await ctx.bankKeys.protection()).toEqual({ ca: undefined, document: undefined });
  });

  it('refuses the passphrase file once others may read it', async () => {
    const passphrase = join(dir, 'bank-keys.passphrase');
    const other = context(store, { hsm: null, demo: true, demoStore: 'demo-file' });
    try {
      chmodSync(passphrase, 0o640);
      await expect(other.bankKeys.ready()).rejects.toMatchObject({ code: 'BANK_SECRET_FILE_MODE' });
    } finally {
      chmodSync(passphrase, 0o600);
      await other.bankKeys.close();
    }
  });

  it('moving to an HSM makes a new CA there and retires the demo CA', async () => {
    const before = await ctx.bankKeys.ready();
    const moved = context(store, { hsm: testBankHsm(), demo: false });
    try {
      const after = await moved.bankKeys.ready();
      expect(after.store).toBe('hsm');
      expect(after.caSerial).not.toBe(before.caSerial);
      const retired = await store.db.selectFrom('retired_ca_certificates').selectAll().execute();
      expect(retired).toEqual([expect.objectContaining({ reason: "the bank's keys moved from demo-file to hsm" })]);
      expect(new x509.X509Certificate(retired[0].certificate_pem).serialNumber).toBe(before.caSerial);
    } finally {
      await moved.bankKeys.close();
    }
  });
});

/** The bank CA exactly as the service made it before 008: a webcrypto key, exported in the clear. */
async function oldCleartextCa(): Promise<{
  certificatePem: string;
  privateKeyPem: string;
  der: Buffer;
  keys: webcrypto.CryptoKeyPair;
}> {
  const rsa = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;
  const keys = (await webcrypto.subtle.generateKey(
    { ...rsa, modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
    true,
    ['sign', 'verify'],
  )) as webcrypto.CryptoKeyPair;
  const now = new Date();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=SettleKey Demo Bank Root CA, O=SettleKey Demo Bank, C=CN',
    notBefore: now,
    notAfter: new Date(now.getTime() + 20 * 365 * 86_400_000),
    keys: keys as unknown as X509KeyPair,
    signingAlgorithm: rsa,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey as unknown as X509Key),
    ],
  });
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKeyPem = `-----BEGIN PRIVATE KEY-----\n${der
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')}\n-----END PRIVATE KEY-----\n`;
  return { certificatePem: certificate.toString('pem'), privateKeyPem, der, keys };
}

/** Every trace of the key a file could hold: its DER, its base64 lines, the PEM header. */
function traces(der: Buffer): Buffer[] {
  const lines = der.toString('base64').match(/.{64}/g)!;
  return [
    der.subarray(0, 64),
    der.subarray(600, 664),
    Buffer.from(lines[1]),
    Buffer.from(lines[Math.floor(lines.length / 2)]),
    Buffer.from('BEGIN PRIVATE KEY'),
  ];
}

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`upgrading a database whose CA key was in the clear (${kind.name})`, () => {
    let db: TestDatabase;
    let store: Store;
    let ctx: ServiceContext;
    let old: Awaited<ReturnType<typeof oldCleartextCa>>;
    let oldUserCert: Buffer;
    let keyFoundBeforeUpgrade = false;

    beforeAll(async () => {
      db = await kind.create();
      old = await oldCleartextCa();
      // The database as 005 left it, with the CA row as ca.ts wrote it.
      const before = openStore(db.setting);
      await migrateTo(before, '005_card_names_en');
      await sql`insert into bank_ca (id, certificate_pem, private_key_pem, created_at)
                values (1, ${old.certificatePem}, ${old.privateKeyPem}, ${new Date().toISOString()})`.execute(
        before.db,
      );
      await before.close();
      if (kind.name === 'sqlite') {
        const content = readFileSync(db.setting);
        keyFoundBeforeUpgrade = traces(old.der)
          .slice(2)
          .every((trace) => content.includes(trace));
      }

      store = openStore(db.setting);
      await migrateToLatest(store);
      ctx = context(store, { hsm: testBankHsm() });
      await seedDemo(ctx);
      await ctx.bankKeys.ready();
      // A user certificate the old CA issued before the upgrade.
      const userKeys = (await webcrypto.subtle.generateKey(
        { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]) },
        true,
        ['sign', 'verify'],
      )) as webcrypto.CryptoKeyPair;
      const oldCa = new x509.X509Certificate(old.certificatePem);
      const issued = await x509.X509CertificateGenerator.create({
        serialNumber: '7e57000000000001',
        subject: 'CN=trade.operator',
        issuer: oldCa.subjectName,
        notBefore: new Date(Date.now() - 86_400_000),
        notAfter: new Date(Date.now() + 365 * 86_400_000),
        publicKey: userKeys.publicKey as never,
        signingKey: old.keys.privateKey as never,
        signingAlgorithm: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
        extensions: [await x509.AuthorityKeyIdentifierExtension.create(oldCa)],
      });
      oldUserCert = Buffer.from(issued.rawData);
      const user = await ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'trade.operator')
        .executeTakeFirstOrThrow();
      await ctx.db
        .insertInto('certificates')
        .values({
          serial: '7E57000000000001',
          user_id: user.id,
          subject: 'CN=trade.operator',
          key_type: 'rsa',
          media: 'file',
          certificate_der: oldUserCert.toString('base64'),
          not_before: issued.notBefore.toISOString(),
          not_after: issued.notAfter.toISOString(),
          status: 'activated',
          issued_at: issued.notBefore.toISOString(),
        })
        .execute();
    });
    afterAll(async () => {
      await ctx?.bankKeys.close();
      await store?.close();
      await db?.drop();
    });

    it('makes a new CA on the HSM and keeps the old certificate only among the retired', async () => {
      const ready = await ctx.bankKeys.ready();
      expect(ready.store).toBe('hsm');
      expect(ready.caSerial).not.toBe('01');
      const retired = await ctx.db.selectFrom('retired_ca_certificates').selectAll().execute();
      expect(retired).toHaveLength(1);
      expect(retired[0].reason).toBe('its private key was stored in the database');
      expect(retired[0].certificate_pem.replace(/\s/g, '')).toBe(old.certificatePem.replace(/\s/g, ''));
    });

    it('still verifies what the old CA issued, until its holder is re-issued', async () => {
      expect(await ctx.bankKeys.issuerOf(oldUserCert)).toBe('retired');
      const row = await ctx.db
        .selectFrom('certificates')
        .selectAll()
        .where('serial', '=', '7E57000000000001')
        .executeTakeFirstOrThrow();
      expect(await issuedByBank(ctx, row)).toBe(true);

      const reissued = await issueSoftKey(ctx, 'trade.operator');
      const fresh = await ctx.db
        .selectFrom('certificates')
        .select('certificate_der')
        .where('serial', '=', reissued.serial)
        .executeTakeFirstOrThrow();
      expect(await ctx.bankKeys.issuerOf(Buffer.from(fresh.certificate_der, 'base64'))).toBe('current');
      const superseded = await ctx.db
        .selectFrom('certificates')
        .select(['status', 'revoke_reason'])
        .where('serial', '=', '7E57000000000001')
        .executeTakeFirstOrThrow();
      expect(superseded).toEqual({ status: 'revoked', revoke_reason: 'superseded: re-issued under the new bank CA' });
    });

    if (kind.name === 'sqlite') {
      it('leaves no byte of the old key in the database file, its -wal or its -shm', async () => {
        const files = [db.setting, `${db.setting}-wal`, `${db.setting}-shm`];
        const search = () => {
          for (const file of files.filter((f) => existsSync(f))) {
            const content = readFileSync(file);
            for (const trace of traces(old.der)) expect(content.includes(trace), `${file} holds ${trace}`).toBe(false);
          }
        };
        // Before the upgrade the search found the key (see beforeAll): it is not blind.
        expect(keyFoundBeforeUpgrade).toBe(true);
        search();
        await store.close();
        search();
        store = openStore(db.setting);
        ctx = context(store, { hsm: testBankHsm() });
      });
    } else {
      it('drops the private-key column (the whole bank_ca table) from the schema', async () => {
        const columns = await sql<{ table_name: string }>`select table_name from information_schema.columns
            where table_schema = current_schema() and column_name = 'private_key_pem'`.execute(ctx.db);
        expect(columns.rows).toEqual([]);
        const tables = await sql`select 1 from information_schema.tables
            where table_schema = current_schema() and table_name = 'bank_ca'`.execute(ctx.db);
        expect(tables.rows).toEqual([]);
      });
    }
  });
}
