// The simulator as a market's system: an HTTPS server on loopback that takes
// the bank's notices (idempotent by notice id, the bank's signature checked)
// and answers its acceptance questions (the "refuse the next ones" knob lives
// here, as a market's own policy would), and control paths for its owner — the
// CLI and the app's demo tools — which it turns into signed market API requests.
import { createVerify, randomBytes, timingSafeEqual, X509Certificate } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { z } from 'zod';
import {
  simMarketPaths,
  SimRefuseNext,
  SimSend,
  SimService,
  type SimBankLink,
  type SimNotice,
} from '../src-shared/api/market-sim';
import { SIM_BANK_LINK_FILE, SIM_CONTROL_FILE } from '../src-shared/user-data';
import { marketKeyOf, serverTls, writeControl, type SimMarket } from './folder';
import { sendOperation } from './market-api';

export interface SimulatorOptions {
  dir: string;
  /** The markets it plays: each gets its key in the folder. */
  markets: string[];
  /** The bank's service (the market API's origin); may be told later on the control path. */
  service?: string;
  host?: string;
  port?: number;
  /** The bank CA's certificate (PEM): a notice signed under any other CA is not taken as verified. */
  bankCa?: string;
}

export interface RunningSimulator {
  url: string;
  caFile: string;
  markets: SimMarket[];
  close(): Promise<void>;
}

const MAX_BODY = 1024 * 1024;
const KEPT_NOTICES = 1000;

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) {
        reject(new HttpError(413, 'body too large'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function parse<T extends z.ZodType>(schema: T, bytes: Buffer): z.output<T> {
  let value: unknown;
  try {
    value = bytes.length ? JSON.parse(bytes.toString('utf8')) : {};
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success)
    throw new HttpError(400, parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
  return parsed.data;
}

/** Whether the bank's document key signed these bytes, under the bank CA when one is configured. */
function bankSigned(req: IncomingMessage, bytes: Buffer, bankCa: X509Certificate | null): boolean {
  try {
    const certificate = new X509Certificate(Buffer.from(String(req.headers['x-settlekey-certificate']), 'base64'));
    if (bankCa && !certificate.verify(bankCa.publicKey)) return false;
    const verifier = createVerify('sha256');
    verifier.update(bytes);
    return verifier.verify(certificate.publicKey, Buffer.from(String(req.headers['x-settlekey-signature']), 'base64'));
  } catch {
    return false;
  }
}

export async function startSimulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const tls = serverTls(options.dir);
  const markets = new Map(options.markets.map((code) => [code, marketKeyOf(options.dir, code)]));
  const token = randomBytes(24).toString('base64url');
  const bankCa = options.bankCa ? new X509Certificate(options.bankCa) : null;
  let service = options.service;
  const refuseNext = new Map<string, number>();
  const notices = new Map<string, SimNotice[]>();

  const marketOf = (code: string) => {
    const market = markets.get(code);
    if (!market) throw new HttpError(404, `this simulator does not play the market ${code}`);
    return market;
  };
  const authorised = (req: IncomingMessage) => {
    const given = Buffer.from(String(req.headers.authorization ?? ''));
    const wanted = Buffer.from(`Bearer ${token}`);
    return given.length === wanted.length && timingSafeEqual(given, wanted);
  };

  async function handle(req: IncomingMessage): Promise<unknown> {
    const path = new URL(req.url ?? '/', 'https://sim').pathname;
    const bytes = await readBody(req);
    let m = /^\/markets\/([^/]+)\/(notices|acceptance)$/.exec(path);
    if (m && req.method === 'POST') {
      const market = marketOf(decodeURIComponent(m[1]));
      const body = parse(z.record(z.string(), z.unknown()), bytes);
      if (m[2] === 'acceptance') {
        // Money is accepted only on the bank's signed word; anything else is refused outright.
        if (!bankSigned(req, bytes, bankCa)) throw new HttpError(401, 'the question is not signed by the bank');
        const left = refuseNext.get(market.code) ?? 0;
        if (left > 0) refuseNext.set(market.code, left - 1);
        return { accept: left === 0 };
      }
      const list = notices.get(market.code) ?? [];
      const id = body.id as number | string;
      // The bank delivers until it hears OK; a notice heard twice is kept once.
      if (!list.some((n) => n.id === id)) {
        list.push({
          id,
          kind: String(body.kind),
          receivedAt: new Date().toISOString(),
          signatureVerified: bankSigned(req, bytes, bankCa),
          body,
        });
        if (list.length > KEPT_NOTICES) list.shift();
        notices.set(market.code, list);
      }
      return { received: true };
    }
    if (!path.startsWith('/control/')) throw new HttpError(404, 'no such path');
    if (!authorised(req)) throw new HttpError(401, 'the control paths need the token of the control file');
    if (path === '/control/service' && req.method === 'POST') {
      service = parse(SimService, bytes).url;
      return { service };
    }
    m = /^\/control\/markets\/([^/]+)\/(send|refuse-next|notices)$/.exec(path);
    if (!m) throw new HttpError(404, 'no such control path');
    const market = marketOf(decodeURIComponent(m[1]));
    if (m[2] === 'notices') return notices.get(market.code) ?? [];
    if (m[2] === 'refuse-next') {
      const { count } = parse(SimRefuseNext, bytes);
      refuseNext.set(market.code, count);
      return { market: market.code, refuseNext: count };
    }
    if (!service) throw new HttpError(409, 'the simulator has not been told the bank service’s URL yet');
    const { operation, input } = parse(SimSend, bytes);
    return sendOperation(service, market, operation, input);
  }

  const server: Server = createServer({ key: tls.key, cert: tls.cert }, (req: IncomingMessage, res: ServerResponse) => {
    handle(req).then(
      (body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      },
      (error: unknown) => {
        const status = error instanceof HttpError ? error.status : 502;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: error instanceof Error ? error.message : String(error) }));
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as { port: number };
  const url = `https://${options.host ?? '127.0.0.1'}:${address.port}`;
  writeControl(options.dir, { url, token, pid: process.pid, ca: tls.caFile });
  const link: SimBankLink = {
    ca: tls.cert,
    markets: [...markets.values()].map((m) => ({
      code: m.code,
      publicKeyPem: m.publicKeyPem,
      noticeUrl: `${url}${simMarketPaths(m.code).notice}`,
      acceptanceUrl: `${url}${simMarketPaths(m.code).acceptance}`,
    })),
  };
  writeFileSync(join(options.dir, SIM_BANK_LINK_FILE), JSON.stringify(link, null, 2));
  return {
    url,
    caFile: tls.caFile,
    markets: [...markets.values()],
    close: () =>
      new Promise<void>((resolve) => {
        rmSync(join(options.dir, SIM_CONTROL_FILE), { force: true });
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
