// The embedded demo connects its markets to the market simulator the way bank
// staff connect a real market with the counter tool: the market's public key
// registered, its notice and acceptance URLs set, and its server's certificate
// trusted — read from what the simulator hands over (its bank-link.json). A
// key the simulator no longer holds (its folder made anew) is revoked.
import { createHash, createPublicKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SimBankLink } from '../../src-shared/api/market-sim';
import { SIM_BANK_LINK_FILE } from '../../src-shared/user-data';
import { marketKeyId } from '../../src-shared/market-signature';
import type { ServiceContext } from '../context';
import { marketKeys, registerMarketKey, revokeMarketKey } from '../markets/keys';
import { setMarketUrl } from '../markets/notices';

/**
 * What the simulator handed over in its folder, waited for while it starts
 * (the app starts it once this service listens); none if it never comes — the
 * demo then runs with its markets unconnected, which is said.
 */
export async function awaitSimLink(dir: string, timeoutMs = 20_000): Promise<SimBankLink | undefined> {
  const file = join(dir, SIM_BANK_LINK_FILE);
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (existsSync(file)) {
      try {
        return SimBankLink.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        // being written: read again in a moment
      }
    }
    if (Date.now() > until) {
      process.stderr.write(`no market simulator link in ${dir}: the demo markets are not connected\n`);
      return undefined;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Connects the demo's markets when the simulator's link appears, and trusts its
 * certificate from then on (`trust` gives the market CAs with it added). A demo
 * whose simulator never comes runs without: said, never a failed start.
 */
export async function connectDemoMarkets(
  ctx: ServiceContext,
  dir: string,
  trust: (ca: string) => string | undefined,
): Promise<void> {
  const link = await awaitSimLink(dir);
  if (!link) return;
  try {
    await linkDemoMarkets(ctx, link);
    // Read at each question and by the notice dispatcher, which starts after this.
    ctx.options.marketCa = trust(link.ca);
  } catch (error) {
    process.stderr.write(`the demo markets were not connected to their simulator: ${String(error)}\n`);
  }
}

export async function linkDemoMarkets(ctx: ServiceContext, link: SimBankLink): Promise<void> {
  const by = 'demo:market-sim';
  for (const market of link.markets) {
    const spki = createPublicKey(market.publicKeyPem).export({ type: 'spki', format: 'der' });
    const keyId = marketKeyId(market.code, createHash('sha256').update(spki).digest('hex'));
    const known = await marketKeys(ctx.db, market.code);
    for (const stale of known.filter((k) => k.status === 'active' && k.key_id !== keyId))
      await revokeMarketKey(ctx, { keyId: stale.key_id, by });
    if (!known.some((k) => k.key_id === keyId))
      await registerMarketKey(ctx, { marketCode: market.code, publicKeyPem: market.publicKeyPem, by });
    const row = await ctx.db
      .selectFrom('markets')
      .select(['notice_url', 'acceptance_url'])
      .where('code', '=', market.code)
      .executeTakeFirstOrThrow();
    if (row.notice_url !== market.noticeUrl) await setMarketUrl(ctx, market.code, 'notice', market.noticeUrl, by);
    if (row.acceptance_url !== market.acceptanceUrl)
      await setMarketUrl(ctx, market.code, 'acceptance', market.acceptanceUrl, by);
  }
}
