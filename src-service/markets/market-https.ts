// What the bank sends a market's own system — its notices, its questions
// before money moves: an HTTPS POST of JSON whose bytes the bank's document key
// signs, the market's server certificate checked against the system's CAs and
// any the bank configured, no redirect followed (undici's request follows none).
import { rootCertificates } from 'node:tls';
import { Agent, request, type Dispatcher } from 'undici';
import type { ServiceContext } from '../context';

/** Connections to markets' servers; Node's `ca` replaces the system's trust, so the bank's CAs are added to it. */
export function marketAgent(ca: string | undefined): Agent {
  return new Agent({ connect: { ...(ca ? { ca: [...rootCertificates, ca] } : {}), rejectUnauthorized: true } });
}

export async function postSigned(
  ctx: ServiceContext,
  url: string,
  bytes: Buffer,
  options: { dispatcher: Agent; timeoutMs: number; headers?: Record<string, string> },
): Promise<Dispatcher.ResponseData> {
  const signed = await ctx.bankKeys.signDocument(bytes);
  return request(url, {
    method: 'POST',
    dispatcher: options.dispatcher,
    headers: {
      'content-type': 'application/json',
      ...options.headers,
      'x-settlekey-signature': signed.signature.toString('base64'),
      'x-settlekey-certificate': signed.certificate.toString('base64'),
    },
    body: bytes,
    signal: AbortSignal.timeout(options.timeoutMs),
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
}
