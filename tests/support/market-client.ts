// A market's own system in the tests: a key pair registered with the bank (as
// bank staff do with the counter tool), and requests signed with it exactly as
// src-shared/market-signature.ts tells a market's developers to.
import { generateKeyPairSync } from 'node:crypto';
import { registerMarketKey } from '../../src-service/markets/keys';
import { signMarketRequest, type MarketKey } from '../../src-market-sim/signing';
import type { MarketKeyAlgorithm } from '../../src-shared/market-signature';
import type { Harness } from './service-harness';

export async function marketKey(
  h: Harness,
  marketCode: string,
  algorithm: MarketKeyAlgorithm = 'ed25519',
): Promise<MarketKey> {
  const pair =
    algorithm === 'ed25519' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const registered = await registerMarketKey(h.ctx, {
    marketCode,
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    by: 'staff:test',
  });
  return { keyId: registered.keyId, algorithm, privateKey: pair.privateKey };
}

export interface SignedCall {
  method?: 'GET' | 'POST';
  path: string;
  body?: unknown;
  lang?: 'zh-CN' | 'en';
  /** Signature parameters a test sets to try a replay or a stale request. */
  created?: Date;
  nonce?: string;
  /** Changes the request after it was signed. */
  tamper?: (request: { path: string; body: string; headers: Record<string, string> }) => void;
}

export async function marketCall(h: Harness, key: MarketKey, call: SignedCall) {
  const method = call.method ?? 'POST';
  const body = method === 'GET' ? '' : JSON.stringify(call.body ?? {});
  const headers = await signMarketRequest(key, {
    method,
    path: call.path,
    body,
    created: call.created,
    nonce: call.nonce,
  });
  const request = { path: call.path, body, headers: { ...headers } };
  call.tamper?.(request);
  return h.request({
    method,
    url: request.path,
    ...(method === 'GET' ? {} : { body: request.body }),
    lang: call.lang,
    headers: { ...request.headers, ...(method === 'GET' ? {} : { 'content-type': 'application/json' }) },
  });
}
