// Keyboard operation of wizards: Enter advances, Esc goes back — unless a dialog
// is open (it handles its own keys) or the focus is in a text area.
import { onBeforeUnmount, onMounted } from 'vue';

export function useWizardKeys(handlers: { next?: () => void; back?: () => void }) {
  const onKey = (event: KeyboardEvent) => {
    if (document.querySelector('.el-overlay-dialog, .el-message-box__wrapper')) return;
    const target = event.target as HTMLElement | null;
    if (target?.tagName === 'TEXTAREA') return;
    if (event.key === 'Enter' && handlers.next) {
      event.preventDefault();
      handlers.next();
    } else if (event.key === 'Escape' && handlers.back) {
      event.preventDefault();
      handlers.back();
    }
  };
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
