import { ref, type Ref } from 'vue';
import { useFailure } from './useErrorText';
// A list asked twice in quick succession (a card clicked while the page's
// first load is still on its way) can hear the answers out of order; only the
// answer to the last question may fill it, or the older one overwrites it.
export function useLatestAnswer() {
  let asked = 0;
  /** Marks a new question; the returned check says whether it is still the last one asked. */
  return function ask(): () => boolean {
    const mine = ++asked;
    return () => mine === asked;
  };
}

/**
 * A list a page loads again and again (a date or a filter changed): only the
 * last question's answer fills it, and its failure reads in the current language.
 */
export function useLatestList<T>(fetch: () => Promise<T[]>) {
  const items = ref([]) as Ref<T[]>;
  const loading = ref(false);
  const { failure, fail, clear } = useFailure();
  const ask = useLatestAnswer();
  async function load(): Promise<void> {
    const isLast = ask();
    clear();
    loading.value = true;
    try {
      const found = await fetch();
      if (isLast()) items.value = found;
    } catch (error) {
      if (isLast()) fail(error);
    } finally {
      if (isLast()) loading.value = false;
    }
  }
  return { items, loading, failure, fail, clear, load };
}
