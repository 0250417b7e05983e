// The IPC methods that are plain calls of a service route: derived from the
// route tables, so a desktop route is declared once. The main process relays
// each through one generic handler (src-main/core/relay.ts).
import type { z } from 'zod';
import {
  callInputSchema,
  relayedRoutes,
  type RelayedKeys,
  type RouteCallInput,
  type RouteCallParsed,
} from '../routes/define';
import { desktopRoutes } from '../routes';

type Desktop = typeof desktopRoutes;
export type RelayedMethod = RelayedKeys<Desktop>;

export type RelayContract = {
  readonly [K in RelayedMethod]: {
    readonly input: z.ZodType<RouteCallParsed<Desktop[K]>, RouteCallInput<Desktop[K]>>;
    readonly output: Desktop[K]['reply'];
  };
};

export const RELAYED_METHODS: readonly RelayedMethod[] = relayedRoutes(desktopRoutes);

export const relayContract = Object.fromEntries(
  RELAYED_METHODS.map((key) => [key, { input: callInputSchema(desktopRoutes[key]), output: desktopRoutes[key].reply }]),
) as unknown as RelayContract;
