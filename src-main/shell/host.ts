// The browser shell: serves the built renderer on 127.0.0.1 and carries the IPC
// contract over HTTP to the same main-process core that Electron uses. Only the
// page opened from the printed launch URL can call it: the launch sets a
// per-launch secret in an HttpOnly, SameSite=Strict cookie; every call must carry
// it, come from our own Origin, name our Host (no DNS rebinding) and carry a
// custom header (so a foreign page's request is stopped at the CORS preflight).
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AppError } from '../../src-shared/errors';
import { testRoutes } from '../../src-shared/routes/testing';
import { CONTENT_SECURITY_POLICY } from '../core/csp';
import type { MainCore } from '../core/main-core';
import { BRIDGE_HEADER, bridgeScript } from './bridge-script';
import type { Downloads } from './downloads';

export interface ShellOptions {
  core: MainCore;
  /** Files the core saved, handed out here; omit to serve none. */
  downloads?: Downloads;
  rendererDir: string;
  port?: number;
  /** NODE_ENV=test: the hooks end-to-end tests use (captcha answer, service clock). */
  testMode: boolean;
  /** Told the method of each IPC call once it has been answered (the shell starts its demo check on one). */
  afterCall?: (method: string) => void;
}

export interface RunningShell {
  app: FastifyInstance;
  origin: string;
  launchUrl: string;
  secret: string;
  close(): Promise<void>;
}

function sameSecret(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string' || a.length !== b.length) return false;
  return timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return undefined;
}

function noSchemas(): never {
  throw new Error('the browser shell declares no route schemas');
}

const SECURITY_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'cache-control': 'no-store',
};

export async function startShell(options: ShellOptions): Promise<RunningShell> {
  const { core } = options;
  const secret = randomBytes(32).toString('hex');
  // a registration carries the documents archive: the service, not the shell, words its size refusal
  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024 * 1024,
    // The shell's routes declare no schemas: Fastify's default compilers (Ajv, fast-json-stringify), a
    // quarter of the shell's start, are never loaded.
    schemaController: { compilersFactory: { buildValidator: noSchemas, buildSerializer: noSchemas } },
  });
  let port = 0;
  const cookieName = () => `settlekey_${port}`;
  const origin = () => `http://127.0.0.1:${port}`;

  const refuse = (reply: FastifyReply, why: string) =>
    reply
      .status(403)
      .headers(SECURITY_HEADERS)
      .type('text/plain; charset=utf-8')
      .send(`SettleKey browser shell: ${why}. Open SettleKey from the launch URL printed in its terminal.\n`);

  app.addHook('onRequest', async (request, reply) => {
    if (request.headers.host !== `127.0.0.1:${port}`) return refuse(reply, 'unexpected Host');
    const path = request.url.split('?')[0];
    if (path === '/launch') return;
    if (!sameSecret(readCookie(request.headers.cookie, cookieName()), secret)) {
      return refuse(reply, 'missing or wrong launch secret');
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      if (request.headers.origin !== origin()) return refuse(reply, 'foreign Origin');
      if (request.headers[BRIDGE_HEADER] !== '1') return refuse(reply, 'missing bridge header');
    }
  });

  app.get('/launch', async (request: FastifyRequest<{ Querystring: { k?: string } }>, reply) => {
    if (!sameSecret(request.query.k, secret)) return refuse(reply, 'wrong launch secret');
    return reply
      .headers(SECURITY_HEADERS)
      .header('set-cookie', `${cookieName()}=${secret}; HttpOnly; SameSite=Strict; Path=/`)
      .redirect('/');
  });

  const indexHtml = readFileSync(join(options.rendererDir, 'index.html'), 'utf8').replace(
    /<script/,
    '<script src="/settlekey-bridge.js"></script>\n    <script',
  );
  const bridge = bridgeScript();

  const sendIndex = (_request: FastifyRequest, reply: FastifyReply) =>
    reply.headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(indexHtml);
  app.get('/', sendIndex);
  app.get('/settlekey-bridge.js', (_request, reply) =>
    reply.headers(SECURITY_HEADERS).type('text/javascript; charset=utf-8').send(bridge),
  );
  await app.register(fastifyStatic, {
    root: options.rendererDir,
    index: false,
    wildcard: true,
    setHeaders: (res) => {
      for (const [k, v] of Object.entries(SECURITY_HEADERS)) if (k !== 'cache-control') res.setHeader(k, v);
    },
  });
  app.get('/downloads/:token', (request: FastifyRequest<{ Params: { token: string } }>, reply) => {
    const file = options.downloads?.take(request.params.token);
    if (!file) return reply.status(404).type('text/plain; charset=utf-8').send('This download has expired.\n');
    return reply
      .headers(SECURITY_HEADERS)
      .header('content-type', file.mime)
      .header(
        'content-disposition',
        `attachment; filename="${encodeURIComponent(file.filename)}"; filename*=UTF-8''${encodeURIComponent(file.filename)}`,
      )
      .send(file.data);
  });

  // Client-side routes reload to the app itself.
  app.setNotFoundHandler((request, reply) =>
    request.method === 'GET' && !request.url.startsWith('/assets/')
      ? sendIndex(request, reply)
      : reply.status(404).send(),
  );

  app.post('/ipc/:method', async (request: FastifyRequest<{ Params: { method: string }; Body: { arg?: unknown } }>) => {
    const body = request.body as { arg?: unknown } | undefined;
    try {
      return await core.dispatch(request.params.method, body?.arg);
    } finally {
      options.afterCall?.(request.params.method);
    }
  });

  app.post('/ipc-events', (request, reply) => {
    reply.hijack();
    reply.raw.writeHead(200, { 'content-type': 'application/x-ndjson', 'cache-control': 'no-store' });
    const forward = (event: string, payload: unknown) => reply.raw.write(`${JSON.stringify({ event, payload })}\n`);
    const ping = setInterval(() => reply.raw.write('\n'), 25_000);
    core.events.on('event', forward);
    request.raw.on('close', () => {
      clearInterval(ping);
      core.events.off('event', forward);
    });
  });

  if (options.testMode) registerTestHooks(app, core);

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    origin: origin(),
    launchUrl: `${origin()}/launch?k=${secret}`,
    secret,
    close: () => app.close(),
  };
}

/** Test mode only: read the shown captcha's answer and move the service's clock. */
function registerTestHooks(app: FastifyInstance, core: MainCore): void {
  app.post('/__test/captcha', async () => {
    if (!core.lastCaptchaId) throw new AppError('NOT_FOUND');
    return core.client.route(testRoutes['test.captcha'], { id: core.lastCaptchaId });
  });
  app.post('/__test/clock', async (request) => core.client.route(testRoutes['test.clock'], request.body as never));
}
