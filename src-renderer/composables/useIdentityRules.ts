// Form rules for identity fields: the same check characters the service
// applies (the service still decides), worded in the current language.
import type { FormItemRule } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { errorMessage, type ErrorCode, type Lang } from '../../src-shared/errors';
import {
  isValidCardNumber,
  isValidIdNumber,
  isValidMobile,
  isValidOrgCode,
  isValidUscc,
} from '../../src-shared/identity';

export function useIdentityRules() {
  const { t, locale } = useI18n();
  const required = (field: string, trigger: 'blur' | 'change' = 'blur'): FormItemRule => ({
    required: true,
    message: t('common.required', { field }),
    trigger,
  });
  const check = (test: (v: string) => boolean, code: ErrorCode): FormItemRule => ({
    trigger: 'blur',
    validator: (_rule, value: string, done) =>
      !value || test(String(value).replace(/\s+/g, '').toUpperCase())
        ? done()
        : done(new Error(errorMessage(code, locale.value as Lang))),
  });
  return {
    required,
    mobile: [required(t('card.phone')), check(isValidMobile, 'MOBILE_RULE')],
    idNumber: [required(t('fields.idNo')), check(isValidIdNumber, 'ID_NUMBER_RULE')],
    uscc: check(isValidUscc, 'USCC_RULE'),
    orgCode: check((v) => isValidOrgCode(v.replace(/-/g, '')), 'ORG_CODE_RULE'),
    /** Rules of the CardFields items under a prefix ("card."). */
    card: (prefix: string, phoneLabel?: string): Record<string, FormItemRule[]> => ({
      [`${prefix}cardNo`]: [required(t('card.cardNo')), check(isValidCardNumber, 'CARD_NUMBER_RULE')],
      [`${prefix}bankCode`]: [required(t('card.bank'), 'change')],
      [`${prefix}branchCode`]: [required(t('card.branch'), 'change')],
      [`${prefix}phone`]: [required(phoneLabel ?? t('card.phone')), check(isValidMobile, 'MOBILE_RULE')],
    }),
  };
}

/** The card as the service takes it: digits only. */
export function cardOf(draft: { cardNo: string; bankCode: string; branchCode: string; phone: string }) {
  return {
    cardNo: draft.cardNo.replace(/\s+/g, ''),
    bankCode: draft.bankCode,
    branchCode: draft.branchCode,
    phone: draft.phone.trim(),
  };
}
