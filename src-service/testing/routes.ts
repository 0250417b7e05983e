// Hooks that exist only when the service runs under NODE_ENV=test: read a
// captcha's answer, move the clock. The production bundle never registers them.
import type { FastifyInstance } from 'fastify';
import { AppError } from '../../src-shared/errors';
import { testRoutes as table } from '../../src-shared/routes/testing';
import type { ServiceContext } from '../context';
import { registerRoutes } from '../http/routes';

export function testRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) =>
    registerRoutes(app, table, {
      'test.captcha': (request) => {
        const answer = ctx.captchas.testAnswer(request.params.id);
        if (answer === undefined) throw new AppError('NOT_FOUND');
        return { answer };
      },

      'test.clock': (request) => {
        if (request.body.now) ctx.clock.set(new Date(request.body.now));
        if (request.body.advanceSeconds) ctx.clock.advance(request.body.advanceSeconds * 1000);
        return { now: ctx.clock.nowIso(), today: ctx.clock.today() };
      },
    });
}
