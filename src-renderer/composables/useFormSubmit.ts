// The submit of every form: validate, run, show the refusal in the user's
// language, and never let a double click submit twice.
import type { FormInstance } from 'element-plus';
import { ref, type Ref } from 'vue';
import { useFailure } from './useErrorText';

export function useFormSubmit(formRef: Ref<FormInstance | undefined>, action: () => Promise<void>) {
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
