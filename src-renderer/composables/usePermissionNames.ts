// A permission code (ebank.settle.deposit) as the user reads it: the i18n key
// replaces dots, which vue-i18n would take as nesting.
import { useI18n } from 'vue-i18n';
import { inManualOrder } from '../../src-shared/menu';

export function usePermissionNames() {
  const { t } = useI18n();
  const name = (code: string) => t(`perm.${code.replace(/\./g, '_')}`);
  /** Names in the manual's order, whatever order the codes came in. */
  const list = (codes: readonly string[]) =>
    inManualOrder(codes).map(name).join(t('common.listSeparator')) || t('fields.none');
  return { name, list };
}
