// el-tree's checkboxes carry no name: the node's label is beside the input,
// not in a <label> around it, and the indeterminate state is put on the
// <label> as aria-checked, which a <label> may not have. Each input is named
// by its node's label, in the current language; the native indeterminate
// state already reads as "mixed".
import { onBeforeUnmount, onMounted, type Ref } from 'vue';

function nameCheckboxes(root: HTMLElement) {
  for (const row of root.querySelectorAll<HTMLElement>('.el-tree-node__content')) {
    const input = row.querySelector<HTMLInputElement>('input.el-checkbox__original');
    const label = row.querySelector('.el-tree-node__label')?.textContent?.trim();
    if (input && label && input.getAttribute('aria-label') !== label) input.setAttribute('aria-label', label);
  }
  for (const box of root.querySelectorAll('label.el-checkbox[aria-checked]')) box.removeAttribute('aria-checked');
}

/** Keeps the checkboxes of the tree inside `root` named while it redraws (ticks, language). */
export function useTreeCheckboxNames(root: Ref<HTMLElement | null>) {
  let observer: MutationObserver | null = null;
  onMounted(() => {
    const el = root.value;
    if (!el) return;
    nameCheckboxes(el);
    observer = new MutationObserver(() => nameCheckboxes(el));
    observer.observe(el, { subtree: true, childList: true, characterData: true, attributeFilter: ['aria-checked'] });
  });
  onBeforeUnmount(() => observer?.disconnect());
}
