// What each IPC method does in the main process. Arguments arrive already
// validated against the contract (see dispatch.ts); replies are checked too.
import { CaptchaReply, LoginReply, Profile, SessionReply, type CertificateStep } from '../../src-shared/api/auth';
import { CertificateTestReply, ChallengeReply, MyCertificate } from '../../src-shared/api/certificates';
import {
  AdminOperationPreview,
  AdminOperationResult,
  CancelCheck,
  DecisionChallenge,
  EnterpriseMarket,
  EnterpriseUser,
  Instruction,
  InstructionPage,
  InstructionPreview,
  MemberAccount,
  type InstructionDraft,
  PendingCounts,
  SettlementAccount,
  Transaction,
  TransactionPage,
} from '../../src-shared/api/settlement';
import type { DecisionOutcome } from '../../src-shared/ipc/contract';
import { signedPayload, type SignedKind, type SignedPayload } from '../../src-shared/signing';
import { buildExport, exportRows, safeFilename } from './exports';
import { serviceTime, signPayloads } from './signer';
import { z } from 'zod';
import { OkReply } from '../../src-shared/api/common';
import { AppError, errorMessage, type Lang } from '../../src-shared/errors';
import { fieldLabel } from '../../src-shared/fields';
import type { IpcMethod, IpcOutput, IpcParsed, Settings } from '../../src-shared/ipc/contract';
import type { TokenHostClient } from '../token/host-client';
import type { FileSaver } from './files';
import type { SessionCache } from './session-cache';
import type { SettlementClient } from './settlement-client';

export type Handlers = { [M in IpcMethod]: (input: IpcParsed<M>) => Promise<IpcOutput<M>> };

/** The methods member-handlers.ts serves; createHandlers serves all the others. */
export type MemberMethod = Extract<
  IpcMethod,
  | `public.${string}`
  | `register.${string}`
  | `recover.${string}`
  | `lookup.${string}`
  | `member.${string}`
  | `demo.${string}`
  | 'auth.otpSend'
>;

/**
 * What the desktop's own handlers use, and no more. The flows' state (the login's certificate step,
 * the previewed instructions) is theirs and lives in createHandlers.
 */
export interface CoreHandlerDeps {
  readonly client: SettlementClient;
  readonly cache: Pick<
    SessionCache,
    'getSettings' | 'saveSettings' | 'lastLoginName' | 'setLastLoginName' | 'clearPages'
  >;
  readonly tokens: Pick<TokenHostClient, 'status' | 'request' | 'reconfigure'>;
  readonly files: FileSaver;
  readonly version: string;
  readonly demo: boolean;
  language(): Lang;
  /** A batch of signatures on the token has reached `done` of `total`. */
  signProgress(done: number, total: number): void;
  /** Demo: USB-KEYs the bank counter issued since the start are delivered before a login needs them. */
  deliverDemoTokens(): Promise<unknown>;
  /** The captcha shown last: only the test-mode hooks of the shells read it. */
  captchaShown(captchaId: string): void;
}

/** A signed payload from the fields the service gave (see signedPayload). */
export function payloadFrom(
  kind: SignedKind,
  fields: Record<string, string | number>,
  challenge: string,
  time: string,
): SignedPayload {
  return signedPayload(kind, fields, { challenge, time });
}

export function createHandlers(deps: CoreHandlerDeps): Omit<Handlers, MemberMethod> {
  const { client, cache } = deps;
  const progress = (done: number, total: number) => deps.signProgress(done, total);
  /** The USB-KEY step the service asked for at login, and when it arrived (for the service's time). */
  let pendingCertificateStep: { step: CertificateStep; loginName: string; receivedAt: number } | null = null;
  /** Instructions previewed and not yet signed, by serial: what is signed is what the service read. */
  const previews = new Map<string, { draft: InstructionDraft; preview: InstructionPreview; receivedAt: number }>();
  return {
    'app.info': async () => ({
      version: deps.version,
      demo: deps.demo,
      serviceMode: cache.getSettings().serviceMode,
      serviceUrl: await client.currentUrl().catch(() => ''),
      lastLoginName: cache.lastLoginName(),
    }),

    'settings.get': async () => cache.getSettings(),

    'settings.update': async (patch) => {
      const before = cache.getSettings();
      const next: Settings = { ...before, ...patch };
      if (next.serviceMode === 'remote' && next.remoteUrl === '') {
        const message = errorMessage('RULE_REQUIRED', deps.language(), {
          field: fieldLabel('remoteUrl', deps.language()),
        });
        throw new AppError('VALIDATION', { detail: message }, [{ field: 'remoteUrl', rule: 'required', message }]);
      }
      cache.saveSettings(next);
      if (next.pkcs11Module !== before.pkcs11Module) await deps.tokens.reconfigure().catch(() => undefined);
      // A different service is a different session.
      if (next.serviceMode !== before.serviceMode || next.remoteUrl !== before.remoteUrl) {
        await client.call('POST', '/auth/logout', OkReply).catch(() => undefined);
        client.reset();
      }
      return next;
    },

    'auth.captcha': async () => {
      const captcha = await client.call('POST', '/auth/captcha', CaptchaReply);
      deps.captchaShown(captcha.captchaId);
      return captcha;
    },

    'auth.login': async (input) => {
      // Demo: a USB-KEY the bank counter issued since the app started is "delivered" before the login needs it.
      if (deps.demo) await deps.deliverDemoTokens().catch(() => undefined);
      const reply = await client.call('POST', '/auth/login', LoginReply, input);
      client.setToken(reply.token);
      cache.setLastLoginName(input.loginName);
      pendingCertificateStep = reply.certificateStep
        ? { step: reply.certificateStep, loginName: reply.profile.loginName, receivedAt: Date.now() }
        : null;
      return {
        profile: reply.profile,
        idleTimeoutSeconds: reply.idleTimeoutSeconds,
        certificateStep: reply.certificateStep,
        otpStep: reply.otpStep,
        certificateNotice: null,
      };
    },
    'auth.otp': async (answer) => client.call('POST', '/auth/otp', SessionReply, answer),

    'auth.certificate': async ({ sign }) => {
      // A fresh challenge if the one from the login is older than a few minutes.
      let pending = pendingCertificateStep;
      if (!pending || Date.now() - pending.receivedAt > 4 * 60_000) {
        const session = await client.call('GET', '/auth/session', SessionReply);
        if (!session.certificateStep) return session;
        pending = { step: session.certificateStep, loginName: session.profile.loginName, receivedAt: Date.now() };
      }
      const { step, loginName, receivedAt } = pending;
      const [signature] = await signPayloads(deps.tokens, sign, [
        {
          kind: step.step === 'signOff' ? 'signOff' : 'login',
          loginName,
          certSerial: sign.certSerial,
          challenge: step.challenge,
          time: serviceTime(step.issuedAt, receivedAt),
        },
      ]);
      pendingCertificateStep = null;
      return client.call('POST', '/auth/certificate', SessionReply, { step: step.step, signature });
    },

    'token.status': async () => deps.tokens.status(),

    'token.certificates': async (input) => deps.tokens.request('certificates', { slotId: input?.slotId }),

    'certificates.mine': async () => client.call('GET', '/certificates/mine', z.array(MyCertificate)),

    'certificates.test': async ({ sign }) => {
      const receivedAt = Date.now();
      const challenge = await client.call('POST', '/signing/challenge', ChallengeReply, { purpose: 'certificateTest' });
      const session = await client.call('GET', '/auth/session', SessionReply);
      const note = 'SettleKey certificate test / 证书测试';
      const [signature] = await signPayloads(deps.tokens, sign, [
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

    'ebank.markets': async () => client.call('GET', '/ebank/markets', z.array(EnterpriseMarket)),
    'ebank.accounts': async () => client.call('GET', '/ebank/accounts', z.array(SettlementAccount)),
    'ebank.memberAccounts': async (input) =>
      client.call('GET', '/ebank/member-accounts', z.array(MemberAccount), undefined, {
        params: { status: input?.status ?? 'active' },
      }),
    'ebank.memberAccount': async ({ contractId }) =>
      client.call('GET', `/ebank/member-accounts/${contractId}`, MemberAccount),
    'ebank.cancelCheck': async ({ contractId }) =>
      client.call('GET', `/ebank/member-accounts/${contractId}/cancel-check`, CancelCheck),
    'ebank.memberTransactions': async ({ contractId, query }) =>
      client.call('GET', `/ebank/member-accounts/${contractId}/transactions`, TransactionPage, undefined, {
        params: query,
      }),
    'ebank.memberTransaction': async ({ contractId, entryId }) =>
      client.call('GET', `/ebank/member-accounts/${contractId}/transactions/${entryId}`, Transaction),
    'ebank.transactions': async ({ query }) =>
      client.call('GET', '/ebank/transactions', TransactionPage, undefined, { params: query }),
    'ebank.transaction': async ({ entryId }) => client.call('GET', `/ebank/transactions/${entryId}`, Transaction),
    'ebank.users': async () => client.call('GET', '/ebank/users', z.array(EnterpriseUser)),
    'ebank.userOperation': async ({ userId, operation, sign }) => {
      const receivedAt = Date.now();
      const preview = await client.call('POST', `/ebank/users/${userId}/operations/preview`, AdminOperationPreview, {
        operation,
      });
      const [signature] = await signPayloads(deps.tokens, sign, [
        payloadFrom('adminOperation', preview.fields, preview.challenge, serviceTime(preview.issuedAt, receivedAt)),
      ]);
      return client.call('POST', `/ebank/users/${userId}/operations`, AdminOperationResult, { operation, signature });
    },

    'instructions.preview': async ({ draft }) => {
      const receivedAt = Date.now();
      const preview = await client.call('POST', '/instructions/preview', InstructionPreview, draft);
      previews.set(preview.serial, { draft, preview, receivedAt });
      return preview;
    },
    'instructions.submit': async ({ serial, sign }) => {
      const held = previews.get(serial);
      if (!held) throw new AppError('CHALLENGE_UNKNOWN');
      const { draft, preview, receivedAt } = held;
      const [signature] = await signPayloads(deps.tokens, sign, [
        payloadFrom(draft.kind, preview.fields, preview.challenge, serviceTime(preview.issuedAt, receivedAt)),
      ]);
      const instruction = await client.call('POST', '/instructions', Instruction, {
        draft,
        idempotencyKey: serial,
        signature,
      });
      previews.delete(serial);
      return instruction;
    },
    'instructions.counts': async () => client.call('GET', '/instructions/pending-counts', PendingCounts),
    'instructions.list': async (query) =>
      client.call('GET', '/instructions', InstructionPage, undefined, { params: query }),
    'instructions.get': async ({ id }) => client.call('GET', `/instructions/${id}`, Instruction),
    'instructions.decide': async ({ ids, decision, reason, sign }) => {
      const outcomes = new Map<number, DecisionOutcome>();
      const toSign: { id: number; payload: SignedPayload }[] = [];
      for (const id of ids) {
        try {
          const receivedAt = Date.now();
          const ch = await client.call('POST', `/instructions/${id}/decision-challenge`, DecisionChallenge, {
            decision,
            reason,
          });
          toSign.push({
            id,
            payload: payloadFrom('decision', ch.fields, ch.challenge, serviceTime(ch.issuedAt, receivedAt)),
          });
        } catch (error) {
          outcomes.set(id, failure(id, error, deps.language()));
        }
      }
      // One PIN, one login on the token, each record signed on its own.
      const signatures = toSign.length
        ? await signPayloads(
            deps.tokens,
            sign,
            toSign.map((t) => t.payload),
            progress,
          )
        : [];
      for (const [i, item] of toSign.entries()) {
        try {
          const instruction = await client.call('POST', `/instructions/${item.id}/decision`, Instruction, {
            decision,
            reason,
            signature: signatures[i],
          });
          outcomes.set(item.id, { id: item.id, ok: true, instruction, error: null });
        } catch (error) {
          outcomes.set(item.id, failure(item.id, error, deps.language()));
        }
      }
      return { outcomes: ids.map((id) => outcomes.get(id)!) };
    },

    'export.table': async (request) => {
      const rows = await exportRows(client, request.source);
      const file = await buildExport(request, rows);
      return deps.files.save(safeFilename(request.title, file.extension), file.mime, file.data);
    },
    'print.page': async ({ title }) => deps.files.print(title),

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
      pendingCertificateStep = null;
      cache.clearPages();
      return { ok: true as const };
    },
  };
}

function failure(id: number, error: unknown, lang: Lang): DecisionOutcome {
  const shape = error instanceof AppError ? error.toShape(lang) : new AppError('INTERNAL').toShape(lang);
  return {
    id,
    ok: false,
    instruction: null,
    error: { code: shape.code, message: shape.message, fields: shape.fields },
  };
}
