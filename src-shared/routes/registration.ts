// The member system's public side: SMS codes for registration and recovery,
// the market a registration link names, the registration itself, and recovery
// of the login name and password. All open before login.
import { z } from 'zod';
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
} from '../api/registration';
import { defineRoutes } from './define';

/** A 5 MB archive is 6.7 MB in base64; more than this is refused as too large, on the archive's field. */
export const REGISTRATION_BODY_LIMIT = 8 * 1024 * 1024;

export const MarketLinkParams = z.strictObject({ code: z.string().max(16) });

export const registrationRoutes = defineRoutes('registration', {
  'public.otp': {
    method: 'POST',
    path: '/public/otp',
    input: PublicOtpRequest,
    reply: OtpSent,
    audience: 'desktop',
    auth: 'none',
    summary: 'An SMS code for registration or recovery, to the phone the form names',
  },
  'public.market': {
    method: 'GET',
    path: '/public/markets/:code',
    params: MarketLinkParams,
    reply: MarketLink,
    audience: 'desktop',
    auth: 'none',
    summary: 'The market a registration link names',
  },
  'register.corporate': {
    method: 'POST',
    path: '/registrations/corporate',
    input: CorporateRegistration,
    reply: RegistrationReceipt,
    audience: 'desktop',
    auth: 'none',
    bodyLimit: REGISTRATION_BODY_LIMIT,
    summary: 'Apply as a corporate member, with the documents archive; the bank counter decides',
  },
  'register.individual': {
    method: 'POST',
    path: '/registrations/individual',
    input: IndividualRegistration,
    reply: RegistrationReceipt,
    audience: 'desktop',
    auth: 'none',
    summary: 'Register as an individual member: SMS code, then card authentication',
  },
  'recover.corporate': {
    method: 'POST',
    path: '/recovery/corporate',
    input: CorporateRecovery,
    reply: RecoveryResult,
    audience: 'desktop',
    auth: 'none',
    summary: 'Recover a corporate member’s login name and reset the password',
  },
  'recover.individual': {
    method: 'POST',
    path: '/recovery/individual',
    input: IndividualRecovery,
    reply: RecoveryResult,
    audience: 'desktop',
    auth: 'none',
    summary: 'Recover an individual member’s login name and reset the password',
  },
});
