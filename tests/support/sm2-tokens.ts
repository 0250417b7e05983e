// SM2 USB-KEYs for tests: devices of SettleKey's SKF simulator (the software
// SKF library built from native/skf-soft) in a folder of the test's own, keys
// made in their containers, requests signed there — and Debian's openssl as
// the verifier that shares no code with ours.
import 'reflect-metadata';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { issueCertificate } from '../../src-service/certificates/issue';
import type { ServiceContext } from '../../src-service/context';
import { SETTLEKEY_APPLICATION, SkfDriver, SM2_SIGNER_ID } from '../../src-token/skf-driver';
import { rsToDer, type Sm2Point } from '../../src-token/sm2';
import { buildSm2Csr, sm2Spki } from '../../src-token/sm2-x509';
import { x509 } from '../../src-service/certificates/x509';
import type { HeldKey } from './soft-certificates';

export const SKF_LIBRARY = fileURLToPath(
  new URL('../../native/skf-soft/build/libsettlekey-skf-soft.so', import.meta.url),
);
export const SKF_USER_PIN = '123456';
export const SKF_ADMIN_PIN = '87654321';

/** Every signature a key made, with what it signed: for openssl to check afterwards. */
export interface SignedByToken {
  data: Uint8Array;
  rs: Uint8Array;
}

export interface SkfKey extends HeldKey {
  slotId: string;
  keyId: string;
  point: Sm2Point;
  der: Buffer;
  signed: SignedByToken[];
}

/** A folder of simulated devices for one test file, with its driver. */
export class SkfBench {
  readonly dir = mkdtempSync(join(tmpdir(), 'sk-skf-'));
  readonly driver = new SkfDriver(SKF_LIBRARY);
  private count = 0;

  constructor() {
    if (!existsSync(SKF_LIBRARY)) throw new Error(`${SKF_LIBRARY} is not built: run \`npm run build:skf\``);
    process.env.SETTLEKEY_SKF_SOFT_DIR = join(this.dir, 'devices');
    this.driver.load();
  }

  /** A device issued as the bank counter does it: the SettleKey application with both PINs. */
  device(retries = 6): string {
    this.count += 1;
    const slotId = this.driver.createDevice(`SM2KEY-${this.count}`, `SM2SN${String(this.count).padStart(6, '0')}`);
    this.driver.initApplication(slotId, SETTLEKEY_APPLICATION, SKF_ADMIN_PIN, SKF_USER_PIN, retries);
    return slotId;
  }

  /**
   * The counter's issuance for a user: a key made in a container on a new
   * device, the request signed in that container, the SM2 certificate issued by
   * the service and written back to the container.
   */
  async issue(ctx: ServiceContext, loginName: string): Promise<SkfKey> {
    const slotId = this.device();
    const user = await ctx.db
      .selectFrom('users')
      .select('id')
      .where('login_name', '=', loginName)
      .executeTakeFirstOrThrow();
    const signed: SignedByToken[] = [];
    const { keyId, point, csrPem } = await this.driver.withLogin(slotId, SKF_USER_PIN, async (s) => {
      const made = await this.driver.generateKeyPair(s, loginName);
      const point = { x: made.x, y: made.y };
      const csrPem = await buildSm2Csr(point, { commonName: loginName, organization: 'Test' }, async (tbs) => {
        const rs = await this.driver.signSm2(s, made.keyId, Buffer.from(tbs));
        signed.push({ data: tbs, rs });
        return rs;
      });
      return { keyId: made.keyId, point, csrPem };
    });
    const issued = await issueCertificate(ctx, { userId: user.id, csrPem, media: 'token' });
    await this.driver.withLogin(slotId, SKF_USER_PIN, (s) => this.driver.writeCertificate(s, keyId, issued.der));
    const key: SkfKey = {
      serial: issued.serial,
      keyType: 'sm2',
      slotId,
      keyId,
      point,
      der: issued.der,
      signed,
      sign: async (bytes) => {
        const rs = await this.driver.withLogin(slotId, SKF_USER_PIN, (s) =>
          this.driver.signSm2(s, keyId, Buffer.from(bytes)),
        );
        signed.push({ data: Uint8Array.from(bytes), rs });
        return rs;
      },
    };
    return key;
  }

  close(): void {
    this.driver.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * `openssl dgst -sm3 -verify` with the standard signer ID: whether Debian's
 * openssl accepts r‖s over data by the point's key (its output when not).
 */
export function opensslVerifiesSm2(point: Sm2Point, signed: SignedByToken): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sk-openssl-'));
  try {
    const pub = join(dir, 'key.pub');
    writeFileSync(pub, x509.PemConverter.encode(sm2Spki(point).slice().buffer, 'PUBLIC KEY'));
    writeFileSync(join(dir, 'sig.der'), rsToDer(signed.rs));
    writeFileSync(join(dir, 'data.bin'), signed.data);
    const run = spawnSync(
      'openssl',
      ['dgst', '-sm3', '-verify', pub, '-sigopt', `distid:${SM2_SIGNER_ID}`, '-signature', join(dir, 'sig.der')].concat(
        join(dir, 'data.bin'),
      ),
      { encoding: 'utf8' },
    );
    const out = `${run.stdout}${run.stderr}`;
    return { ok: run.status === 0 && out.includes('Verified OK'), out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** openssl's check that a certificate was signed by the CA certificate (SM3withSM2 with the standard ID, unless `sm2` is false). */
export function opensslVerifiesCertificate(cert: Uint8Array, ca: Uint8Array, sm2 = true): { ok: boolean; out: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sk-openssl-'));
  try {
    const pem = (der: Uint8Array) => x509.PemConverter.encode(Uint8Array.from(der).buffer, 'CERTIFICATE');
    writeFileSync(join(dir, 'ca.pem'), pem(ca));
    writeFileSync(join(dir, 'cert.pem'), pem(cert));
    const run = spawnSync(
      'openssl',
      [
        'verify',
        '-CAfile',
        join(dir, 'ca.pem'),
        ...(sm2 ? ['-vfyopt', `distid:${SM2_SIGNER_ID}`] : []),
        join(dir, 'cert.pem'),
      ],
      { encoding: 'utf8' },
    );
    const out = `${run.stdout}${run.stderr}`;
    return { ok: run.status === 0 && out.includes(': OK'), out };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
