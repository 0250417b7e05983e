// Demo only: the app's demo tools act as a market — sign in or out, report a
// B2B trade — through the demo's market simulator, which signs each request
// with the market's key and sends it through the market API, as a market's
// own system does. Nothing here reaches the service any other way.
import { randomBytes } from 'node:crypto';
import { AppError } from '../../src-shared/errors';
import { desktopRoutes as routes } from '../../src-shared/routes';
import type { FlowDeps, Handlers } from '../core/handler-types';

type DemoMarketMethod = 'demo.marketSignIn' | 'demo.trade';

/** A request key of the demo's own: every act of the tools is a new request. */
const requestKey = () => `demo-${randomBytes(8).toString('hex')}`;

export function demoMarketFlows(deps: FlowDeps): Pick<Handlers, DemoMarketMethod> {
  const simulator = () => {
    const sim = deps.marketSim();
    if (!sim) throw new AppError('NOT_AVAILABLE_YET');
    return sim;
  };
  return {
    'demo.marketSignIn': async ({ code, act }) => {
      await simulator().send(code, act === 'sign-in' ? 'market.signIn' : 'market.signOut');
      return deps.client.route(routes['demo.markets']);
    },

    'demo.trade': async ({ marketCode, payerCode, payeeCode, amount, fee, description }) => {
      const trade = (await simulator().send(marketCode, 'market.b2bTrade', {
        body: { payerCode, payeeCode, amount, fee, description: description || 'B2B trade', key: requestKey() },
      })) as { serial?: string };
      return { serial: trade.serial ?? null, outcome: 'pending' };
    },
  };
}
