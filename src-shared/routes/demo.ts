// Demo mode only: the simulated SMS inbox, and a market's own acts for trying
// the member system by hand (sign in or out, a transfer from a member's card
// at another bank, a B2B trade). A service started without --demo has none of these.
import { z } from 'zod';
import { DemoEventResult, DemoIncomingTransfer, DemoTrade, SmsInboxQuery, SmsMessage } from '../api/demo';
import { MarketSummary } from '../api/settlement';
import { defineRoutes } from './define';

export const demoRoutes = defineRoutes('demo', {
  'demo.sms': {
    method: 'GET',
    path: '/__demo/sms',
    input: SmsInboxQuery,
    reply: z.array(SmsMessage),
    audience: 'desktop',
    auth: 'none',
    hidden: true,
    summary: 'The simulated SMS inbox, newest first',
  },
  'demo.markets': {
    method: 'GET',
    path: '/__demo/markets',
    reply: z.array(MarketSummary),
    audience: 'desktop',
    auth: 'none',
    hidden: true,
    summary: 'The markets and whether they are signed in',
  },
  'demo.marketSignIn': {
    method: 'POST',
    path: '/__demo/markets/:code/:act',
    params: z.strictObject({ code: z.string().max(16), act: z.enum(['sign-in', 'sign-out']) }),
    reply: z.array(MarketSummary),
    audience: 'desktop',
    auth: 'none',
    hidden: true,
    summary: 'Sign a market in or out',
  },
  'demo.incomingTransfer': {
    method: 'POST',
    path: '/__demo/incoming-transfer',
    input: DemoIncomingTransfer,
    reply: DemoEventResult,
    audience: 'desktop',
    auth: 'none',
    hidden: true,
    summary: "A transfer from a member's card at another bank",
  },
  'demo.trade': {
    method: 'POST',
    path: '/__demo/b2b-trade',
    input: DemoTrade,
    reply: DemoEventResult,
    audience: 'desktop',
    auth: 'none',
    hidden: true,
    summary: 'A B2B trade reported by a market',
  },
});
