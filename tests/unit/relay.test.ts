// The relay is the only way a renderer reaches the service: it must reach every
// desktop route of the tables, and nothing else — not the back office, the
// counter, the markets or the test hooks, nor the steps of a signing flow.
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch } from '../../src-main/core/dispatch';
import { createHandlers, type FlowDeps } from '../../src-main/core/handlers';
import { relayHandlers } from '../../src-main/core/relay';
import { SettlementClient } from '../../src-main/core/settlement-client';
import { IPC_METHODS } from '../../src-shared/ipc/contract';
import { RELAYED_METHODS } from '../../src-shared/ipc/relay-contract';
import { allRoutes, desktopRoutes } from '../../src-shared/routes';
import { requestOf, type RouteSpec } from '../../src-shared/routes/define';

const routes = Object.entries(allRoutes as Record<string, RouteSpec>);

function recordingClient() {
  const calls: { spec: RouteSpec; input: unknown }[] = [];
  return {
    calls,
    client: {
      route: async (spec: RouteSpec, input?: unknown) => {
        calls.push({ spec, input });
        return { relayed: true };
      },
    },
  };
}

/** Every handler, with a client that records what reached the service. */
function handlersWith(client: ReturnType<typeof recordingClient>['client']) {
  return createHandlers({ client, cache: {}, tokens: {}, files: {} } as unknown as FlowDeps);
}

describe('the relay', () => {
  it('offers exactly the desktop routes that are not steps of a flow, under their table keys', () => {
    const expected = routes
      .filter(([, spec]) => spec.audience === 'desktop' && !spec.flowOnly)
      .map(([key]) => key)
      .sort();
    expect([...RELAYED_METHODS].sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(30);
    for (const key of expected) expect(IPC_METHODS).toContain(key);
  });

  it('never reaches a back-office, counter, market or test route, nor a flow’s own step', async () => {
    const closed = routes.filter(([, spec]) => spec.audience !== 'desktop' || spec.flowOnly);
    expect(closed.map(([, s]) => s.audience)).toEqual(
      expect.arrayContaining(['backOffice', 'market', 'counter', 'test']),
    );
    const { client, calls } = recordingClient();
    const handlers = handlersWith(client);
    for (const [key, spec] of closed) {
      // A flow may share its route's key (auth.login); its input is then the flow's, not the route's.
      if (IPC_METHODS.includes(key as never)) {
        expect(spec.flowOnly, key).toBe(true);
        continue;
      }
      const result = await dispatch(handlers, key, {}, 'en');
      expect(result, key).toMatchObject({ ok: false, error: { code: 'IPC_UNKNOWN_METHOD' } });
    }
    expect(calls).toEqual([]);
  });

  it('relays a call to its own route with the validated input', async () => {
    const { client, calls } = recordingClient();
    const handlers = handlersWith(client);
    const result = await dispatch(
      handlers,
      'accounts.transactions',
      { contractId: 7, query: { period: 'today' } },
      'en',
    );
    expect(result).toEqual({ ok: true, value: { relayed: true } });
    expect(calls).toHaveLength(1);
    expect(calls[0].spec).toBe(desktopRoutes['accounts.transactions']);
    // Defaults filled in by the route's own schema before the call leaves the main process.
    expect(calls[0].input).toMatchObject({ contractId: 7, query: { period: 'today', page: 1, pageSize: 20 } });
  });

  it('refuses input the route’s schema refuses, before any request', async () => {
    const { client, calls } = recordingClient();
    const handlers = handlersWith(client);
    for (const [method, arg] of [
      ['accounts.transactions', { contractId: -1, query: {} }],
      ['accounts.get', { contractId: 1, extra: 'x' }],
      ['instructions.list', { pageSize: 10_000 }],
      ['demo.marketSignIn', { code: 'M1', act: 'drop-table' }],
    ] as const) {
      const result = await dispatch(handlers, method, arg, 'zh-CN');
      expect(result, method).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(calls).toEqual([]);
  });

  it('the relay handlers are one per relayed method', () => {
    const { client } = recordingClient();
    expect(Object.keys(relayHandlers(client as never)).sort()).toEqual([...RELAYED_METHODS].sort());
  });
});

describe('a route becomes one HTTP request', () => {
  let server: ReturnType<typeof createServer>;
  let base = '';
  const seen: { method: string; url: string; body: string }[] = [];
  beforeAll(async () => {
    server = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        seen.push({ method: req.method ?? '', url: req.url ?? '', body });
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify(
            req.url?.includes('transactions') ? { items: [], total: 0, page: 1, pageSize: 20 } : { answer: '1234' },
          ),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => server.close());

  it('fills the path, sends a GET’s input as its query and a POST’s as its body', async () => {
    const client = new SettlementClient(
      async () => base,
      () => 'en',
    );
    await client.route(desktopRoutes['accounts.transactions'], {
      contractId: 12,
      query: { period: 'history', from: '2026-01-01', to: '2026-01-31' },
    });
    await client.route(allRoutes['test.captcha'], { id: 'a/b c' });
    expect(seen[0].method).toBe('GET');
    expect(seen[0].url).toBe('/member-accounts/12/transactions?period=history&from=2026-01-01&to=2026-01-31');
    expect(seen[1].url).toBe('/__test/captcha/a%2Fb%20c');
    expect(requestOf(desktopRoutes['instructions.decision'], { id: 3, body: { decision: 'approve' } })).toEqual({
      url: '/instructions/3/decision',
      body: { decision: 'approve' },
    });
    expect(() => requestOf(desktopRoutes['accounts.get'], {})).toThrow(/contractId/);
  });
});

describe('no service URL is written by hand in the desktop', () => {
  // A table path as a pattern: `/member-accounts/:contractId` matches `/member-accounts/${id}` too.
  const patterns = routes
    .filter(([, spec]) => spec.audience !== 'test') // the shell's own test hooks share those paths
    .map(([key, spec]) => ({
      key,
      re: new RegExp(`^${spec.path.replace(/:\w+/g, '(\\$\\{[^}]+\\}|[^/]+)')}$`),
    }));

  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) return sources(path);
      return /\.(ts|vue)$/.test(name) ? [path] : [];
    });
  }

  it('src-main and src-renderer name routes only through the tables', () => {
    const found: string[] = [];
    for (const file of [...sources('src-main'), ...sources('src-renderer')]) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/['"`](\/[^'"`\s?]*)/g)) {
        const hit = patterns.find((p) => p.re.test(m[1]));
        if (hit) found.push(`${file}: ${m[1]} (${hit.key})`);
      }
    }
    expect(found).toEqual([]);
  });
});
