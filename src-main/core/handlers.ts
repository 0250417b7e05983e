// What each IPC method does in the main process. Arguments arrive already
// validated against the contract (see dispatch.ts); replies are checked too.
import { CaptchaReply, LoginReply, Profile, SessionReply } from '../../src-shared/api/auth';
import { CertificateTestReply, ChallengeReply, MyCertificate } from '../../src-shared/api/certificates';
import { serviceTime, signPayloads } from './signer';
import { z } from 'zod';
import { OkReply } from '../../src-shared/api/common';
import { AppError, errorMessage } from '../../src-shared/errors';
import { fieldLabel } from '../../src-shared/fields';
import type { IpcInput, IpcMethod, IpcOutput, Settings } from '../../src-shared/ipc/contract';
import type { MainCore } from './main-core';

export type Handlers = { [M in IpcMethod]: (input: IpcInput<M>) => Promise<IpcOutput<M>> };

export function createHandlers(core: MainCore): Handlers {
  const { client, cache } = core;
  return {
    'app.info': async () => ({
      version: core.version,
      demo: core.demo,
      serviceMode: cache.getSettings().serviceMode,
      serviceUrl: await client.currentUrl().catch(() => ''),
      lastLoginName: cache.lastLoginName(),
    }),

    'settings.get': async () => cache.getSettings(),

    'settings.update': async (patch) => {
      const before = cache.getSettings();
      const next: Settings = { ...before, ...patch };
      if (next.serviceMode === 'remote' && next.remoteUrl === '') {
        const message = errorMessage('RULE_REQUIRED', core.language(), {
          field: fieldLabel('remoteUrl', core.language()),
        });
        throw new AppError('VALIDATION', { detail: message }, [{ field: 'remoteUrl', rule: 'required', message }]);
      }
      cache.saveSettings(next);
      if (next.pkcs11Module !== before.pkcs11Module) await core.tokens.reconfigure().catch(() => undefined);
      // A different service is a different session.
      if (next.serviceMode !== before.serviceMode || next.remoteUrl !== before.remoteUrl) {
        await client.call('POST', '/auth/logout', OkReply).catch(() => undefined);
        client.reset();
      }
      return next;
    },

    'auth.captcha': async () => {
      const captcha = await client.call('POST', '/auth/captcha', CaptchaReply);
      core.lastCaptchaId = captcha.captchaId;
      return captcha;
    },

    'auth.login': async (input) => {
      const reply = await client.call('POST', '/auth/login', LoginReply, input);
      client.setToken(reply.token);
      cache.setLastLoginName(input.loginName);
      core.pendingCertificateStep = reply.certificateStep
        ? { step: reply.certificateStep, loginName: reply.profile.loginName, receivedAt: Date.now() }
        : null;
      return {
        profile: reply.profile,
        idleTimeoutSeconds: reply.idleTimeoutSeconds,
        certificateStep: reply.certificateStep,
        certificateNotice: null,
      };
    },

    'auth.certificate': async ({ sign }) => {
      // A fresh challenge if the one from the login is older than a few minutes.
      let pending = core.pendingCertificateStep;
      if (!pending || Date.now() - pending.receivedAt > 4 * 60_000) {
        const session = await client.call('GET', '/auth/session', SessionReply);
        if (!session.certificateStep) return session;
        pending = { step: session.certificateStep, loginName: session.profile.loginName, receivedAt: Date.now() };
      }
      const { step, loginName, receivedAt } = pending;
      const [signature] = await signPayloads(core.tokens, sign, [
        {
          kind: step.step === 'signOff' ? 'signOff' : 'login',
          loginName,
          certSerial: sign.certSerial,
          challenge: step.challenge,
          time: serviceTime(step.issuedAt, receivedAt),
        },
      ]);
      core.pendingCertificateStep = null;
      return client.call('POST', '/auth/certificate', SessionReply, { step: step.step, signature });
    },

    'token.status': async () => core.tokens.status(),

    'token.certificates': async (input) => core.tokens.request('certificates', { slotId: input?.slotId }),

    'certificates.mine': async () => client.call('GET', '/certificates/mine', z.array(MyCertificate)),

    'certificates.test': async ({ sign }) => {
      const receivedAt = Date.now();
      const challenge = await client.call('POST', '/signing/challenge', ChallengeReply, { purpose: 'certificateTest' });
      const session = await client.call('GET', '/auth/session', SessionReply);
      const note = 'SettleKey certificate test / 证书测试';
      const [signature] = await signPayloads(core.tokens, sign, [
        {
          kind: 'certificateTest',
          loginName: session.profile.loginName,
          certSerial: sign.certSerial,
          note,
          challenge: challenge.challenge,
          time: serviceTime(challenge.issuedAt, receivedAt),
        },
      ]);
      return client.call('POST', '/certificates/test-signature', CertificateTestReply, { note, signature });
    },

    'auth.changePassword': async (input) => client.call('POST', '/auth/password', Profile, input),

    'auth.session': async () => {
      if (!client.hasSession) return null;
      try {
        return await client.call('GET', '/auth/session', SessionReply);
      } catch (error) {
        if (error instanceof AppError && error.code.startsWith('AUTH_')) {
          client.setToken(null);
          return null;
        }
        throw error;
      }
    },

    'auth.keepAlive': async () => client.call('GET', '/auth/session', SessionReply),

    'auth.logout': async () => {
      if (client.hasSession) await client.call('POST', '/auth/logout', OkReply).catch(() => undefined);
      client.setToken(null);
      core.pendingCertificateStep = null;
      cache.clearPages();
      return { ok: true as const };
    },
  };
}
