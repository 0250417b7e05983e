import { z } from 'zod';
import { isValidPassword, LOGIN_NAME_MAX, PASSWORD_MAX } from '../credentials';
import { PERMISSIONS } from '../menu';

export const CaptchaReply = z.object({
  captchaId: z.string(),
  /** An SVG image; the renderer shows it as a data: URL, never as markup. */
  svg: z.string(),
  expiresInSeconds: z.number().int(),
});
export type CaptchaReply = z.infer<typeof CaptchaReply>;

export const LoginRequest = z.strictObject({
  loginName: z.string().trim().min(1).max(LOGIN_NAME_MAX),
  password: z.string().min(1).max(64),
  captchaId: z.string().min(1).max(64),
  captchaAnswer: z.string().trim().min(1).max(8),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const Role = z.enum(['admin', 'operator', 'reviewer', 'member']);
export type Role = z.infer<typeof Role>;

export const SystemKind = z.enum(['ebank', 'member']);
export type SystemKind = z.infer<typeof SystemKind>;

export const AdminMode = z.enum(['single', 'dual']);
export type AdminMode = z.infer<typeof AdminMode>;

export const MemberType = z.enum(['corporate', 'individual']);
export type MemberType = z.infer<typeof MemberType>;

export const Profile = z.object({
  userId: z.number().int(),
  loginName: z.string(),
  displayName: z.string(),
  role: Role,
  system: SystemKind,
  enterprise: z.object({ id: z.number().int(), name: z.string(), nameEn: z.string(), adminMode: AdminMode }).nullable(),
  member: z.object({ id: z.number().int(), name: z.string(), memberType: MemberType }).nullable(),
  permissions: z.array(z.enum(PERMISSIONS)),
  mustChangePassword: z.boolean(),
  lastLoginAt: z.string().nullable(),
});
export type Profile = z.infer<typeof Profile>;

export const LoginReply = z.object({
  token: z.string(),
  profile: Profile,
  idleTimeoutSeconds: z.number().int(),
});
export type LoginReply = z.infer<typeof LoginReply>;

const newPassword = z.string().max(PASSWORD_MAX).refine(isValidPassword, { message: 'PASSWORD_RULE' });

export const ChangePasswordRequest = z.strictObject({
  oldPassword: z.string().min(1).max(64),
  newPassword,
  confirmPassword: z.string().min(1).max(PASSWORD_MAX),
});
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

export const SessionReply = z.object({
  profile: Profile,
  idleTimeoutSeconds: z.number().int(),
});
export type SessionReply = z.infer<typeof SessionReply>;
