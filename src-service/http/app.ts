// Builds the Fastify application: zod for every request and reply, OpenAPI
// from the same schemas, one error shape, and the routes of each domain.
import { randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { HealthReply, LivenessReply, ReadinessReply } from '../../src-shared/api/common';
import { instrument } from './metrics';
import { asRequest } from '../store/request-tag';
import { accountRoutes } from '../accounts/routes';
import { authRoutes } from '../auth/routes';
import { demoCertificateRoutes } from '../certificates/demo-routes';
import { demoToolRoutes } from '../demo/routes';
import { certificateRoutes } from '../certificates/routes';
import { enterpriseRoutes } from '../enterprises/routes';
import { instructionRoutes } from '../instructions/routes';
import { marketApiDocument } from '../markets/api-document';
import { bankRoutes, marketApiRoutes, marketRoutes } from '../markets/routes';
import { memberRoutes } from '../members/routes';
import { lookupRoutes } from '../banks/routes';
import { registrationRoutes } from '../registrations/routes';
import { receiptRoutes } from '../receipts/routes';
import { autoSignIn } from '../markets/markets';
import type { ServiceContext } from '../context';
import { testRoutes } from '../testing/routes';
import { sendError, validatorCompiler } from './errors';
import { installGuard } from './guard';

function zodOnly(): never {
  throw new Error('every route is compiled by zod (setValidatorCompiler, setSerializerCompiler)');
}

/** What a request id may be: what a proxy makes (a UUID, haproxy's unique-id), never a way into a log line. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The instance's own TLS (behind the load balancer, which checks it against the bank's internal CA). */
export interface ServedTls {
  key: string;
  cert: string;
}

export async function buildApp(
  ctx: ServiceContext,
  logger: FastifyServerOptions['logger'] = false,
  tls?: ServedTls,
): Promise<FastifyInstance> {
  const app = Fastify({
    logger,
    // Fastify's types tell an http server from an https one by the options' type; the routes are the same.
    ...((tls ? { https: { key: tls.key, cert: tls.cert, minVersion: 'TLSv1.2' } } : {}) as object),
    bodyLimit: 1024 * 1024,
    trustProxy: ctx.options.trustedProxies?.length ? ctx.options.trustedProxies : false,
    // A request's id comes from the load balancer (X-Request-Id) when it sent a sane one, so one
    // id follows a request through the proxy's log, the instance's and the reply; else a new one.
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // zod checks every request and reply (the compilers set below): Fastify's own (Ajv,
    // fast-json-stringify) would only be loaded at start, a tenth of it, and never used.
    schemaController: { compilersFactory: { buildValidator: zodOnly, buildSerializer: zodOnly } },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.setErrorHandler((error, request, reply) => sendError(error, request, reply));
  app.setNotFoundHandler({}, (request, reply) =>
    sendError(Object.assign(new Error('not found'), { statusCode: 404 }), request, reply),
  );
  installGuard(app, ctx.sessions);
  instrument(app, ctx);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  // Everything the request does runs as its work: its database statements carry its id.
  app.addHook('onRequest', (request, _reply, done) => asRequest(request.id, done));
  // Simulated markets that sign in by themselves do it at the first request of a business day.
  app.addHook('onRequest', async () => autoSignIn(ctx));

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'SettleKey settlement service',
        description: 'Funds custody for trading markets (银商结算通 / 资金存管): the API the SettleKey client speaks.',
        version: ctx.options.version,
      },
      components: {
        securitySchemes: { session: { type: 'http', scheme: 'bearer', description: 'session token from /auth/login' } },
      },
      security: [{ session: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.get('/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, () => app.swagger());
  app.get('/market-api/v1/openapi.json', { config: { auth: 'none' }, schema: { hide: true } }, () =>
    marketApiDocument(app.swagger(), ctx.options.version),
  );

  // Liveness: the process answers (a load balancer or supervisor restarts one that does not).
  app.get(
    '/health/live',
    { config: { auth: 'none' }, schema: { tags: ['service'], summary: 'Liveness', response: { 200: LivenessReply } } },
    () => ({ status: 'alive' as const }),
  );
  // Readiness: started, not draining, and its database answering; a load balancer sends
  // requests only while this says 200, and stops before a stopping instance closes.
  app.get(
    '/health/ready',
    {
      config: { auth: 'none' },
      schema: {
        tags: ['service'],
        summary: 'Readiness for a load balancer',
        response: { 200: ReadinessReply, 503: ReadinessReply },
      },
    },
    async (_request, reply) => {
      const phase = ctx.lifecycle.phase;
      if (phase !== 'ready') return reply.code(503).send({ status: phase });
      try {
        // On PostgreSQL through the connection apart from the pool: under load the pool's queue
        // would make the check late, and the balancer would take a busy instance for a dead one.
        await (ctx.store.autonomous ?? ctx.db).selectFrom('settings').select('key').limit(1).execute();
      } catch {
        return reply.code(503).send({ status: 'database' as const });
      }
      return { status: 'ready' as const };
    },
  );

  app.get(
    '/health',
    {
      config: { auth: 'none' },
      schema: { tags: ['service'], summary: 'Liveness and database', response: { 200: HealthReply } },
    },
    async () => {
      await ctx.db.selectFrom('settings').select('key').limit(1).execute();
      return {
        status: 'ok' as const,
        database: ctx.store.dialect,
        version: ctx.options.version,
        demo: ctx.options.demo,
        testMode: ctx.options.testMode,
        now: ctx.clock.nowIso(),
      };
    },
  );

  await app.register(authRoutes(ctx));
  await app.register(certificateRoutes(ctx));
  await app.register(marketRoutes(ctx));
  await app.register(enterpriseRoutes(ctx));
  await app.register(accountRoutes(ctx));
  await app.register(instructionRoutes(ctx));
  await app.register(memberRoutes(ctx));
  await app.register(lookupRoutes(ctx));
  await app.register(registrationRoutes(ctx));
  await app.register(receiptRoutes(ctx));
  await app.register(bankRoutes(ctx));
  await app.register(marketApiRoutes(ctx));
  if (ctx.options.demo) {
    await app.register(demoCertificateRoutes(ctx));
    await app.register(demoToolRoutes(ctx));
  }
  // The test hooks (captcha answers, the clock) need both a demo start and a test run: an
  // environment variable alone must never open them on a bank's service.
  if (ctx.options.demo && ctx.options.testMode) await app.register(testRoutes(ctx));
  return app;
}
