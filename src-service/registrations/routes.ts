// The member system's public side: SMS codes for registration and recovery,
// the registration itself, and recovery of the login name and password.
import { countBodyBytes } from '../http/body-size';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ErrorReply } from '../../src-shared/api/common';
import {
  CorporateRecovery,
  CorporateRegistration,
  IndividualRecovery,
  IndividualRegistration,
  MarketLink,
  OtpSent,
  PublicOtpRequest,
  RecoveryResult,
  RegistrationReceipt,
} from '../../src-shared/api/registration';
import { z } from 'zod';
import type { ServiceContext } from '../context';
import { marketByCode } from '../markets/markets';
import { recoverCorporate, recoverIndividual } from './recovery';
import { registerCorporate, registerIndividual, sendPublicOtp } from './service';

const errors = { 400: ErrorReply, 404: ErrorReply, 409: ErrorReply, 413: ErrorReply, 422: ErrorReply };
const open = { auth: 'none' as const };

/** A 5 MB archive is 6.7 MB in base64; more than this is refused as too large, on the archive's field. */
const REGISTRATION_BODY_LIMIT = 8 * 1024 * 1024;

export function registrationRoutes(ctx: ServiceContext): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/public/otp',
      {
        config: open,
        schema: {
          tags: ['registration'],
          summary: 'An SMS code for registration or recovery, to the phone the form names',
          body: PublicOtpRequest,
          response: { 200: OtpSent, ...errors },
        },
      },
      async (request) => sendPublicOtp(ctx, request.body.phone, request.body.purpose),
    );

    app.get(
      '/public/markets/:code',
      {
        config: open,
        schema: {
          tags: ['registration'],
          summary: 'The market a registration link names',
          params: z.strictObject({ code: z.string().max(16) }),
          response: { 200: MarketLink, ...errors },
        },
      },
      async (request) => {
        const market = await marketByCode(ctx.db, request.params.code);
        return { code: market.code, name: market.name, nameEn: market.name_en };
      },
    );

    app.post(
      '/registrations/corporate',
      {
        config: open,
        bodyLimit: REGISTRATION_BODY_LIMIT,
        preParsing: countBodyBytes,
        schema: {
          tags: ['registration'],
          summary: 'Apply as a corporate member, with the documents archive; the bank counter decides',
          body: CorporateRegistration,
          response: { 200: RegistrationReceipt, ...errors },
        },
      },
      async (request) => registerCorporate(ctx, request.body),
    );

    app.post(
      '/registrations/individual',
      {
        config: open,
        schema: {
          tags: ['registration'],
          summary: 'Register as an individual member: SMS code, then card authentication',
          body: IndividualRegistration,
          response: { 200: RegistrationReceipt, ...errors },
        },
      },
      async (request) => registerIndividual(ctx, request.body),
    );

    app.post(
      '/recovery/corporate',
      {
        config: open,
        schema: {
          tags: ['registration'],
          summary: 'Recover a corporate member’s login name and reset the password',
          body: CorporateRecovery,
          response: { 200: RecoveryResult, ...errors },
        },
      },
      async (request) => recoverCorporate(ctx, request.body),
    );

    app.post(
      '/recovery/individual',
      {
        config: open,
        schema: {
          tags: ['registration'],
          summary: 'Recover an individual member’s login name and reset the password',
          body: IndividualRecovery,
          response: { 200: RecoveryResult, ...errors },
        },
      },
      async (request) => recoverIndividual(ctx, request.body),
    );
  };
}
