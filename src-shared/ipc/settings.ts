// The desktop's own settings and what it says about itself: small and apart
// from the contract, so the settings page can validate without loading every
// route's schemas.
import { z } from 'zod';
import { LANGS } from '../errors';
import { PinPolicy } from '../token';

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
  /** An SKF (GM/T 0016) library path, tried before the known ones; empty: the known ones only. */
  skfLibrary: z.string().trim().max(500),
  language: Language,
  /** 密码策略: how long the USB-KEY stays logged in after a signature (within the bank's maximum). */
  pinPolicy: PinPolicy,
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
