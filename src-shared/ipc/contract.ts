// The one contract between the renderer and the main process. Electron's
// preload and the browser shell's bridge both expose exactly these methods;
// the main process validates every argument with the input schema.
import { z } from 'zod';
import { CaptchaReply, ChangePasswordRequest, LoginRequest, Profile, SessionReply } from '../api/auth';
import { OkReply } from '../api/common';
import { CertificateTestReply, MyCertificate } from '../api/certificates';
import { SignWith, TokenCertificate, TokenStatus } from '../token';
import { LANGS } from '../errors';

export const Language = z.enum(LANGS as ['zh-CN', 'en']);

/** A remote settlement service: https, or plain http only on this machine's loopback. */
export const RemoteUrl = z
  .string()
  .trim()
  .max(200)
  .refine(
    (value) => {
      try {
        const url = new URL(value);
        if (url.username || url.password) return false;
        if (url.protocol === 'https:') return true;
        return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
      } catch {
        return false;
      }
    },
    { message: 'RULE_FORMAT' },
  );

export const Settings = z.object({
  serviceMode: z.enum(['embedded', 'remote']),
  remoteUrl: z.union([z.literal(''), RemoteUrl]),
  /** A PKCS#11 library path; empty means "find one from the known locations". */
  pkcs11Module: z.string().trim().max(500),
  language: Language,
});
export type Settings = z.infer<typeof Settings>;

export const SettingsPatch = Settings.partial()
  .strict()
  .refine((patch) => patch.serviceMode !== 'remote' || patch.remoteUrl === undefined || patch.remoteUrl !== '', {
    message: 'RULE_REQUIRED',
    path: ['remoteUrl'],
  });
export type SettingsPatch = z.infer<typeof SettingsPatch>;

export const AppInfo = z.object({
  version: z.string(),
  demo: z.boolean(),
  serviceUrl: z.string(),
  serviceMode: z.enum(['embedded', 'remote']),
  lastLoginName: z.string().nullable(),
});
export type AppInfo = z.infer<typeof AppInfo>;

const none = z.undefined();

export const ipcContract = {
  'app.info': { input: none, output: AppInfo },
  'settings.get': { input: none, output: Settings },
  'settings.update': { input: SettingsPatch, output: Settings },
  'auth.captcha': { input: none, output: CaptchaReply },
  'auth.login': { input: LoginRequest, output: SessionReply },
  'auth.changePassword': { input: ChangePasswordRequest, output: Profile },
  'auth.session': { input: none, output: SessionReply.nullable() },
  'auth.keepAlive': { input: none, output: SessionReply },
  'auth.logout': { input: none, output: OkReply },
  /** The USB-KEY step of a corporate login: sign-off the first time, signed login after. */
  'auth.certificate': { input: z.strictObject({ sign: SignWith }), output: SessionReply },
  'token.status': { input: none, output: TokenStatus },
  'token.certificates': {
    input: z.strictObject({ slotId: z.string().max(300).optional() }).optional(),
    output: z.array(TokenCertificate),
  },
  'certificates.mine': { input: none, output: z.array(MyCertificate) },
  /** 证书测试: sign a test statement and have the service verify it. */
  'certificates.test': { input: z.strictObject({ sign: SignWith }), output: CertificateTestReply },
} as const;

export type IpcContract = typeof ipcContract;
export type IpcMethod = keyof IpcContract;
export type IpcInput<M extends IpcMethod> = z.input<IpcContract[M]['input']>;
export type IpcOutput<M extends IpcMethod> = z.output<IpcContract[M]['output']>;

export const IPC_METHODS = Object.keys(ipcContract) as IpcMethod[];

export function isIpcMethod(value: unknown): value is IpcMethod {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ipcContract, value);
}

/** Events the main process pushes to the renderer. */
export const ipcEvents = {
  'session.ended': z.object({ reason: z.enum(['idle', 'logout', 'service']) }),
  /** Tokens inserted or removed, PIN state changed, or the host restarted. */
  'token.status': TokenStatus,
  /** Progress of a series of signatures. */
  'token.progress': z.object({ done: z.number().int(), total: z.number().int() }),
} as const;
export type IpcEventName = keyof typeof ipcEvents;
export type IpcEventPayload<E extends IpcEventName> = z.infer<(typeof ipcEvents)[E]>;

/** What crosses the bridge: a value or a typed error, never a thrown Error (Electron drops its fields). */
export type IpcEnvelope<T> = { ok: true; value: T } | { ok: false; error: import('../errors').AppErrorShape };

/** The object the preload (Electron) or the bridge script (browser shell) puts on window. */
export type SettleKeyBridge = {
  [M in IpcMethod]: (arg: IpcInput<M>) => Promise<IpcEnvelope<IpcOutput<M>>>;
} & {
  on<E extends IpcEventName>(event: E, listener: (payload: IpcEventPayload<E>) => void): () => void;
};

export const IPC_CHANNEL = 'settlekey:invoke';
export const IPC_EVENT_CHANNEL = 'settlekey:event';
