// Every route table of the service. The desktop's tables are those the main
// process calls (relayed or inside a flow); the others belong to the bank's own
// tools, the markets and the tests, and are never reachable from the renderer.
import { accountRoutes } from './accounts';
import { authRoutes } from './auth';
import { bankRoutes } from './bank';
import { certificateRoutes } from './certificates';
import { counterRoutes } from './counter';
import { demoRoutes } from './demo';
import { ebankRoutes } from './ebank';
import { instructionRoutes } from './instructions';
import { lookupRoutes } from './lookup';
import { marketApiRoutes } from './market-api';
import { marketRoutes } from './markets';
import { memberOperationRoutes, memberRoutes } from './members';
import { receiptRoutes } from './receipts';
import { registrationRoutes } from './registration';
import { testRoutes } from './testing';

/** What the main process may call for the desktop's users. */
export const desktopRoutes = {
  ...authRoutes,
  ...certificateRoutes,
  ...marketRoutes,
  ...accountRoutes,
  ...ebankRoutes,
  ...instructionRoutes,
  ...memberRoutes,
  ...memberOperationRoutes,
  ...registrationRoutes,
  ...receiptRoutes,
  ...lookupRoutes,
  ...demoRoutes,
} as const;

export const allRoutes = {
  ...desktopRoutes,
  ...bankRoutes,
  ...marketApiRoutes,
  ...counterRoutes,
  ...testRoutes,
} as const;
