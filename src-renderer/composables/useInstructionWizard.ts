// The maker's side of every corporate instruction, once: the view's draft →
// the service's preview (its reading of the draft, a reserved serial, the
// refusals it knows now) → signed with the chosen certificate and PIN →
// submitted by that serial → the result. What each wizard asks for before the
// draft (an account, a market, a tree of menus) stays in its view.
import { ref } from 'vue';
import type {
  Instruction,
  InstructionDraft,
  InstructionKind,
  InstructionPreview,
} from '../../src-shared/api/settlement';
import type { SignWith } from '../../src-shared/token';
import { instructionsApi } from '../api/domains';
import { useFailure } from './useErrorText';

/** The draft of one kind, without the kind the wizard already knows. */
export type DraftOf<K extends InstructionKind> = Omit<Extract<InstructionDraft, { kind: K }>, 'kind'>;

/** draft: the view's own steps; confirm: the preview is shown and signed; result: submitted. */
export type WizardStage = 'draft' | 'confirm' | 'result';

export function useInstructionWizard<K extends InstructionKind>(kind: K) {
  const stage = ref<WizardStage>('draft');
  const preview = ref<InstructionPreview | null>(null);
  const result = ref<Instruction | null>(null);
  /** The serial this draft's first preview reserved: kept through 上一步 and 下一步 until it is submitted. */
  const reserved = ref<string | null>(null);
  const busy = ref(false);
  /** The certificate and PIN dialog is open. */
  const signing = ref(false);
  const { failure, fail, clear } = useFailure();

  /**
   * Has the service read the draft. A refusal (in the preview or thrown, a
   * field's rule among them) leaves the stage at the draft, so the user
   * corrects what they typed rather than typing it again.
   */
  async function toConfirm(draft: DraftOf<K>): Promise<boolean> {
    if (busy.value) return false;
    clear();
    busy.value = true;
    try {
      // TypeScript cannot see that a draft of K plus the kind K is a draft of K
      const full = { ...draft, kind } as unknown as InstructionDraft;
      const next = await instructionsApi.preview({
        draft: full,
        ...(reserved.value === null ? {} : { serial: reserved.value }),
      });
      reserved.value = next.serial;
      if (next.refusals.length) {
        preview.value = null;
        fail(next.refusals);
        return false;
      }
      preview.value = next;
      stage.value = 'confirm';
      return true;
    } catch (error) {
      preview.value = null;
      fail(error);
      return false;
    } finally {
      busy.value = false;
    }
  }

  /**
   * Signs and submits what was previewed — by its serial, so the service
   * checks the signature against the very fields the user confirmed. Throws
   * on refusal: the sign dialog stays open and says why.
   */
  async function submit(sign: SignWith): Promise<Instruction> {
    if (!preview.value) throw new Error('submit before preview');
    const done = await instructionsApi.submit({ serial: preview.value.serial, sign });
    result.value = done;
    stage.value = 'result';
    return done;
  }

  /** From the confirmation back to the draft, which is kept. */
  function back() {
    if (stage.value === 'confirm') stage.value = 'draft';
  }

  /** 再办一笔: a new draft, nothing of the last instruction left. */
  function restart() {
    stage.value = 'draft';
    preview.value = null;
    result.value = null;
    reserved.value = null;
    signing.value = false;
    clear();
  }

  return {
    /** The strategy WizardShell reads: an operator signs, a reviewer approves. */
    party: 'maker-checker' as const,
    kind,
    stage,
    preview,
    result,
    busy,
    signing,
    failure,
    fail,
    clear,
    toConfirm,
    submit,
    back,
    restart,
  };
}

export type InstructionWizard<K extends InstructionKind = InstructionKind> = ReturnType<typeof useInstructionWizard<K>>;
