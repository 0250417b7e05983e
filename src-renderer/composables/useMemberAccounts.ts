// The member's sub-accounts (one per signed market), loaded when the page
// opens and again after an operation changes them.
import { onMounted, ref } from 'vue';
import type { MemberAccount } from '../../src-shared/api/settlement';
import { call } from '../api/bridge';

export function useMemberAccounts(fail: (error: unknown) => void, options: { includeCancelled?: boolean } = {}) {
  const accounts = ref<MemberAccount[]>([]);
  const loading = ref(true);

  async function load() {
    loading.value = true;
    try {
      accounts.value = await call('accounts.list', options.includeCancelled ? { status: 'all' } : undefined);
    } catch (error) {
      fail(error);
    } finally {
      loading.value = false;
    }
  }
  onMounted(load);
  return { accounts, loading, load };
}
