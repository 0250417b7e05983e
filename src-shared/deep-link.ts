// A market's registration link as a deep link into the desktop client:
// settlekey://register?market=B2B02 opens the registration page with that
// market shown. Anything else the OS hands us under our scheme is ignored, so
// a crafted link can open nothing but the public registration page.
export const DEEP_LINK_SCHEME = 'settlekey';

const MARKET_CODE = /^[A-Z0-9]{2,12}$/;

export interface DeepLink {
  page: 'register';
  market?: string;
}

export function parseDeepLink(raw: string): DeepLink | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== `${DEEP_LINK_SCHEME}:`) return null;
  // settlekey://register?… puts "register" in the host; settlekey:register?… in the path.
  const page = (url.host || url.pathname).replace(/^\/+|\/+$/g, '');
  if (page !== 'register') return null;
  const market = url.searchParams.get('market')?.trim().toUpperCase();
  return market && MARKET_CODE.test(market) ? { page, market } : { page };
}

/** The renderer's hash route for a link. */
export function deepLinkRoute(link: DeepLink): string {
  return link.market ? `/register?market=${encodeURIComponent(link.market)}` : '/register';
}

/** The first deep link among a process's arguments (how Windows and Linux hand one over). */
export function deepLinkInArgs(argv: readonly string[]): DeepLink | null {
  for (const arg of argv) {
    if (!arg.startsWith(`${DEEP_LINK_SCHEME}:`)) continue;
    const link = parseDeepLink(arg);
    if (link) return link;
  }
  return null;
}
