// Keyboard operation of wizards: Enter advances, Esc goes back — unless a dialog
// is open (it handles its own keys) or the focus is in a text area.
import { onBeforeUnmount, onMounted } from 'vue';

export function useWizardKeys(handlers: { next?: () => void; back?: () => void }) {
  const onKey = (event: KeyboardEvent) => {
    // closed dialogs stay in the DOM, hidden: only a shown one takes the keys
    const overlays = document.querySelectorAll('.el-overlay, .el-message-box__wrapper');
    if ([...overlays].some((el) => el.getClientRects().length > 0)) return;
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
