// An instance's figures in Prometheus's format (prom-client): requests by route
// and status with their latency, the journal's growth, the outbox's backlog and
// the database pool. Served on an internal port of its own (SETTLEKEY_METRICS_PORT),
// never by the public listener the load balancer forwards to.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { ServiceContext } from '../context';

const REQUESTS = 'settlekey_http_request_duration_seconds';

/** The registry of a context: one per service, whatever number of apps are built on it. */
const registries = new WeakMap<ServiceContext, Registry>();

export function metricsOf(ctx: ServiceContext): Registry {
  let registry = registries.get(ctx);
  if (registry) return registry;
  registry = new Registry();
  registries.set(ctx, registry);
  new Histogram({
    name: REQUESTS,
    help: 'Requests by method, route and status, and how long each took',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new Gauge({
    name: 'settlekey_journal_entries',
    help: 'The journal’s highest entry id: its rate is postings a second',
    registers: [registry],
    async collect() {
      const row = await ctx.db
        .selectFrom('journal_entries')
        .select((eb) => eb.fn.max('id').as('last'))
        .executeTakeFirst();
      this.set(Number(row?.last ?? 0));
    },
  });
  new Gauge({
    name: 'settlekey_outbox_backlog',
    help: 'Notices to markets not yet delivered',
    registers: [registry],
    async collect() {
      const row = await ctx.db
        .selectFrom('market_notices')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('delivered_at', 'is', null)
        .executeTakeFirst();
      this.set(Number(row?.n ?? 0));
    },
  });
  new Gauge({
    name: 'settlekey_db_pool_connections',
    help: 'The database pool’s connections: total, idle, and requests waiting for one (PostgreSQL)',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      const usage = ctx.store.poolUsage();
      if (!usage) return;
      this.set({ state: 'total' }, usage.total);
      this.set({ state: 'idle' }, usage.idle);
      this.set({ state: 'waiting' }, usage.waiting);
    },
  });
  return registry;
}

/** Times every request of an app into its context's registry. */
export function instrument(app: FastifyInstance, ctx: ServiceContext): void {
  const requests = metricsOf(ctx).getSingleMetric(REQUESTS) as Histogram<'method' | 'route' | 'status'>;
  app.addHook('onResponse', async (request, reply) => {
    requests.observe(
      // the route's pattern, never the path: an id in a path would make a series per id
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
}

/** The internal /metrics listener, with the process's own figures (memory, event loop, CPU) too. */
export async function serveMetrics(
  ctx: ServiceContext,
  host: string,
  port: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const registry = metricsOf(ctx);
  if (!registry.getSingleMetric('settlekey_process_cpu_seconds_total'))
    collectDefaultMetrics({ register: registry, prefix: 'settlekey_' });
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      (error: unknown) => response.writeHead(500).end(String(error)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${bound}/metrics`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
