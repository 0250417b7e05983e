// 证书更新 end to end, on both databases and on both kinds of real token: an RSA
// key on SoftHSM2 (PKCS#11) and an SM2 key on the SKF simulator, each reached
// through the token host process, as the app reaches them. The desktop's own
// renewal flow (src-main/flows/renewal.ts) drives it against the service over
// HTTP: a new key on the token, its request signed there, authorised by the
// old certificate's signature, certified, written back and signed off; the old
// certificate is then revoked and the next login asks for the new one. The
// rules hold however the requests come: not before 30 days from expiry, one
// renewal per certificate even when two arrive at once, a new key, the
// holder's own certificate.
import { randomBytes, sign as nodeSign } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childTokenHostSpawner } from '../../src-main/core/spawn-child';
import { SettlementClient } from '../../src-main/core/settlement-client';
import type { FlowDeps } from '../../src-main/core/handler-types';
import { renewalFlows } from '../../src-main/flows/renewal';
import { payloadOf } from '../../src-main/flows/signer';
import { TokenHostClient } from '../../src-main/token/host-client';
import { issueCertificate, revokeCertificate } from '../../src-service/certificates/issue';
import { x509 } from '../../src-service/certificates/x509';
import type { KeyType } from '../../src-shared/token';
import { csrDigest } from '../../src-token/csr-digest';
import { readSm2Certificate } from '../../src-token/sm2-x509';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { harnessFor, type Harness } from '../support/service-harness';
import { signEnvelopeWith, softCsr, type HeldKey, type SoftKey, type TestKey } from '../support/soft-certificates';
import { opensslVerifiesCertificate, opensslVerifiesSm2, SKF_LIBRARY } from '../support/sm2-tokens';
import { SoftHsm } from '../support/softhsm';

const PIN = '246810';
const DAY = 86_400_000;

/** One token host for the file: SoftHSM2 and the SKF simulator, each with folders of this file's own. */
const dir = mkdtempSync(join(tmpdir(), 'sk-renewal-'));
const hsm = new SoftHsm();
const host = new TokenHostClient(
  childTokenHostSpawner(join(dir, 'host.log'), () => ({
    ...hsm.env(),
    SETTLEKEY_SKF_SOFT_DIR: join(dir, 'skf-devices'),
    SETTLEKEY_SKF_SOFT_LIBRARY: SKF_LIBRARY,
  })),
  () => ({ modulePath: null, fileCertDir: join(dir, 'certs') }),
);
afterAll(() => {
  host.stop();
  hsm.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

interface OnToken {
  slotId: string;
  keyId: string;
  serial: string;
  key: HeldKey;
}

/** A key on the token, signing through the host with the PIN — what the harness's helpers sign with. */
function heldKey(slotId: string, keyId: string, serial: string, keyType: KeyType): HeldKey {
  return {
    serial,
    keyType,
    sign: async (bytes) => {
      const { signatures } = await host.request('sign', {
        slotId,
        keyId,
        pin: PIN,
        data: [Buffer.from(bytes).toString('base64')],
      });
      return Buffer.from(signatures[0], 'base64');
    },
  };
}

/** The counter's issuance onto a token, with a certificate that runs out in `days`. */
async function issueOnToken(h: Harness, loginName: string, keyType: 'rsa' | 'sm2', days: number): Promise<OnToken> {
  const label = `SK ${loginName} ${randomBytes(2).toString('hex')}`;
  // A blank token initialised by the host, as the counter does it: SoftHSM2's free slot, or a new SKF device.
  const made = await host.request('provision', {
    slotId: null,
    init: { label, soPin: '12345678' },
    userPin: PIN,
    keyType,
    subject: { commonName: loginName, organization: 'Test' },
  });
  const user = await h.ctx.db
    .selectFrom('users')
    .select('id')
    .where('login_name', '=', loginName)
    .executeTakeFirstOrThrow();
  const issued = await issueCertificate(h.ctx, {
    userId: user.id,
    csrPem: made.csrPem,
    media: 'token',
    validityDays: 730,
    notBefore: new Date(h.clock.now().getTime() - (730 - days) * DAY),
  });
  await host.request('writeCertificate', {
    slotId: made.slotId,
    keyId: made.keyId,
    pin: PIN,
    certDer: issued.der.toString('base64'),
    label: loginName,
  });
  return {
    slotId: made.slotId,
    keyId: made.keyId,
    serial: issued.serial,
    key: heldKey(made.slotId, made.keyId, issued.serial, keyType),
  };
}

await host.start();

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`证书更新, ${kind.name}`, () => {
    const h = harnessFor(kind);
    let url: string;

    beforeAll(async () => {
      url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    }, 60_000);

    /** The desktop's flows, talking to this service over HTTP as the signed-in user, and to the real token host. */
    async function desktopOf(loginName: string, token: OnToken) {
      h.useKey(loginName, token.key);
      const sessionToken = await h.signedIn(loginName);
      const client = new SettlementClient(
        async () => url,
        () => 'en',
        () => null,
      );
      client.setToken(sessionToken);
      const flows = renewalFlows({ client, tokens: host } as unknown as FlowDeps);
      return { client, sessionToken, renew: () => flows['certificates.renew']({ sign: signWith(token) }) };
    }

    const signWith = (token: OnToken) => ({
      slotId: token.slotId,
      keyId: token.keyId,
      certSerial: token.serial,
      pin: PIN,
    });

    async function statusOf(serial: string) {
      return h.ctx.db
        .selectFrom('certificates')
        .select(['status', 'renewal_of', 'revoke_reason', 'key_type'])
        .where('serial', '=', serial)
        .executeTakeFirstOrThrow();
    }

    for (const [keyType, loginName] of [
      ['rsa', 'demo.operator'],
      ['sm2', 'trade.operator'],
    ] as const) {
      it(`renews ${keyType === 'rsa' ? 'an RSA key on SoftHSM2' : 'an SM2 key on the SKF simulator'}: new key, old certificate revoked once the new one is signed off`, async () => {
        const old = await issueOnToken(h, loginName, keyType, 20);
        const desktop = await desktopOf(loginName, old);
        expect((await statusOf(old.serial)).status).toBe('activated');

        const done = await desktop.renew();
        expect(done.revoked).toBe(old.serial);
        expect(done.serial).not.toBe(old.serial);
        expect(Date.parse(done.notAfter)).toBeGreaterThan(h.clock.now().getTime() + 700 * DAY);

        expect(await statusOf(done.serial)).toMatchObject({
          status: 'activated',
          renewal_of: old.serial,
          key_type: keyType,
        });
        expect(await statusOf(old.serial)).toMatchObject({
          status: 'revoked',
          revoke_reason: `superseded: renewed by ${done.serial}`,
        });

        // Both certificates are on the token, each paired with its own key.
        const onToken = await host.request('certificates', { slotId: old.slotId });
        const renewed = onToken.find((c) => c.serial === done.serial)!;
        expect(renewed).toMatchObject({ paired: true, keyType, subjectCommonName: loginName });
        expect(renewed.keyId).not.toBe(old.keyId);
        expect(onToken.map((c) => c.serial).sort()).toEqual([old.serial, done.serial].sort());

        // The new certificate is the bank's: openssl verifies it against the CA that issued it.
        const der = (await h.ctx.db
          .selectFrom('certificates')
          .select('certificate_der')
          .where('serial', '=', done.serial)
          .executeTakeFirstOrThrow())!.certificate_der;
        const ca = keyType === 'sm2' ? await h.ctx.bankKeys.sm2.certificate() : await caDer(h);
        const verified = opensslVerifiesCertificate(Buffer.from(der, 'base64'), ca, keyType === 'sm2');
        expect(verified.ok, verified.out).toBe(true);
        if (keyType === 'sm2') {
          // …and the sign-off the new key made in its container is one openssl accepts with the standard ID.
          const point = readSm2Certificate(Buffer.from(der, 'base64')).point!;
          const data = Buffer.from('renewed');
          const { signatures } = await host.request('sign', {
            slotId: old.slotId,
            keyId: renewed.keyId,
            pin: PIN,
            data: [data.toString('base64')],
          });
          expect(opensslVerifiesSm2(point, { data, rs: Buffer.from(signatures[0], 'base64') }).ok).toBe(true);
        }

        // The old key no longer signs anything in; the next login asks for the new certificate, and it works.
        const next = await h.login(loginName, 'Ready2026go', { certificate: false });
        expect(next.body.certificateStep).toMatchObject({ step: 'signIn', serials: [done.serial] });
        const refused = await h.certificateAnswer(next.token, {
          ...next.body.certificateStep,
          key: old.key,
          loginName,
        });
        expect(refused.json().error.code).toBe('CERT_REVOKED');
        const newKey = heldKey(old.slotId, renewed.keyId, done.serial, keyType);
        const fresh = await h.login(loginName, 'Ready2026go', { certificate: false });
        const signedIn = await h.certificateAnswer(fresh.token, {
          ...fresh.body.certificateStep,
          key: newKey,
          loginName,
        });
        expect(signedIn.statusCode, signedIn.body).toBe(200);
      }, 60_000);
    }

    it('refuses a renewal before 30 days from expiry, naming the day it opens', async () => {
      const old = await issueOnToken(h, 'demo.reviewer', 'rsa', 45);
      const desktop = await desktopOf('demo.reviewer', old);
      await expect(desktop.renew()).rejects.toMatchObject({
        code: 'CERT_RENEWAL_TOO_EARLY',
        params: { days: 30, date: new Date(h.clock.now().getTime() + 15 * DAY).toISOString().slice(0, 10) },
      });
      expect((await statusOf(old.serial)).status).toBe('activated');
    }, 60_000);

    it('renews a certificate once when two renewals arrive at once; the old key must sign for the very request', async () => {
      const old = await issueOnToken(h, 'demo.admin1', 'rsa', 10);
      const desktop = await desktopOf('demo.admin1', old);
      // Two new keys, two requests, each authorised by the old certificate — sent together.
      const requests = await Promise.all(
        [1, 2].map(async (n) => {
          const made = await host.request('provision', {
            slotId: old.slotId,
            userPin: PIN,
            keyType: 'rsa',
            subject: { commonName: 'demo.admin1', organization: 'Test' },
            keyLabel: `demo.admin1 renewal ${n}`,
          });
          return made.csrPem;
        }),
      );
      const authorise = async (csrPem: string, digestOf = csrPem) => {
        const receivedAt = Date.now();
        const challenge = await desktop.client.route(
          (await import('../../src-shared/routes')).desktopRoutes['certificates.challenge'],
          { purpose: 'renewal' },
        );
        const payload = payloadOf(
          'renewal',
          {
            challenge: challenge.challenge,
            issuedAt: challenge.issuedAt,
            fields: { loginName: 'demo.admin1', certSerial: old.serial, csrDigest: csrDigest(digestOf) },
          },
          receivedAt,
        );
        return { csrPem, signature: await signEnvelopeWith(old.key, payload) };
      };
      const send = (body: unknown) =>
        h.request({ method: 'POST', url: '/certificates/renew', token: desktop.sessionToken, body, lang: 'en' });

      // the old key signed for another request: refused
      const mismatch = await send(await authorise(requests[0], requests[1]));
      expect(mismatch.json().error.code).toBe('SIGNATURE_INVALID');

      const bodies = await Promise.all(requests.map((csrPem) => authorise(csrPem)));
      const replies = await Promise.all(bodies.map(send));
      const codes = replies.map((r) => (r.statusCode === 200 ? 'OK' : r.json().error.code)).sort();
      expect(codes).toEqual(['CERT_RENEWAL_PENDING', 'OK']);
      const renewals = await h.ctx.db
        .selectFrom('certificates')
        .select('serial')
        .where('renewal_of', '=', old.serial)
        .execute();
      expect(renewals).toHaveLength(1);
      // and a third, later, is refused as well
      expect((await send(await authorise(requests[0]))).json().error.code).toBe('CERT_RENEWAL_PENDING');
      // …until the counter revokes the pending renewal (say its certificate never reached the token)
      await revokeCertificate(h.ctx, renewals[0].serial, 'renewal not completed');
      const again = await send(await authorise(requests[0]));
      expect(again.statusCode, again.body).toBe(200);
    }, 60_000);

    it("refuses a request for the old key itself, and a renewal signed by someone else's certificate", async () => {
      // A certificate whose key the test holds, so that a request for that same key can be made.
      const user = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'trade.admin')
        .executeTakeFirstOrThrow();
      const { csrPem, privateKey } = await softCsr('trade.admin');
      const issued = await issueCertificate(h.ctx, {
        userId: user.id,
        csrPem,
        media: 'file',
        notBefore: new Date(h.clock.now().getTime() - 725 * DAY),
      });
      const soft: SoftKey = { serial: issued.serial, privateKey, keyType: 'rsa' };
      h.useKey('trade.admin', { serial: soft.serial, keyType: 'rsa', sign: async (b) => signEnvelopeBytes(soft, b) });
      const token = await h.signedIn('trade.admin');
      const renewalOf = async (key: TestKey, certSerial: string, csr: string) => {
        const challenge = (
          await h.request({ method: 'POST', url: '/signing/challenge', token, body: { purpose: 'renewal' } })
        ).json();
        const signature = await signEnvelopeWith(key, {
          kind: 'renewal',
          loginName: 'trade.admin',
          certSerial,
          csrDigest: csrDigest(csr),
          challenge: challenge.challenge,
          time: h.clock.nowIso(),
        });
        return h.request({
          method: 'POST',
          url: '/certificates/renew',
          token,
          body: { csrPem: csr, signature },
          lang: 'zh-CN',
        });
      };
      const sameKey = await renewalOf(soft, soft.serial, csrPem);
      expect(sameKey.json().error).toMatchObject({ code: 'CERT_RENEWAL_SAME_KEY' });
      expect(sameKey.json().error.message).toContain('新的密钥');

      const other = await h.keyOf('demo.operator');
      const fresh = await softCsr('trade.admin');
      const byOther = await renewalOf(other, other.serial, fresh.csrPem);
      expect(byOther.json().error.code).toBe('CERT_NOT_OWNED');
      expect(await statusOf(soft.serial)).toMatchObject({ status: 'activated' });
      const renewals = await h.ctx.db
        .selectFrom('certificates')
        .select('serial')
        .where('renewal_of', '=', soft.serial)
        .execute();
      expect(renewals).toEqual([]);
    }, 60_000);
  });
}

/** A software key's signature, as a token would return it. */
function signEnvelopeBytes(key: SoftKey, bytes: Uint8Array): Uint8Array {
  return nodeSign('sha256', bytes, key.privateKey);
}

/** The bank CA's certificate, as recorded beside its key in the HSM. */
async function caDer(h: Harness): Promise<Uint8Array> {
  const row = await h.ctx.db
    .selectFrom('bank_keys')
    .select('certificate_pem')
    .where('purpose', '=', 'ca')
    .executeTakeFirstOrThrow();
  return new Uint8Array(new x509.X509Certificate(row.certificate_pem).rawData);
}
