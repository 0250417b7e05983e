// The market simulator's own small HTTPS server: what the bank asks it (notices,
// acceptance questions — the paths bank staff set as the market's URLs) and what
// its owner tells it on the loopback control paths (the CLI, the app's demo
// tools). The simulator speaks to the bank only through the market API.
import { z } from 'zod';
import { marketApiRoutes } from '../routes/market-api';

export type MarketOperation = keyof typeof marketApiRoutes;
const OPERATIONS = Object.keys(marketApiRoutes) as [MarketOperation, ...MarketOperation[]];

/** Where the bank reaches a market the simulator plays (relative to the simulator's URL). */
export const simMarketPaths = (code: string) => ({
  notice: `/markets/${encodeURIComponent(code)}/notices`,
  acceptance: `/markets/${encodeURIComponent(code)}/acceptance`,
});

/** The control paths, under the simulator's URL; every one needs the bearer token of its control file. */
export const simControlPaths = {
  send: (code: string) => `/control/markets/${encodeURIComponent(code)}/send`,
  refuseNext: (code: string) => `/control/markets/${encodeURIComponent(code)}/refuse-next`,
  notices: (code: string) => `/control/markets/${encodeURIComponent(code)}/notices`,
  service: '/control/service',
} as const;

/** One market API operation, signed by the simulator with the market's key; the market's code is added. */
export const SimSend = z.strictObject({
  operation: z.enum(OPERATIONS),
  /** What the operation takes besides the market's code (RouteCallInput of its route). */
  input: z.record(z.string(), z.unknown()).optional(),
});
export type SimSend = z.infer<typeof SimSend>;
/** The bank's answer as it came: its status and its JSON. */
export const SimSendReply = z.object({ status: z.number().int(), body: z.unknown() });
export type SimSendReply = z.infer<typeof SimSendReply>;

/** Refuse the next `count` transfers the bank asks about (0 accepts again). */
export const SimRefuseNext = z.strictObject({ count: z.number().int().min(0).max(1000) });

export const SimNotice = z.object({
  id: z.union([z.number(), z.string()]),
  kind: z.string(),
  receivedAt: z.string(),
  /** Whether the bank's document signature over the notice's bytes verified against the certificate sent with it. */
  signatureVerified: z.boolean(),
  body: z.unknown(),
});
export type SimNotice = z.infer<typeof SimNotice>;

export const SimService = z.strictObject({ url: z.url() });

/** The control file in the simulator's folder (0600): where it listens and the token its control paths want. */
export const SimControlFile = z.object({ url: z.string(), token: z.string(), pid: z.number().int(), ca: z.string() });
export type SimControlFile = z.infer<typeof SimControlFile>;

/**
 * What a market hands the bank to be connected — its public keys, where it
 * takes notices and answers acceptance questions, and the certificate its
 * server is checked against. The simulator writes it into its folder
 * (bank-link.json); a demo service reads it there, as bank staff would enter it
 * with the counter tool.
 */
export const SimBankLink = z.object({
  ca: z.string(),
  markets: z.array(
    z.object({ code: z.string(), publicKeyPem: z.string(), noticeUrl: z.string(), acceptanceUrl: z.string() }),
  ),
});
export type SimBankLink = z.infer<typeof SimBankLink>;
