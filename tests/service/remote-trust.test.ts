// The desktop's client of a remote service trusts the bank CA alone (issue 15): a
// service whose certificate the bank CA issued for its address is reached; one
// another CA issued is refused with words that say what it may be (the pinned CA
// replaces the system's roots: Node's `ca`); and without the bank CA configured an
// https service is not called at all.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SettlementClient } from '../../src-main/core/settlement-client';
import { errorMessage, type AppError } from '../../src-shared/errors';
import { lookupRoutes } from '../../src-shared/routes/lookup';
import { marketTls } from '../support/market-tls';

describe('a remote service is trusted only with a certificate of the bank CA', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sk-remote-trust-'));
  const bankDir = join(dir, 'bank');
  const otherDir = join(dir, 'other');
  let bank: ReturnType<typeof marketTls>;
  let other: ReturnType<typeof marketTls>;
  const servers: Server[] = [];

  /** A stand-in service answering the bank list with an empty one, under the given certificate. */
  async function serve(tls: { key: string; cert: string }): Promise<string> {
    const server = createServer({ key: tls.key, cert: tls.cert }, (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end('[]');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  beforeAll(() => {
    for (const d of [bankDir, otherDir]) mkdirSync(d);
    bank = marketTls(bankDir);
    other = marketTls(otherDir);
  });
  afterAll(() => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const client = (url: string, ca: string | null) =>
    new SettlementClient(
      async () => url,
      () => 'zh-CN',
      () => ca,
    );
  const refusal = async (promise: Promise<unknown>) => {
    const error = (await promise.then(
      () => null,
      (e: unknown) => e,
    )) as AppError | null;
    expect(error).not.toBeNull();
    return error!;
  };

  it('reaches the service whose certificate the bank CA issued', async () => {
    const url = await serve(bank);
    expect(await client(url, bank.ca).route(lookupRoutes['lookup.banks'])).toEqual([]);
  });

  it('refuses one another CA issued, and says it may be a fake service', async () => {
    const url = await serve(other);
    const error = await refusal(client(url, bank.ca).route(lookupRoutes['lookup.banks']));
    expect(error.code).toBe('SERVICE_CERTIFICATE_REFUSED');
    expect(errorMessage(error.code, 'zh-CN', error.params)).toContain('假冒');
    // the same service is trusted by a client pinning its own CA: it is the pin that refused it
    expect(await client(url, other.ca).route(lookupRoutes['lookup.banks'])).toEqual([]);
  });

  it('does not call an https service at all without the bank CA', async () => {
    const url = await serve(bank);
    const error = await refusal(client(url, null).route(lookupRoutes['lookup.banks']));
    expect(error.code).toBe('BANK_CA_NOT_CONFIGURED');
    expect(errorMessage(error.code, 'en', error.params)).toContain(url);
  });
});
