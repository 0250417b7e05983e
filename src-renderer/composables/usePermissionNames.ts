// A permission code (ebank.settle.deposit) as the user reads it: the i18n key
// replaces dots, which vue-i18n would take as nesting.
import { useI18n } from 'vue-i18n';

export function usePermissionNames() {
  const { t } = useI18n();
  const name = (code: string) => t(`perm.${code.replace(/\./g, '_')}`);
  const list = (codes: readonly string[]) => codes.map(name).join(t('common.listSeparator')) || t('fields.none');
  return { name, list };
}
