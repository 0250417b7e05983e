// Registers a domain's routes from its table in src-shared: the path, the
// schemas (and so the OpenAPI document), the guard's settings, and the
// handler the domain gives for each key.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { ErrorReply } from '../../src-shared/api/common';
import type { RouteReply, RouteSpec, RouteTable, TaggedRoute } from '../../src-shared/routes/define';

/** Every refusal has the one error shape; the statuses are those errors.ts gives. */
const ERRORS = {
  400: ErrorReply,
  401: ErrorReply,
  403: ErrorReply,
  404: ErrorReply,
  409: ErrorReply,
  413: ErrorReply,
  422: ErrorReply,
  423: ErrorReply,
  429: ErrorReply,
};

type Out<S> = S extends z.ZodType ? z.output<S> : undefined;
type ParamsOut<R extends RouteSpec> = R extends { params: infer P extends z.ZodType } ? z.output<P> : object;
type InputOut<R extends RouteSpec> = R extends { input: infer I extends z.ZodType } ? Out<I> : undefined;

/** The request as the route's handler sees it: params, query and body already parsed by the table's schemas. */
export type RouteRequest<R extends RouteSpec> = Omit<FastifyRequest, 'params' | 'query' | 'body'> & {
  params: ParamsOut<R>;
  query: R['method'] extends 'GET' ? InputOut<R> : unknown;
  body: R['method'] extends 'POST' ? InputOut<R> : unknown;
};

export type RouteHandlers<T extends RouteTable> = {
  [K in keyof T]: (request: RouteRequest<T[K]>) => Promise<RouteReply<T[K]>> | RouteReply<T[K]>;
};

export function registerRoutes<T extends RouteTable>(app: FastifyInstance, table: T, handlers: RouteHandlers<T>): void {
  for (const [key, spec] of Object.entries(table) as [keyof T & string, TaggedRoute][]) {
    const handler = handlers[key] as (request: FastifyRequest) => unknown;
    app.route({
      method: spec.method,
      url: spec.path,
      ...(spec.bodyLimit ? { bodyLimit: spec.bodyLimit } : {}),
      config: { auth: spec.auth, perm: spec.perm },
      schema: {
        ...(spec.hidden ? { hide: true } : {}),
        tags: [spec.tag],
        summary: spec.summary,
        operationId: key,
        ...(spec.params ? { params: spec.params } : {}),
        ...(spec.input ? { [spec.method === 'GET' ? 'querystring' : 'body']: spec.input } : {}),
        response: { 200: spec.reply, ...ERRORS },
      },
      handler: async (request) => handler(request),
    });
  }
}
