// Certificates as their owner sees them, signing challenges, and the
// certificate test (证书测试). Signing happens in the main process, so the
// challenge and the signed test are flows, not relayed calls.
import { z } from 'zod';
import {
  CertificateTestReply,
  CertificateTestRequest,
  ChallengeReply,
  ChallengeRequest,
  MyCertificate,
  RenewalReply,
  RenewalRequest,
  RenewalSignOffReply,
  RenewalSignOffRequest,
} from '../api/certificates';
import { defineRoutes } from './define';

export const certificateRoutes = defineRoutes('certificates', {
  'certificates.mine': {
    method: 'GET',
    path: '/certificates/mine',
    reply: z.array(MyCertificate),
    audience: 'desktop',
    summary: "The signed-in user's certificates",
  },
  'certificates.challenge': {
    method: 'POST',
    path: '/signing/challenge',
    input: ChallengeRequest,
    reply: ChallengeReply,
    audience: 'desktop',
    flowOnly: true,
    summary: 'A one-time challenge to sign (valid 5 minutes)',
  },
  'certificates.testSignature': {
    method: 'POST',
    path: '/certificates/test-signature',
    input: CertificateTestRequest,
    reply: CertificateTestReply,
    audience: 'desktop',
    flowOnly: true,
    summary: 'Sign a test statement with the activated certificate and have it verified',
  },
  'certificates.renew': {
    method: 'POST',
    path: '/certificates/renew',
    input: RenewalRequest,
    reply: RenewalReply,
    audience: 'desktop',
    flowOnly: true,
    summary: '证书更新: certify a new key on the token, authorised by a signature of the expiring certificate',
  },
  'certificates.renewalSignOff': {
    method: 'POST',
    path: '/certificates/renew/sign-off',
    input: RenewalSignOffRequest,
    reply: RenewalSignOffReply,
    audience: 'desktop',
    flowOnly: true,
    summary: 'Sign off the renewed certificate with its own key: it is activated, the old one revoked',
  },
});
