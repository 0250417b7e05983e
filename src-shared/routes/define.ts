// A route of the settlement service, declared once: the service registers its
// Fastify route from it (and the OpenAPI document follows from the same zod
// schemas), the main process relays desktop calls through it, and the
// renderer's typed clients are derived from it at the type level.
import { z } from 'zod';
import type { Permission } from '../menu';

/**
 * Who calls a route. Only 'desktop' routes are reachable from the renderer, through the
 * main process; the bank's back office, its counter, the markets and the test hooks are
 * called by their own tools and never relayed.
 */
export type Audience = 'desktop' | 'backOffice' | 'market' | 'counter' | 'test';

/**
 * How the service guards a route: 'none' (public); 'certificate' (the USB-KEY step, open right
 * after password and captcha); 'password-change' (also open to a user who still must change the
 * initial password); 'session' (a fully signed-in user, the default); 'market-signature' (a
 * market's own system, its request signed with its registered key: src-shared/market-signature.ts).
 */
export type RouteAuth = 'none' | 'session' | 'password-change' | 'certificate' | 'market-signature';

export interface RouteSpec {
  readonly method: 'GET' | 'POST';
  /** Fastify's form: `/member-accounts/:contractId`. */
  readonly path: string;
  /** The path's parameters; they arrive as text, so numbers are coerced (see `PathId`). */
  readonly params?: z.ZodObject;
  /** GET: the query string; POST: the JSON body. */
  readonly input?: z.ZodType;
  readonly reply: z.ZodType;
  readonly audience: Audience;
  readonly auth?: RouteAuth;
  /** The permission the route needs; a list means any one of them. */
  readonly perm?: Permission | readonly Permission[];
  /**
   * Called by the main process only inside a hand-written flow (it signs, holds the session
   * token or keeps the previewed instruction), so it is not relayed as it is.
   */
  readonly flowOnly?: true;
  readonly summary: string;
  /** A larger body than the service's default (a registration with its archive). */
  readonly bodyLimit?: number;
  /** Left out of the OpenAPI document (the demo's and the tests' own routes). */
  readonly hidden?: true;
}

export type RouteTable = Readonly<Record<string, RouteSpec>>;
export type TaggedRoute = RouteSpec & { readonly tag: string };

/** A domain's table: every route gets the domain's OpenAPI tag. */
export function defineRoutes<const T extends Record<string, RouteSpec>>(
  tag: string,
  routes: T,
): { readonly [K in keyof T]: T[K] & { readonly tag: string } } {
  return Object.fromEntries(Object.entries(routes).map(([key, spec]) => [key, { ...spec, tag }])) as {
    readonly [K in keyof T]: T[K] & { readonly tag: string };
  };
}

/** A positive id in a path: text on the wire, a number to the handler and to the caller's types. */
export const PathId = z.coerce.number<number>().int().positive();

type ParamsOf<R> = R extends { params: infer P extends z.ZodObject } ? P : never;
type InputOf<R> = R extends { input: infer I extends z.ZodType } ? I : never;
/** Where a route's input goes besides its path: the query string of a GET, the body of a POST. */
export type InputSlot<R extends RouteSpec> = R['method'] extends 'GET' ? 'query' : 'body';

type MaybeEmpty<T> = object extends T ? T | undefined : T;

/**
 * What a caller passes for a route: the path's parameters, with the query or body under
 * `query`/`body` when the route has both; the query or body alone when it has no parameters.
 */
export type RouteCallInput<R extends RouteSpec> = [ParamsOf<R>] extends [never]
  ? [InputOf<R>] extends [never]
    ? undefined
    : MaybeEmpty<z.input<InputOf<R>>>
  : [InputOf<R>] extends [never]
    ? z.input<ParamsOf<R>>
    : z.input<ParamsOf<R>> & { [S in InputSlot<R>]: z.input<InputOf<R>> };

export type RouteCallParsed<R extends RouteSpec> = [ParamsOf<R>] extends [never]
  ? [InputOf<R>] extends [never]
    ? undefined
    : z.output<InputOf<R>>
  : [InputOf<R>] extends [never]
    ? z.output<ParamsOf<R>>
    : z.output<ParamsOf<R>> & { [S in InputSlot<R>]: z.output<InputOf<R>> };

export type RouteReply<R extends RouteSpec> = z.output<R['reply']>;

const slotOf = (spec: RouteSpec): 'query' | 'body' => (spec.method === 'GET' ? 'query' : 'body');

/** The schema of what a caller passes (see RouteCallInput), for the main process's relay. */
export function callInputSchema<R extends RouteSpec>(spec: R): z.ZodType<RouteCallParsed<R>, RouteCallInput<R>> {
  const { params, input } = spec;
  let schema: z.ZodType;
  if (params && input) schema = z.strictObject({ ...params.shape, [slotOf(spec)]: input });
  else if (params) schema = z.strictObject(params.shape);
  else if (input) schema = input.safeParse({}).success ? input.optional() : input;
  else schema = z.undefined();
  return schema as unknown as z.ZodType<RouteCallParsed<R>, RouteCallInput<R>>;
}

/** The HTTP request a call makes: the path filled in, and the query or the body. */
export function requestOf(
  spec: RouteSpec,
  value: unknown,
): { url: string; query?: Record<string, unknown>; body?: unknown } {
  const fields = (value ?? {}) as Record<string, unknown>;
  const url = spec.path.replace(/:(\w+)/g, (_, name: string) => {
    const part = fields[name];
    if (part === undefined || part === null || part === '') throw new Error(`${spec.path}: no value for :${name}`);
    return encodeURIComponent(String(part));
  });
  const rest = spec.params ? fields[slotOf(spec)] : value;
  if (rest === undefined) return { url };
  return spec.method === 'GET' ? { url, query: rest as Record<string, unknown> } : { url, body: rest };
}

/** The routes of some tables that the renderer may reach through the main process's relay. */
export function relayedRoutes<T extends RouteTable>(table: T): RelayedKeys<T>[] {
  return Object.entries(table)
    .filter(([, spec]) => spec.audience === 'desktop' && !spec.flowOnly)
    .map(([key]) => key as RelayedKeys<T>);
}

export type RelayedKeys<T extends RouteTable> = {
  [K in keyof T & string]: T[K] extends { audience: 'desktop' } ? (T[K] extends { flowOnly: true } ? never : K) : never;
}[keyof T & string];
