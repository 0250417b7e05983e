// Our forms' rules come from t(), so they change with the language. Element
// Plus validates a whole form when its rules change, which would flag every
// empty field the moment the user switches language; the forms turn that off
// (i18nForm below) and call useRewordOnLanguageSwitch instead, which
// re-words only the messages already on screen.
import type { FormInstance } from 'element-plus';
import { nextTick, watch, type Ref } from 'vue';
import { useI18n } from 'vue-i18n';

export function useRewordOnLanguageSwitch(form: Ref<FormInstance | undefined>): void {
  const { locale } = useI18n();
  watch(locale, async () => {
    await nextTick();
    const shown = (form.value?.fields ?? [])
      .filter((field) => field.validateState === 'error' && field.prop !== undefined)
      .map((field) => field.prop!);
    if (shown.length > 0) await form.value?.validateField(shown).catch(() => undefined);
  });
}

/** What every translated form binds (v-bind): no validation when its rules re-word, labels as wide as the widest. */
export function i18nForm(layout?: 'stacked-form' | 'wizard-form') {
  return { validateOnRuleChange: false, labelWidth: 'auto', ...(layout ? { class: layout } : {}) };
}
