// The rules of a password change, for the corporate and the member page alike:
// the service applies the same policy and decides; these only spare a round trip.
import type { FormRules } from 'element-plus';
import { computed } from 'vue';
import { useI18n } from 'vue-i18n';
import { isValidPassword, PASSWORD_PARAMS } from '../../src-shared/credentials';
import { errorMessage, type Lang } from '../../src-shared/errors';
import { useIdentityRules } from './useIdentityRules';

export interface PasswordChange {
  oldPassword: string;
  newPassword: string;
  confirmPassword: string;
}

export function usePasswordChangeRules(form: PasswordChange) {
  const { t, locale } = useI18n();
  const { required } = useIdentityRules();
  return computed<FormRules>(() => ({
    oldPassword: [required(t('password.oldPassword'))],
    newPassword: [
      required(t('password.newPassword')),
      {
        trigger: 'blur',
        validator: (_rule, value: string, done) => {
          if (!value) done();
          else if (!isValidPassword(value))
            done(new Error(errorMessage('PASSWORD_RULE', locale.value as Lang, PASSWORD_PARAMS)));
          else if (value === form.oldPassword) done(new Error(t('password.sameAsOld')));
          else done();
        },
      },
    ],
    confirmPassword: [
      required(t('password.confirmPassword')),
      {
        trigger: 'blur',
        validator: (_rule, value: string, done) =>
          value === form.newPassword ? done() : done(new Error(t('password.mismatch'))),
      },
    ],
  }));
}
