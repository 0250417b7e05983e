// One market API operation, signed with the market's key and sent to the bank:
// the route table of src-shared names its method and path, the market's code
// fills the path, and the signature covers exactly the bytes sent.
import type { MarketOperation, SimSendReply } from '../src-shared/api/market-sim';
import { marketApiRoutes } from '../src-shared/routes/market-api';
import { requestOf } from '../src-shared/routes/define';
import { signMarketRequest, type MarketKey } from './signing';

export async function sendOperation(
  serviceUrl: string,
  market: { code: string; key: MarketKey },
  operation: MarketOperation,
  input: Record<string, unknown> = {},
): Promise<SimSendReply> {
  const spec = marketApiRoutes[operation];
  const request = requestOf(spec, { ...input, code: market.code });
  let path = request.url;
  if (request.query) {
    const query = new URLSearchParams(
      Object.entries(request.query).flatMap(([k, v]): [string, string][] => (v === undefined ? [] : [[k, String(v)]])),
    ).toString();
    if (query) path += `?${query}`;
  }
  const body = spec.method === 'GET' ? '' : JSON.stringify(request.body ?? {});
  const headers = await signMarketRequest(market.key, { method: spec.method, path, body });
  const res = await fetch(new URL(path, serviceUrl), {
    method: spec.method,
    headers: { ...headers, ...(spec.method === 'GET' ? {} : { 'content-type': 'application/json' }) },
    ...(spec.method === 'GET' ? {} : { body }),
    redirect: 'error',
    signal: AbortSignal.timeout(60_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON: handed on as the text it is
  }
  return { status: res.status, body: parsed };
}
