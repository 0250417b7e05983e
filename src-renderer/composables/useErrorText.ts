// Turns anything thrown, or the service's refusals, into a sentence in the
// current language — and again when the user switches language.
import { computed, ref } from 'vue';
import { useI18n } from 'vue-i18n';
import { AppError, ERROR_MESSAGES, errorMessage, type ErrorCode, type Lang } from '../../src-shared/errors';
import type { Refusal } from '../../src-shared/api/settlement';

export function errorText(error: unknown, lang: Lang): string {
  if (error instanceof AppError) {
    if (error.code === 'VALIDATION' && error.fields?.length) return error.fields.map((f) => f.message).join('；');
    return errorMessage(error.code, lang, error.params);
  }
  return errorMessage('INTERNAL', lang);
}

/** A refusal (or an instruction's failure) in the current language; its code and params come with it. */
export function refusalText(refusal: Refusal, lang: Lang): string {
  return refusal.code in ERROR_MESSAGES
    ? errorMessage(refusal.code as ErrorCode, lang, refusal.params)
    : refusal.message;
}

export function useErrorText() {
  const { locale } = useI18n();
  return (error: unknown) => errorText(error, locale.value as Lang);
}

export function useRefusalText() {
  const { locale } = useI18n();
  return (refusal: Refusal) => refusalText(refusal, locale.value as Lang);
}

/**
 * A page's failure, kept as its cause so that it reads in the language chosen
 * now, not the one of the moment it happened.
 */
export function useFailure() {
  const { locale } = useI18n();
  const cause = ref<{ value: unknown } | null>(null);
  const failure = computed(() => {
    if (!cause.value) return '';
    const lang = locale.value as Lang;
    const value = cause.value.value;
    if (typeof value === 'function') return (value as () => string)();
    if (Array.isArray(value)) return (value as Refusal[]).map((r) => refusalText(r, lang)).join('；');
    return errorText(value, lang);
  });
  return {
    failure,
    /** An error, a list of refusals, or `() => t(...)` for the page's own words. */
    fail: (value: unknown) => {
      cause.value = { value };
    },
    clear: () => {
      cause.value = null;
    },
  };
}
