// Turns anything thrown into a sentence in the current language.
import { useI18n } from 'vue-i18n';
import { AppError, errorMessage, type Lang } from '../../src-shared/errors';

export function errorText(error: unknown, lang: Lang): string {
  if (error instanceof AppError) {
    if (error.code === 'VALIDATION' && error.fields?.length) return error.fields.map((f) => f.message).join('；');
    return errorMessage(error.code, lang, error.params);
  }
  return errorMessage('INTERNAL', lang);
}

export function useErrorText() {
  const { locale } = useI18n();
  return (error: unknown) => errorText(error, locale.value as Lang);
}
