// Every code of an i18n group (txn.deposit → 入金 …) with its words: exported
// files show what the page shows, not the service's codes.
import { useI18n } from 'vue-i18n';

export function useCodeLabels() {
  const { t, tm } = useI18n();
  return (group: string): Record<string, string> =>
    Object.fromEntries(Object.keys(tm(group) as Record<string, unknown>).map((code) => [code, t(`${group}.${code}`)]));
}
