// @vitest-environment jsdom
// The password change of both systems: the same three fields and the same
// rules, worded in the user's language — the policy, a new password equal to
// the current one, two new passwords that differ — and a valid change passes.
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus, { type FormItemRule } from 'element-plus';
import { afterEach, describe, expect, it } from 'vitest';
import { defineComponent, reactive } from 'vue';
import PasswordChangeForm from '../../src-renderer/components/PasswordChangeForm.vue';
import { usePasswordChangeRules, type PasswordChange } from '../../src-renderer/composables/usePasswordChangeRules';
import { i18n } from '../../src-renderer/i18n';

/** Each field's first refusal under the rules, as the form would show it ('' when it passes). */
function refusals(values: PasswordChange): Record<keyof PasswordChange, string> {
  const form = reactive(values);
  let rules: Record<string, FormItemRule[]> = {};
  mount(
    defineComponent({
      setup() {
        rules = usePasswordChangeRules(form).value as Record<string, FormItemRule[]>;
        return () => null;
      },
    }),
    { global: { plugins: [i18n] } },
  ).unmount();
  const first = (field: keyof PasswordChange): string => {
    for (const rule of rules[field]!) {
      const value = form[field];
      if (rule.required && !value) return String(rule.message);
      let said = '';
      rule.validator?.(
        rule,
        value,
        (error?: string | Error) => (said = error ? String((error as Error).message) : ''),
        {},
        {},
      );
      if (said) return said;
    }
    return '';
  };
  return {
    oldPassword: first('oldPassword'),
    newPassword: first('newPassword'),
    confirmPassword: first('confirmPassword'),
  };
}

afterEach(() => {
  i18n.global.locale.value = 'zh-CN';
  document.body.innerHTML = '';
});

describe('the password change form', () => {
  it('shows the current password, the new one twice and the policy, in both languages', async () => {
    const form = reactive({ oldPassword: '', newPassword: '', confirmPassword: '' });
    for (const [lang, words] of [
      ['zh-CN', ['原密码', '新密码', '确认新密码']],
      ['en', ['Current password', 'New password', 'Confirm new password']],
    ] as const) {
      i18n.global.locale.value = lang;
      const wrapper = mount(PasswordChangeForm, {
        props: { modelValue: form, layout: 'wizard-form', testid: 'pw' },
        global: { plugins: [ElementPlus, i18n] },
        attachTo: document.body,
      });
      await flushPromises();
      expect(wrapper.findAll('input[type="password"]').map((i) => i.attributes('name'))).toEqual([
        'oldPassword',
        'newPassword',
        'confirmPassword',
      ]);
      expect(wrapper.findAll('.el-form-item__label').map((l) => l.text())).toEqual(words);
      expect(wrapper.get('.form-hint').text()).toMatch(/8/);
      wrapper.unmount();
    }
  });

  it('passes a new password that keeps the policy, typed twice', () => {
    expect(
      refusals({ oldPassword: 'Old2026pass', newPassword: 'New2026pass', confirmPassword: 'New2026pass' }),
    ).toEqual({ oldPassword: '', newPassword: '', confirmPassword: '' });
  });

  it('refuses the current password again and two new ones that differ, in Chinese', () => {
    expect(
      refusals({ oldPassword: 'Same2026x', newPassword: 'Same2026x', confirmPassword: 'Same2026x' }).newPassword,
    ).toBe('新密码不能与原密码相同');
    expect(
      refusals({ oldPassword: 'Old2026pass', newPassword: 'New2026pass', confirmPassword: 'New2026pas' })
        .confirmPassword,
    ).toBe('两次输入的新密码不一致');
  });

  it('words the policy and the missing fields in English', () => {
    i18n.global.locale.value = 'en';
    const said = refusals({ oldPassword: '', newPassword: 'short', confirmPassword: '' });
    expect(said.oldPassword).toMatch(/Current password/);
    expect(said.newPassword).toMatch(/8.*20/);
    expect(said.confirmPassword).toMatch(/Confirm new password/);
    expect(Object.values(said).join(' ')).not.toMatch(/[\u4e00-\u9fff]/);
  });
});
