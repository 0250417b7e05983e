// Routes that must not exist in production: the test hooks (captcha answers,
// the clock) and the demo's tools answer 404 on a service started without
// --demo, even when NODE_ENV=test is set (vitest sets it for this process);
// the demo's certificate route never replaces a revoked certificate; an
// oversized archive sent without Content-Length reports the size read.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../src-shared/errors';
import { revokeCertificate } from '../../src-service/certificates/issue';
import { createContext } from '../../src-service/context';
import { bankHsmEnv } from '../support/bank-hsm';
import { checkAvailable, DATABASE_KINDS, sqlite } from '../support/databases';
import { startHarness, type Harness } from '../support/service-harness';
import { startServiceProcess } from '../support/service-process';
import { softCsr } from '../support/soft-certificates';
import { CORPORATE_APPLICANT } from '../support/members';

/** Starts a bundled service on the test's bank HSM, NODE_ENV=test in its environment. */
const startBundle = (cli: string, args: string[]) =>
  startServiceProcess([cli], args, { ...bankHsmEnv(), SETTLEKEY_DATA_DIR: dirname(args[1]) });

/** Every /__test and /__demo route of an app, with a path that fills its parameters. */
function hookRoutes(h: Harness): { method: string; url: string }[] {
  const out: { method: string; url: string }[] = [];
  const tree = h.app.printRoutes({ commonPrefix: false });
  for (const line of tree.split('\n')) {
    const m = /(\/__(?:test|demo)\/\S*) \(([^)]+)\)/.exec(line);
    if (!m) continue;
    const url = m[1].replace(/:[a-zA-Z]+/g, 'x');
    for (const method of m[2].split(', ').filter((x) => x !== 'HEAD')) out.push({ method, url });
  }
  return out;
}

describe('test and demo routes of a production start', () => {
  let demo: Harness;
  let production: Harness;
  beforeAll(async () => {
    demo = await startHarness(sqlite);
    production = await startHarness(sqlite, { demo: false });
  });
  afterAll(async () => {
    await demo?.close();
    await production?.close();
  });

  it('a demo start under NODE_ENV=test has the hooks (so this test looks at real routes)', () => {
    const routes = hookRoutes(demo).map((r) => `${r.method} ${r.url}`);
    expect(routes).toEqual(
      expect.arrayContaining([
        'GET /__test/captcha/x',
        'POST /__test/clock',
        'GET /__demo/token-holders',
        'POST /__demo/certificates',
        'GET /__demo/sms',
      ]),
    );
  });

  it('a start without --demo answers 404 to every one of them, NODE_ENV=test or not', async () => {
    expect(process.env.NODE_ENV).toBe('test');
    expect(production.ctx.options.testMode).toBe(true);
    const routes = hookRoutes(demo);
    expect(routes.length).toBeGreaterThanOrEqual(6);
    for (const route of routes) {
      const res = await production.request({ method: route.method as 'GET' | 'POST', url: route.url, body: {} });
      expect(res.statusCode, `${route.method} ${route.url}`).toBe(404);
    }
    expect(hookRoutes(production)).toEqual([]);
  });

  it('the production bundle, started with or without --demo under NODE_ENV=test, has no test hook; without --demo no demo route', async () => {
    const outdir = join('.tmp', `production-bundle-${process.pid}`);
    execFileSync(process.execPath, ['scripts/build-node.mjs', '--outdir', outdir], { stdio: 'pipe' });
    const dir = mkdtempSync(join(tmpdir(), 'sk-prod-'));
    const routes = hookRoutes(demo);
    try {
      for (const withDemo of [false, true]) {
        const service = await startBundle(join(outdir, 'service', 'cli.cjs'), [
          '--db',
          join(dir, `${withDemo ? 'demo' : 'bank'}.sqlite`),
          ...(withDemo ? ['--demo'] : []),
        ]);
        try {
          for (const route of routes) {
            const res = await fetch(`${service.url}${route.url}`, {
              method: route.method,
              ...(route.method === 'GET' ? {} : { body: '{}', headers: { 'content-type': 'application/json' } }),
            });
            const expected = withDemo && route.url.startsWith('/__demo/') ? 'not 404' : 404;
            expect(
              res.status === 404 ? 404 : 'not 404',
              `${withDemo ? '--demo' : 'production'} ${route.method} ${route.url}`,
            ).toBe(expected);
          }
          const health = (await (await fetch(`${service.url}/health`)).json()) as { demo: boolean; testMode: boolean };
          expect(health).toMatchObject({ demo: withDemo, testMode: false });
        } finally {
          service.child.kill('SIGTERM');
          await new Promise((r) => service.child.once('exit', r));
        }
      }
    } finally {
      rmSync(outdir, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);

  it("a context made without --demo keeps the machine's clock, NODE_ENV=test or not", () => {
    const ctx = createContext(production.ctx.store, { demo: false, testMode: true, version: 'test' });
    expect(() => ctx.clock.set(new Date('2030-01-01T00:00:00Z'))).toThrow(AppError);
    expect(Math.abs(ctx.clock.now().getTime() - Date.now())).toBeLessThan(1000);
  });
});

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`the demo's own certificate route on ${kind.name}`, () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness(kind);
    });
    afterAll(async () => {
      await h?.close();
    });

    const ask = async (loginName: string) =>
      h.request({
        method: 'POST',
        url: '/__demo/certificates',
        lang: 'en',
        body: { loginName, csrPem: (await softCsr(loginName)).csrPem, media: 'file' },
      });

    it('issues a first certificate, refuses a second, and never replaces a revoked one', async () => {
      const first = await ask('trade.admin');
      expect(first.statusCode, first.body).toBe(200);
      expect((await ask('trade.admin')).statusCode).toBe(403);
      await revokeCertificate(h.ctx, first.json().serial, 'lost');
      const again = await ask('trade.admin');
      expect(again.statusCode).toBe(403);
      expect(again.json().error.code).toBe('CERT_REISSUE_AT_COUNTER');
      expect(again.json().error.message).toMatch(/bank counter/);
      const certificates = await h.ctx.db
        .selectFrom('certificates')
        .innerJoin('users', 'users.id', 'certificates.user_id')
        .select('certificates.status')
        .where('users.login_name', '=', 'trade.admin')
        .execute();
      expect(certificates.map((c) => c.status)).toEqual(['revoked']);
    });
  });
}

describe('an oversized archive sent without Content-Length', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(sqlite);
    await h.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is refused on the archive field with the size actually read, not "0 MB"', async () => {
    const address = h.app.server.address() as { port: number };
    const base64 = Buffer.alloc(9 * 1024 * 1024, 7).toString('base64');
    const body = Buffer.from(
      JSON.stringify({
        ...CORPORATE_APPLICANT,
        archive: { name: 'docs.zip', base64 },
        otp: { codeId: 'x', code: '123456' },
      }),
    );
    const reply = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port: address.port,
          method: 'POST',
          path: '/registrations/corporate',
          headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked', 'accept-language': 'en' },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
        },
      );
      req.on('error', reject);
      // in pieces, as a streaming client would send it
      for (let i = 0; i < body.length; i += 256 * 1024) req.write(body.subarray(i, i + 256 * 1024));
      req.end();
    });
    expect(reply.status).toBe(422);
    const field = reply.body.error.fields[0];
    expect(field).toMatchObject({ field: 'archive', rule: 'ARCHIVE_TOO_LARGE' });
    expect(field.message).not.toMatch(/\b0 MB/);
    // 8 MB of body were read before the limit: at least 6 MB of archive
    const [, read] = /≥ ([\d.]+) MB/.exec(field.message) ?? [];
    expect(Number(read)).toBeGreaterThanOrEqual(6);
  });
});
