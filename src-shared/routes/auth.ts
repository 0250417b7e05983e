// Login, the USB-KEY and SMS steps that complete it, the password change, the
// session and logout. The main process holds the session token, so the steps
// that start, complete or end a session are flows, not relayed calls.
import {
  CaptchaReply,
  CertificateRequest,
  ChangePasswordRequest,
  LoginReply,
  LoginRequest,
  Profile,
  SessionReply,
} from '../api/auth';
import { OkReply } from '../api/common';
import { OtpAnswer, OtpSent } from '../api/registration';
import { defineRoutes } from './define';

export const authRoutes = defineRoutes('auth', {
  'auth.captcha': {
    method: 'POST',
    path: '/auth/captcha',
    reply: CaptchaReply,
    audience: 'desktop',
    auth: 'none',
    flowOnly: true,
    summary: 'A new image captcha',
  },
  'auth.login': {
    method: 'POST',
    path: '/auth/login',
    input: LoginRequest,
    reply: LoginReply,
    audience: 'desktop',
    auth: 'none',
    flowOnly: true,
    summary: 'Log in with login name, password and captcha',
  },
  'auth.certificate': {
    method: 'POST',
    path: '/auth/certificate',
    input: CertificateRequest,
    reply: SessionReply,
    audience: 'desktop',
    auth: 'certificate',
    flowOnly: true,
    summary: 'Certificate sign-off (first login) or signed login with the USB-KEY',
  },
  'auth.otpSend': {
    method: 'POST',
    path: '/auth/otp/send',
    reply: OtpSent,
    audience: 'desktop',
    auth: 'certificate',
    summary: 'First login of an individual member: send the SMS code to the registered phone',
  },
  'auth.otp': {
    method: 'POST',
    path: '/auth/otp',
    input: OtpAnswer,
    reply: SessionReply,
    audience: 'desktop',
    auth: 'certificate',
    summary: 'First login of an individual member: the SMS code',
  },
  'auth.changePassword': {
    method: 'POST',
    path: '/auth/password',
    input: ChangePasswordRequest,
    reply: Profile,
    audience: 'desktop',
    auth: 'password-change',
    summary: 'Change the login password (forced on first login)',
  },
  'auth.session': {
    method: 'GET',
    path: '/auth/session',
    reply: SessionReply,
    audience: 'desktop',
    auth: 'certificate',
    flowOnly: true,
    summary: 'The signed-in user',
  },
  'auth.logout': {
    method: 'POST',
    path: '/auth/logout',
    reply: OkReply,
    audience: 'desktop',
    auth: 'certificate',
    flowOnly: true,
    summary: 'End the session',
  },
});
