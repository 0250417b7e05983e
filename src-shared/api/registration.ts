// The member system's public side — registration, recovery of the login name
// and password, the bank and branch lookup — and the cards a member binds.
// The identity rules are the national standards' check characters.
import { z } from 'zod';
import { isValidLoginName, LOGIN_NAME_MAX } from '../credentials';
import { isValidCardNumber, isValidIdNumber, isValidMobile, isValidOrgCode, isValidUscc } from '../identity';
import { MemberType } from './auth';
import { Id } from './settlement';

const trimmed = (max: number) => z.string().trim().min(1).max(max);

export const Mobile = z.string().trim().refine(isValidMobile, { message: 'MOBILE_RULE' });
export const IdNumber = z
  .string()
  .trim()
  .transform((v) => v.toUpperCase())
  .refine(isValidIdNumber, { message: 'ID_NUMBER_RULE' });
export const CardNumber = z
  .string()
  .transform((v) => v.replace(/\s+/g, ''))
  .refine(isValidCardNumber, { message: 'CARD_NUMBER_RULE' });
export const BankCode = z.string().regex(/^\d{3}$/, { message: 'BANK_UNKNOWN' });
export const BranchCode = z.string().regex(/^\d{12}$/, { message: 'BRANCH_UNKNOWN' });

/** A one-time code as a form sends it back. */
export const OtpAnswer = z.strictObject({
  codeId: z.string().min(1).max(40),
  code: z.string().regex(/^\d{6}$/, { message: 'RULE_FORMAT' }),
});
export type OtpAnswer = z.infer<typeof OtpAnswer>;

export const OtpPurpose = z.enum(['register', 'recover']);
export type OtpPurpose = z.infer<typeof OtpPurpose>;

export const PublicOtpRequest = z.strictObject({ phone: Mobile, purpose: OtpPurpose });
export const OtpSent = z.object({
  codeId: z.string(),
  expiresInSeconds: z.number().int(),
  resendInSeconds: z.number().int(),
  phone: z.string(),
});
export type OtpSent = z.infer<typeof OtpSent>;

export const CorporateCertType = z.enum(['USCC', 'ORG']);
export type CorporateCertType = z.infer<typeof CorporateCertType>;

/** The card a member binds: an account at another bank, with its branch and reserved phone. */
export const CardDetails = z.strictObject({
  cardNo: CardNumber,
  bankCode: BankCode,
  branchCode: BranchCode,
  phone: Mobile,
});
export type CardDetails = z.infer<typeof CardDetails>;

/** The documents archive, base64 in JSON; its size and type are checked from its bytes. */
export const ArchiveUpload = z.strictObject({
  name: z.string().trim().min(1).max(200),
  // 5 MB in base64 is 6,990,508 characters; a little more lets "5 MB + 1 byte" reach the size rule.
  base64: z
    .string()
    .min(1)
    .max(7_400_000)
    .regex(/^[A-Za-z0-9+/]*={0,2}$/, { message: 'RULE_FORMAT' }),
});

export const CorporateRegistration = z
  .strictObject({
    name: trimmed(100),
    certType: CorporateCertType,
    certNo: z
      .string()
      .trim()
      .transform((v) => v.toUpperCase().replace(/-/g, '')),
    contactName: trimmed(50),
    phone: Mobile,
    address: trimmed(200),
    email: z.email({ message: 'RULE_FORMAT' }).max(100).optional(),
    marketCode: z.string().trim().max(16).optional(),
    archive: ArchiveUpload,
    otp: OtpAnswer,
  })
  .superRefine((v, ctx) => {
    const ok = v.certType === 'USCC' ? isValidUscc(v.certNo) : isValidOrgCode(v.certNo);
    if (!ok)
      ctx.addIssue({
        code: 'custom',
        path: ['certNo'],
        message: v.certType === 'USCC' ? 'USCC_RULE' : 'ORG_CODE_RULE',
      });
  });
export type CorporateRegistration = z.infer<typeof CorporateRegistration>;

export const IndividualRegistration = z.strictObject({
  name: trimmed(50),
  idNo: IdNumber,
  card: CardDetails,
  marketCode: z.string().trim().max(16).optional(),
  otp: OtpAnswer,
});
export type IndividualRegistration = z.infer<typeof IndividualRegistration>;

/** Also the store's registrations.status: tests/unit/store-enums.test.ts keeps its CHECK list equal. */
export const REGISTRATION_STATUSES = ['pending', 'approved', 'rejected'] as const;
export const RegistrationStatus = z.enum(REGISTRATION_STATUSES);
export type RegistrationStatus = z.infer<typeof RegistrationStatus>;

export const RegistrationReceipt = z.object({
  serial: z.string(),
  memberType: MemberType,
  status: RegistrationStatus,
  /** Where the login name and initial password went (individuals), masked. */
  phone: z.string(),
});
export type RegistrationReceipt = z.infer<typeof RegistrationReceipt>;

export const CorporateRecovery = z.strictObject({
  certType: CorporateCertType,
  certNo: z
    .string()
    .trim()
    .transform((v) => v.toUpperCase().replace(/-/g, '')),
  phone: Mobile,
  otp: OtpAnswer,
});
export const IndividualRecovery = z.strictObject({
  name: trimmed(50),
  idNo: IdNumber,
  bankCode: BankCode,
  cardNo: CardNumber,
  phone: Mobile,
  otp: OtpAnswer,
});
export const RecoveryResult = z.object({ loginName: z.string(), phone: z.string() });
export type RecoveryResult = z.infer<typeof RecoveryResult>;

export const MarketLink = z.object({ code: z.string(), name: z.string(), nameEn: z.string() });
export type MarketLink = z.infer<typeof MarketLink>;

// ── bank and branch lookup ────────────────────────────────────────────────
export const Bank = z.object({ code: z.string(), name: z.string(), nameEn: z.string() });
export type Bank = z.infer<typeof Bank>;
export const Branch = z.object({
  /** 联行号 */
  cnaps: z.string(),
  bankCode: z.string(),
  name: z.string(),
  nameEn: z.string(),
  province: z.string(),
  city: z.string(),
});
export type Branch = z.infer<typeof Branch>;
export const Division = z.object({ code: z.string(), name: z.string() });
export type Division = z.infer<typeof Division>;
export const BranchQuery = z.strictObject({
  bankCode: BankCode,
  province: z
    .string()
    .regex(/^\d{6}$/)
    .optional(),
  city: z
    .string()
    .regex(/^\d{6}$/)
    .optional(),
  keyword: z.string().trim().max(40).optional(),
});
export type BranchQuery = z.infer<typeof BranchQuery>;

// ── self-service ──────────────────────────────────────────────────────────
export const MemberProfile = z.object({
  memberType: MemberType,
  name: z.string(),
  certType: z.string(),
  certNo: z.string(),
  phone: z.string(),
  contactName: z.string().nullable(),
  address: z.string().nullable(),
  email: z.string().nullable(),
  loginName: z.string(),
  status: z.string(),
  transferOutCardId: Id.nullable(),
});
export type MemberProfile = z.infer<typeof MemberProfile>;

export const NewLoginName = z
  .string()
  .trim()
  .max(LOGIN_NAME_MAX)
  .refine(isValidLoginName, { message: 'LOGIN_NAME_RULE' });
