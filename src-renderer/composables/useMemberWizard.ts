// The single party's side of a wizard, beside useInstructionWizard's maker and
// checker: the member's draft becomes an operation call at once (nothing is
// previewed, nobody reviews), MemberVerify has it verified as the service asks
// (SMS code or USB-KEY) and performed, and its result ends the wizard.
import { ref } from 'vue';
import type { OperationResult } from '../../src-shared/api/members';
import type { OtpAnswer } from '../../src-shared/api/registration';
import type { MemberOperationCall } from '../../src-shared/ipc/contract';
import { memberApi } from '../api/domains';
import { useFailure } from './useErrorText';
import type { InstructionWizard, WizardStage } from './useInstructionWizard';

export function useMemberWizard() {
  const stage = ref<WizardStage>('draft');
  const call = ref<MemberOperationCall | null>(null);
  const result = ref<OperationResult | null>(null);
  /** The SMS code typed on the form, where the manual asks for it (an individual's 签约). */
  const otp = ref<OtpAnswer | null>(null);
  const performing = ref(false);
  /** The verification dialog is open. */
  const verifying = ref(false);
  const { failure, fail, clear } = useFailure();

  /** The page checked its draft: what will be verified is now fixed. */
  function toConfirm(next: MemberOperationCall, code: OtpAnswer | null = null) {
    clear();
    call.value = next;
    otp.value = code;
    stage.value = 'confirm';
  }

  /** Performs with the code the form took; a wrong or spent code sends the member back to the form for a new one. */
  async function performWithCode() {
    if (!call.value || !otp.value || performing.value) return;
    clear();
    performing.value = true;
    try {
      done(await memberApi.perform({ call: call.value, otp: otp.value }));
    } catch (error) {
      fail(error);
    } finally {
      performing.value = false;
    }
  }

  function done(performed: OperationResult) {
    result.value = performed;
    stage.value = 'result';
  }

  function back() {
    clear();
    if (stage.value === 'confirm') stage.value = 'draft';
  }

  function restart() {
    stage.value = 'draft';
    call.value = null;
    otp.value = null;
    result.value = null;
    verifying.value = false;
    clear();
  }

  return {
    /** The strategy WizardShell reads: the member alone verifies, and it is done. */
    party: 'single' as const,
    stage,
    call,
    result,
    verifying,
    otp,
    performing,
    performWithCode,
    failure,
    fail,
    clear,
    toConfirm,
    done,
    back,
    restart,
  };
}

export type MemberWizard = ReturnType<typeof useMemberWizard>;

/**
 * What WizardShell needs of either strategy. The instruction wizard's
 * `toConfirm` is left out: its draft type depends on the kind, and only the
 * page that builds the draft calls it.
 */
export type WizardStrategy = Omit<InstructionWizard, 'toConfirm'> | MemberWizard;
