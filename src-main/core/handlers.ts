// What each IPC method does in the main process: a plain call goes through the
// one relay; the flows that add something here (the session token, signatures
// on the USB-KEY, files) are hand-written in src-main/flows. Arguments arrive
// already validated against the contract (dispatch.ts); replies are checked too.
import { appFlows } from '../flows/app';
import { demoMarketFlows } from '../flows/demo-market';
import { fileFlows } from '../flows/exports';
import { instructionFlows } from '../flows/instructions';
import { memberOperationFlows } from '../flows/member-operations';
import { sessionFlows } from '../flows/session';
import { renewalFlows } from '../flows/renewal';
import { signedRequestFlows } from '../flows/signed-requests';
import type { FlowDeps, Handlers } from './handler-types';
import { relayHandlers } from './relay';

export type { FlowDeps, Handlers } from './handler-types';

export function createHandlers(deps: FlowDeps): Handlers {
  return {
    ...relayHandlers(deps.client),
    ...appFlows(deps),
    ...sessionFlows(deps),
    ...signedRequestFlows(deps),
    ...renewalFlows(deps),
    ...instructionFlows(deps),
    ...memberOperationFlows(deps),
    ...fileFlows(deps),
    ...demoMarketFlows(deps),
  };
}
