// Prints the receipt on screen: Electron makes a PDF and asks where to save it;
// the browser shell opens the browser's print dialog.
import { ElMessage } from 'element-plus';
import { useI18n } from 'vue-i18n';
import { filesApi } from '../api/domains';
import { useErrorText } from './useErrorText';

export function usePrint() {
  const { t } = useI18n();
  const errorText = useErrorText();
  return async (title: string) => {
    try {
      const result = await filesApi.print({ title });
      if ('browserPrint' in result) window.print();
      else if ('saved' in result) ElMessage.success(t('export.saved', { path: result.saved }));
    } catch (error) {
      ElMessage.error(errorText(error));
    }
  };
}
