// The one generic handler of every plain call: the method names a desktop route
// of the tables, its input was checked against the route's schema by dispatch,
// and the reply is checked against the route's reply schema by the client.
// Back-office, counter, market and test routes are not in the relay at all.
import { RELAYED_METHODS, type RelayedMethod } from '../../src-shared/ipc/relay-contract';
import { desktopRoutes } from '../../src-shared/routes';
import type { RouteSpec } from '../../src-shared/routes/define';
import type { Handlers } from './handler-types';
import type { SettlementClient } from './settlement-client';

export function relayHandlers(client: Pick<SettlementClient, 'route'>): Pick<Handlers, RelayedMethod> {
  const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const method of RELAYED_METHODS) {
    const spec: RouteSpec = desktopRoutes[method];
    handlers[method] = (input) => client.route(spec, input as never);
  }
  return handlers as Pick<Handlers, RelayedMethod>;
}
