// The submit of every form: validate, run, show the refusal in the user's
// language, and never let a double click submit twice.
import { ref, type Ref } from 'vue';
import { useFailure } from './useErrorText';

/** The form, or a component that validates its own (an element-plus FormInstance is one). */
type Validating = { validate(): Promise<unknown> };

export function useFormSubmit(formRef: Ref<Validating | undefined>, action: () => Promise<void>) {
  const submitting = ref(false);
  const { failure, fail, clear } = useFailure();

  async function submit() {
    if (submitting.value) return;
    clear();
    if (formRef.value && !(await formRef.value.validate().catch(() => false))) return;
    submitting.value = true;
    try {
      await action();
    } catch (error) {
      fail(error);
    } finally {
      submitting.value = false;
    }
  }

  return { submitting, failure, submit, clearFailure: clear };
}
