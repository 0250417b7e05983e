// The owner's member accounts (one per signed market; the service resolves
// the enterprise or the member from the session), loaded when the page opens
// and again after an operation changes them.
import { onMounted, ref } from 'vue';
import type { MemberAccount } from '../../src-shared/api/settlement';
import { accountsApi } from '../api/domains';

export function useMemberAccounts(fail: (error: unknown) => void, options: { includeCancelled?: boolean } = {}) {
  const accounts = ref<MemberAccount[]>([]);
  const loading = ref(true);

  async function load() {
    loading.value = true;
    try {
      accounts.value = await accountsApi.list({ status: options.includeCancelled ? 'all' : 'active' });
    } catch (error) {
      fail(error);
    } finally {
      loading.value = false;
    }
  }
  onMounted(load);
  return { accounts, loading, load };
}
