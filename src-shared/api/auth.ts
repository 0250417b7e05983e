import { z } from 'zod';
import { isValidPassword, LOGIN_NAME_MAX, PASSWORD_MAX } from '../credentials';
import { PERMISSIONS } from '../menu';
import { SignatureEnvelope } from '../signing';

// These closed sets are also the store's column types and CHECK lists:
// tests/unit/store-enums.test.ts keeps the two equal.
export const ROLES = ['admin', 'operator', 'reviewer', 'member'] as const;
export const Role = z.enum(ROLES);
export type Role = z.infer<typeof Role>;

/** Corporate e-banking, or the member-management system. */
export const SYSTEM_KINDS = ['ebank', 'member'] as const;
export const SystemKind = z.enum(SYSTEM_KINDS);
export type SystemKind = z.infer<typeof SystemKind>;

/** Single: one administrator; dual: every change waits for the other's review. */
export const ADMIN_MODES = ['single', 'dual'] as const;
export const AdminMode = z.enum(ADMIN_MODES);
export type AdminMode = z.infer<typeof AdminMode>;

export const MEMBER_TYPES = ['corporate', 'individual'] as const;
export const MemberType = z.enum(MEMBER_TYPES);
export type MemberType = z.infer<typeof MemberType>;

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
  /** The system (and, for the member system, the member type) chosen on the login page. */
  system: SystemKind.optional(),
  memberType: MemberType.optional(),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

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

/** After password and captcha, a corporate user proves the USB-KEY: sign-off the first time, signed login after. */
export const CertificateStep = z.object({
  step: z.enum(['signOff', 'signIn']),
  challenge: z.string(),
  /** The certificates the service expects: issued ones for sign-off, the activated one for signed login. */
  serials: z.array(z.string()),
  /** The service's time when it made the challenge: the client signs in the service's time. */
  issuedAt: z.string(),
  /**
   * Whom the bank issued the certificates to, as its records name them: the
   * sign-off shows the holder's name and enterprise, not the login name the
   * certificate's subject carries. A corporate member has no English name.
   */
  holder: z.object({
    name: z.string(),
    loginName: z.string(),
    enterprise: z.string(),
    enterpriseEn: z.string().nullable(),
  }),
});
export type CertificateStep = z.infer<typeof CertificateStep>;

export const CertificateNotice = z.object({ serial: z.string(), notAfter: z.string(), daysLeft: z.number().int() });
export type CertificateNotice = z.infer<typeof CertificateNotice>;

/** An individual member's first login: an SMS code to the registered phone. */
export const OtpStep = z.object({ phone: z.string() });
export type OtpStep = z.infer<typeof OtpStep>;

export const LoginReply = z.object({
  token: z.string(),
  profile: Profile,
  idleTimeoutSeconds: z.number().int(),
  /** The bank's ceiling on keeping a USB-KEY logged in (the desktop's PIN policy), minutes; 0: never. */
  pinHoldMaxMinutes: z.number().int().min(0).default(0),
  certificateStep: CertificateStep.nullable(),
  otpStep: OtpStep.nullable().default(null),
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
  /** The bank's ceiling on keeping a USB-KEY logged in (the desktop's PIN policy), minutes; 0: never. */
  pinHoldMaxMinutes: z.number().int().min(0).default(0),
  /** Still waiting for the USB-KEY step when not null. */
  certificateStep: CertificateStep.nullable(),
  otpStep: OtpStep.nullable().default(null),
  /** The activated certificate expires within 30 days. */
  certificateNotice: CertificateNotice.nullable(),
});
export type SessionReply = z.infer<typeof SessionReply>;

export const CertificateRequest = z.strictObject({
  step: z.enum(['signOff', 'signIn']),
  /** Optional in the schema so that a missing signature gets its own refusal, not a generic one. */
  signature: SignatureEnvelope.optional(),
});
export type CertificateRequest = z.infer<typeof CertificateRequest>;
