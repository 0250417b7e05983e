// Keyboard operation of wizards: Enter advances, Esc goes back — unless a dialog
// is open (it handles its own keys) or the focus is in a text area.
import { onBeforeUnmount, onMounted } from 'vue';

const CONTROLS_WITH_THEIR_OWN_ENTER =
  'button, a[href], select, [role="button"], [role="combobox"], [role="tab"], [role="switch"], [role="menuitem"], [role="option"]';

export function useWizardKeys(handlers: { next?: () => void; back?: () => void }) {
  const onKey = (event: KeyboardEvent) => {
    // closed dialogs stay in the DOM, hidden: only a shown one takes the keys
    const overlays = document.querySelectorAll('.el-overlay, .el-message-box__wrapper');
    if ([...overlays].some((el) => el.getClientRects().length > 0)) return;
    // a key sent to the window itself has no element as its target
    const target = event.target instanceof Element ? event.target : null;
    if (target?.tagName === 'TEXTAREA') return;
    // a focused button, link, select or tab does what Enter means to it (上一步 goes back), not the wizard's next
    if (event.key === 'Enter' && target?.closest(CONTROLS_WITH_THEIR_OWN_ENTER)) return;
    // Esc in an open drop-down closes the drop-down only
    if (event.key === 'Escape' && target?.closest('[aria-expanded="true"]')) return;
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
