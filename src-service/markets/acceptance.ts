// Where the market answers before money moves: a transfer from another bank's
// card into the market's summary account is credited to the member only if the
// market accepts it. The service asks the market's system — outside any
// database transaction — with a timeout; no answer in time counts as a refusal
// (the money goes to suspense and the market is told so, which is all a late
// acceptance can get), and so does any answer but {"accept": true}. A market
// with no acceptance URL set is not asked.
import type { Agent } from 'undici';
import type { ServiceContext } from '../context';
import { marketAgent, postSigned } from './market-https';
import type { MarketRow } from './markets';

export type MarketAnswer = 'accepted' | 'refused' | 'noAnswer';

/** How long the market has to answer, unless SETTLEKEY_ACCEPTANCE_TIMEOUT_MS says otherwise. */
export const ACCEPTANCE_TIMEOUT_MS = 5_000;

const agents = new Map<string, Agent>();
function agentFor(ca: string | undefined): Agent {
  const key = ca ?? '';
  let agent = agents.get(key);
  if (!agent) {
    agent = marketAgent(ca);
    agents.set(key, agent);
  }
  return agent;
}

export interface TransferQuestion {
  /** The market's request key of the transfer event. */
  key: string;
  memberCode: string;
  amount: number;
  payerName: string;
  /** The card's last four digits: the market needs no more. */
  cardTail: string;
}

export async function askMarket(
  ctx: ServiceContext,
  market: Pick<MarketRow, 'code' | 'acceptance_url'>,
  question: TransferQuestion,
): Promise<MarketAnswer> {
  if (!market.acceptance_url) return 'accepted';
  const timeoutMs = ctx.options.acceptanceTimeoutMs ?? ACCEPTANCE_TIMEOUT_MS;
  const bytes = Buffer.from(JSON.stringify({ kind: 'transfer.accept?', market: market.code, ...question }));
  try {
    const res = await postSigned(ctx, market.acceptance_url, bytes, {
      dispatcher: agentFor(ctx.options.marketCa),
      timeoutMs,
    });
    if (res.statusCode < 200 || res.statusCode > 299) {
      await res.body.dump();
      return 'refused';
    }
    const answer = (await res.body.json().catch(() => null)) as { accept?: unknown } | null;
    return answer?.accept === true ? 'accepted' : 'refused';
  } catch {
    return 'noAnswer';
  }
}
