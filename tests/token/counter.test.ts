// The bank counter's USB-KEY issuance, run as the CLI it is, against SoftHSM2
// and the service's database; then the user signs off with that token.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalBytes } from '../../src-shared/signing';
import { sqlite } from '../support/databases';
import { startHarness, type Harness } from '../support/service-harness';
import { SoftHsm, SOFTHSM_MODULE, TEST_PIN, TEST_SO_PIN } from '../support/softhsm';
import { opensslVerifiesCertificate, SKF_LIBRARY } from '../support/sm2-tokens';
import { SkfDriver } from '../../src-token/skf-driver';
import { join } from 'node:path';

describe('npm run counter -- issue-token / revoke', () => {
  let hsm: SoftHsm;
  let h: Harness;

  beforeAll(async () => {
    hsm = new SoftHsm();
    // The bank's keys in files: this file's own SoftHSM2 use would share the process's one PKCS#11 library.
    h = await startHarness(sqlite, { keys: 'file' });
  });
  afterAll(async () => {
    await h?.close();
    hsm?.cleanup();
  });

  const counter = (args: string[], stdin = '', env: NodeJS.ProcessEnv = {}) =>
    spawnSync(
      process.execPath,
      ['--import', 'tsx', 'src-service/commands/counter/cli.ts', '--db', h.database, ...args],
      {
        input: stdin,
        env: { ...hsm.env(), ...env },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );

  /** The user's first login, answered with a sign-off the token made: the service's reply. */
  async function signOff(loginName: string, serial: string, sign: (bytes: Buffer) => Promise<Buffer>) {
    const login = await h.login(loginName, 'Demo1234', { certificate: false });
    expect(login.body.certificateStep).toMatchObject({ step: 'signOff', serials: [serial] });
    const step = login.body.certificateStep;
    const time = h.clock.nowIso();
    const payload = { kind: 'signOff' as const, loginName, certSerial: serial, challenge: step.challenge, time };
    const signature = await sign(Buffer.from(canonicalBytes(payload)));
    return h.request({
      method: 'POST',
      url: '/auth/certificate',
      token: login.token,
      body: {
        step: 'signOff',
        signature: { certSerial: serial, challenge: step.challenge, time, signature: signature.toString('base64') },
      },
    });
  }

  it('initialises a blank token, generates the key on it, issues and writes the certificate; the user signs off with it', async () => {
    const run = counter(
      ['issue-token', 'demo.admin2', '--token-label', 'SK demo.admin2', '--init', '--module', SOFTHSM_MODULE],
      `${TEST_PIN}\n${TEST_SO_PIN}\n`,
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/USB-KEY issued to demo.admin2/);
    expect(run.stdout).toMatch(/sensitive=true, extractable=false/);
    const serial = /certificate: serial ([0-9A-F]+)/.exec(run.stdout)![1];

    const driver = hsm.driver();
    try {
      const token = driver.tokens().find((t) => t.label === 'SK demo.admin2')!;
      const [cert] = driver.certificates(token.slotId);
      expect(cert).toMatchObject({ serial, subjectCommonName: 'demo.admin2', paired: true });

      const res = await signOff('demo.admin2', serial, (bytes) =>
        driver.withLogin(token.slotId, TEST_PIN, false, async (s) =>
          driver.sign(s, driver.privateKey(s, cert.keyId), bytes),
        ),
      );
      expect(res.statusCode).toBe(200);
    } finally {
      driver.close();
    }
  });

  it("issues an SM2 USB-KEY over SKF: the application on a new device, the key in its container, the SM2 CA's certificate written back; the user signs off with it", async () => {
    const devices = join(hsm.dir, 'skf-devices');
    // The service made its SM2 CA (in its stand-in SM2 HSM) before; the counter uses it as recorded.
    await h.ctx.bankKeys.sm2.certificate();
    const run = counter(
      ['issue-token', 'trade.operator', '--token-label', 'SK trade.operator', '--init', '--key-type', 'sm2'],
      `${TEST_PIN}\n${TEST_SO_PIN}\n`,
      { SETTLEKEY_SKF_SOFT_DIR: devices, SETTLEKEY_SKF_SOFT_LIBRARY: SKF_LIBRARY },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/USB-KEY issued to trade.operator on SKF device "SK trade.operator"/);
    const serial = /certificate: serial ([0-9A-F]+) \(SM3withSM2/.exec(run.stdout)![1];

    process.env.SETTLEKEY_SKF_SOFT_DIR = devices;
    const driver = new SkfDriver(SKF_LIBRARY);
    driver.load();
    try {
      const device = driver.tokens().find((t) => t.label === 'SK trade.operator')!;
      const [cert] = driver.certificates(device.slotId);
      expect(cert).toMatchObject({ serial, subjectCommonName: 'trade.operator', keyType: 'sm2', paired: true });
      // the certificate on the device is the one recorded, and openssl verifies it against the SM2 CA
      const recorded = await h.ctx.db
        .selectFrom('certificates')
        .select(['certificate_der', 'key_type'])
        .where('serial', '=', serial)
        .executeTakeFirstOrThrow();
      expect(recorded.key_type).toBe('sm2');
      const verified = opensslVerifiesCertificate(
        Buffer.from(recorded.certificate_der, 'base64'),
        await h.ctx.bankKeys.sm2.certificate(),
      );
      expect(verified.ok, verified.out).toBe(true);

      const res = await signOff('trade.operator', serial, (bytes) =>
        driver.withLogin(device.slotId, TEST_PIN, (s) => driver.signSm2(s, cert.keyId, bytes)),
      );
      expect(res.statusCode, res.body).toBe(200);
    } finally {
      driver.close();
    }
  });

  it('initialises nothing it must not: --init on a token that exists is refused, and nothing changes on it', () => {
    const run = counter(
      ['issue-token', 'demo.admin2', '--token-label', 'SK demo.admin2', '--init', '--module', SOFTHSM_MODULE],
      `${TEST_PIN}\n${TEST_SO_PIN}\n`,
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/--init refused/);
    const driver = hsm.driver();
    try {
      const token = driver.tokens().find((t) => t.label === 'SK demo.admin2')!;
      expect(driver.certificates(token.slotId)).toHaveLength(1);
    } finally {
      driver.close();
    }
  });

  it('refuses a wrong PIN with the token’s own message, and takes no PIN from the command line', () => {
    const wrong = counter(
      ['issue-token', 'demo.admin2', '--token-label', 'SK demo.admin2', '--module', SOFTHSM_MODULE],
      '000000\n',
    );
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/USB-KEY 密码错误/);
    const noPin = counter(
      ['issue-token', 'demo.admin2', '--token-label', 'SK demo.admin2', '--module', SOFTHSM_MODULE],
      '',
    );
    expect(noPin.status).toBe(2);
    expect(noPin.stderr).toMatch(/User PIN expected on standard input/);
  });

  it('revokes a certificate (status and reason kept) and names an unknown serial', async () => {
    const cert = await h.ctx.db
      .selectFrom('certificates')
      .selectAll()
      .where('status', '=', 'activated')
      .executeTakeFirstOrThrow();
    const run = counter(['revoke', cert.serial, '--reason', 'USB-KEY reported lost']);
    expect(run.status).toBe(0);
    const row = await h.ctx.db
      .selectFrom('certificates')
      .selectAll()
      .where('serial', '=', cert.serial)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'revoked', revoke_reason: 'USB-KEY reported lost' });
    const missing = counter(['revoke', 'ABCDEF', '--reason', 'x']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/ABCDEF/);
  });
});
