// The member system's public side: SMS codes for registration and recovery,
// the registration itself, and recovery of the login name and password.
import type { FastifyInstance } from 'fastify';
import { registrationRoutes as table } from '../../src-shared/routes/registration';
import type { ServiceContext } from '../context';
import { countBodyBytes } from '../http/body-size';
import { registerRoutes } from '../http/routes';
import { marketByCode } from '../markets/markets';
import { recoverCorporate, recoverIndividual } from './recovery';
import { registerCorporate, registerIndividual, sendPublicOtp } from './service';

export function registrationRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) => {
    // A route with a larger body limit (the corporate registration's archive) counts its body's
    // bytes, so a chunked body refused as too large reports what was read.
    app.addHook('onRoute', (route) => {
      if (route.bodyLimit) route.preParsing = countBodyBytes;
    });
    registerRoutes(app, table, {
      'public.otp': (request) => sendPublicOtp(ctx, request.body.phone, request.body.purpose),
      'public.market': async (request) => {
        const market = await marketByCode(ctx.db, request.params.code);
        return { code: market.code, name: market.name, nameEn: market.name_en };
      },
      'register.corporate': (request) => registerCorporate(ctx, request.body),
      'register.individual': (request) => registerIndividual(ctx, request.body),
      'recover.corporate': (request) => recoverCorporate(ctx, request.body),
      'recover.individual': (request) => recoverIndividual(ctx, request.body),
    });
  };
}
