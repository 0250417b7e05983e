// Hooks that exist only when the service runs under NODE_ENV=test: read a
// captcha's answer, move the clock. The production bundle never registers them.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ErrorReply } from '../../src-shared/api/common';
import { AppError } from '../../src-shared/errors';
import type { ServiceContext } from '../context';

export function testRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/__test/captcha/:id',
      {
        config: { auth: 'none' },
        schema: {
          hide: true,
          params: z.object({ id: z.string().max(64) }),
          response: { 200: z.object({ answer: z.string() }), 404: ErrorReply },
        },
      },
      async (request) => {
        const answer = ctx.captchas.testAnswer(request.params.id);
        if (answer === undefined) throw new AppError('NOT_FOUND');
        return { answer };
      },
    );

    app.post(
      '/__test/clock',
      {
        config: { auth: 'none' },
        schema: {
          hide: true,
          body: z.strictObject({
            now: z.iso.datetime().optional(),
            advanceSeconds: z
              .number()
              .int()
              .min(0)
              .max(400 * 86400)
              .optional(),
          }),
          response: { 200: z.object({ now: z.string(), today: z.string() }) },
        },
      },
      async (request) => {
        if (request.body.now) ctx.clock.set(new Date(request.body.now));
        if (request.body.advanceSeconds) ctx.clock.advance(request.body.advanceSeconds * 1000);
        return { now: ctx.clock.nowIso(), today: ctx.clock.today() };
      },
    );
  };
}
