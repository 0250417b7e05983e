// Markets as customers see them: the trading markets, their sign-in today and
// their receiving accounts.
import { z } from 'zod';
import { MarketSummary } from '../api/settlement';
import { defineRoutes } from './define';

export const marketRoutes = defineRoutes('markets', {
  'markets.list': {
    method: 'GET',
    path: '/markets',
    reply: z.array(MarketSummary),
    audience: 'desktop',
    auth: 'password-change',
    summary: 'Trading markets, their sign-in today and receiving accounts',
  },
});
