// Demo mode only: the simulated SMS inbox, the markets as the bank sees them,
// and a transfer from a member's card at another bank (the card network no
// machine here has). A market's own acts (sign in or out, a B2B trade) go
// through the demo's market simulator and the market API instead (src-main's
// demo flows). A service started without --demo has none of these.
import { z } from 'zod';
import { DemoEventResult, DemoIncomingTransfer, SmsInboxQuery, SmsMessage } from '../api/demo';
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
});
