// One small paged-table state: query, loading, items, total, page — and errors.
import { reactive, ref, type Ref } from 'vue';
import { useFailure } from './useErrorText';
import { useLatestAnswer } from './useLatestAnswer';

export function usePageTable<T, Q extends object>(
  fetch: (query: Q & { page: number; pageSize: number }) => Promise<{ items: T[]; total: number }>,
  initialQuery: Q,
  pageSize = 20,
) {
  const query = reactive({ ...initialQuery }) as Q;
  const items = ref([]) as Ref<T[]>;
  const total = ref(0);
  const page = ref(1);
  const loading = ref(false);
  const { failure, fail, clear } = useFailure();
  const ask = useLatestAnswer();

  async function load(toPage = page.value) {
    const isLast = ask();
    loading.value = true;
    clear();
    try {
      const result = await fetch({ ...(query as Q), page: toPage, pageSize });
      if (!isLast()) return;
      items.value = result.items;
      total.value = result.total;
      page.value = toPage;
    } catch (error) {
      if (!isLast()) return;
      fail(error);
      items.value = [];
      total.value = 0;
    } finally {
      if (isLast()) loading.value = false;
    }
  }

  function reset() {
    Object.assign(query as object, initialQuery);
    items.value = [];
    total.value = 0;
    page.value = 1;
    clear();
  }

  return { query, items, total, page, pageSize, loading, failure, load, reset };
}
