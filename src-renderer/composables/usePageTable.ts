// One small paged-table state: query, loading, items, total, page — and errors.
import { reactive, ref, type Ref } from 'vue';
import { useErrorText } from './useErrorText';

export function usePageTable<T, Q extends object>(
  fetch: (query: Q & { page: number; pageSize: number }) => Promise<{ items: T[]; total: number }>,
  initialQuery: Q,
  pageSize = 20,
) {
  const errorText = useErrorText();
  const query = reactive({ ...initialQuery }) as Q;
  const items = ref([]) as Ref<T[]>;
  const total = ref(0);
  const page = ref(1);
  const loading = ref(false);
  const failure = ref('');

  async function load(toPage = page.value) {
    loading.value = true;
    failure.value = '';
    try {
      const result = await fetch({ ...(query as Q), page: toPage, pageSize });
      items.value = result.items;
      total.value = result.total;
      page.value = toPage;
    } catch (error) {
      failure.value = errorText(error);
      items.value = [];
      total.value = 0;
    } finally {
      loading.value = false;
    }
  }

  function reset() {
    Object.assign(query as object, initialQuery);
    items.value = [];
    total.value = 0;
    page.value = 1;
    failure.value = '';
  }

  return { query, items, total, page, pageSize, loading, failure, load, reset };
}
