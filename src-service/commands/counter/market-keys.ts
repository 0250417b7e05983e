// The counter's market chores: bank staff register the public key a market's
// system signs its API requests with, list a market's keys, revoke one (refused
// from the market's next request on), and set where the market receives its
// notices — which the market itself can never change.
import { readFileSync } from 'node:fs';
import type { ServiceContext } from '../../context';
import { marketKeys, registerMarketKey, revokeMarketKey } from '../../markets/keys';
import { setMarketUrl } from '../../markets/notices';

/** Who did it, in the audit log: the counter, as the operating system user running it. */
const staff = () => `counter:${process.env.USER ?? 'unknown'}`;

export async function counterMarketKeyAdd(ctx: ServiceContext, marketCode: string, publicKeyFile: string) {
  const key = await registerMarketKey(ctx, {
    marketCode,
    publicKeyPem: readFileSync(publicKeyFile, 'utf8'),
    by: staff(),
  });
  return [
    `registered for ${key.marketCode}: ${key.algorithm}`,
    `key id (the market puts it in each signature's keyid): ${key.keyId}`,
  ].join('\n');
}

export async function counterMarketKeyList(ctx: ServiceContext, marketCode: string) {
  const keys = await marketKeys(ctx.db, marketCode);
  if (keys.length === 0) return `${marketCode} has no registered keys`;
  return keys
    .map(
      (k) =>
        `${k.key_id}  ${k.algorithm}  ${k.status}  since ${k.created_at}${k.revoked_at ? `  revoked ${k.revoked_at}` : ''}`,
    )
    .join('\n');
}

export async function counterMarketKeyRevoke(ctx: ServiceContext, keyId: string) {
  await revokeMarketKey(ctx, { keyId, by: staff() });
  return `revoked ${keyId}: requests signed with it are refused from now on`;
}

export async function counterMarketUrl(
  ctx: ServiceContext,
  marketCode: string,
  which: 'notice' | 'acceptance',
  url: string | null,
) {
  await setMarketUrl(ctx, marketCode, which, url, staff());
  if (which === 'notice')
    return url ? `${marketCode} receives its notices at ${url}` : `${marketCode}'s notices are held until a URL is set`;
  return url
    ? `${marketCode} is asked at ${url} before a transfer from another bank is credited`
    : `${marketCode} is not asked before a transfer from another bank is credited`;
}
