// @vitest-environment jsdom
// The maker's wizard in one composable: draft → preview → sign → submit. The
// bridge is a recording fake, so what is asserted is what the renderer sends
// across its boundary and what it shows the user.
import { mount } from '@vue/test-utils';
import { beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h, reactive } from 'vue';
import type { Instruction, InstructionPreview } from '../../src-shared/api/settlement';
import { useInstructionWizard, type InstructionWizard } from '../../src-renderer/composables/useInstructionWizard';
import { i18n } from '../../src-renderer/i18n';
import { installBridge, refuse } from './fake-bridge';

const SIGN = { slotId: '1', keyId: 'ab01', certSerial: '1F2E', pin: '123456' };

function previewOf(serial: string, amount: number, refusals: InstructionPreview['refusals'] = []): InstructionPreview {
  return {
    kind: 'deposit',
    serial,
    challenge: 'c',
    issuedAt: '2026-11-30T10:00:00Z',
    fields: { serial, market: 'EXCH01', memberCode: 'EX1002', amount },
    refusals,
    needsReview: true,
  };
}

function instructionOf(serial: string): Instruction {
  return { serial, kind: 'deposit', state: 'pending' } as unknown as Instruction;
}

/** A host page: the draft is its own, as in the views; the wizard is the composable under test. */
function host() {
  let wizard!: InstructionWizard<'deposit'>;
  const draft = reactive({ contractId: 7, amount: 100_000 });
  const wrapper = mount(
    defineComponent({
      setup() {
        wizard = useInstructionWizard('deposit');
        return () => h('div', [h('span', { class: 'failure' }, wizard.failure.value)]);
      },
    }),
    { global: { plugins: [i18n] } },
  );
  return { wrapper, wizard, draft };
}

describe('useInstructionWizard', () => {
  beforeEach(() => {
    i18n.global.locale.value = 'zh-CN';
  });

  it('previews the draft with its kind, then submits the serial of that preview signed', async () => {
    const bridge = installBridge({
      'instructions.preview': previewOf('2026113000000001', 100_000),
      'instructions.submit': (arg: unknown) => instructionOf((arg as { serial: string }).serial),
    });
    const { wizard, draft } = host();
    expect(wizard.stage.value).toBe('draft');

    expect(await wizard.toConfirm(draft)).toBe(true);
    expect(wizard.stage.value).toBe('confirm');
    expect(wizard.preview.value?.fields.amount).toBe(100_000);

    await wizard.submit(SIGN);
    expect(bridge.calls).toEqual([
      { method: 'instructions.preview', arg: { draft: { kind: 'deposit', contractId: 7, amount: 100_000 } } },
      { method: 'instructions.submit', arg: { serial: '2026113000000001', sign: SIGN } },
    ]);
    expect(wizard.stage.value).toBe('result');
    expect(wizard.result.value?.serial).toBe('2026113000000001');
  });

  it("keeps the draft after a refused preview and shows the field's error; the corrected draft's serial is the one signed", async () => {
    let previews = 0;
    const bridge = installBridge({
      'instructions.preview': () =>
        ++previews === 1
          ? refuse({
              code: 'VALIDATION',
              message: '输入有误',
              fields: [{ field: 'amount', rule: 'RULE_MAX', message: '金额超过单笔上限' }],
            })
          : previewOf('2026113000000002', 50_000),
      'instructions.submit': (arg: unknown) => instructionOf((arg as { serial: string }).serial),
    });
    const { wrapper, wizard, draft } = host();

    expect(await wizard.toConfirm(draft)).toBe(false);
    await wrapper.vm.$nextTick();
    expect(wizard.stage.value).toBe('draft');
    expect(wizard.preview.value).toBeNull();
    expect(draft).toEqual({ contractId: 7, amount: 100_000 });
    expect(wrapper.find('.failure').text()).toBe('金额超过单笔上限');

    draft.amount = 50_000;
    expect(await wizard.toConfirm(draft)).toBe(true);
    await wrapper.vm.$nextTick();
    expect(wrapper.find('.failure').text()).toBe('');
    await wizard.submit(SIGN);
    expect(bridge.calls.at(-1)).toEqual({
      method: 'instructions.submit',
      arg: { serial: '2026113000000002', sign: SIGN },
    });
  });

  it("stays at the draft when the preview carries the service's refusals, worded in the current language", async () => {
    const bridge = installBridge({
      'instructions.preview': previewOf('2026113000000003', 100_000, [
        { code: 'MARKET_NOT_SIGNED_IN', message: 'x', params: { market: 'EXCH01' } },
      ]),
    });
    const { wrapper, wizard, draft } = host();
    expect(await wizard.toConfirm(draft)).toBe(false);
    expect(wizard.stage.value).toBe('draft');
    await wrapper.vm.$nextTick();
    expect(wrapper.find('.failure').text()).toContain('今日尚未签到');
    i18n.global.locale.value = 'en';
    await wrapper.vm.$nextTick();
    expect(wrapper.find('.failure').text()).not.toContain('今日尚未签到');
    expect(wrapper.find('.failure').text()).toContain('EXCH01');
    // nothing was submitted
    expect(bridge.methods()).toEqual(['instructions.preview']);
  });

  it('a refused submit throws (the PIN dialog stays open to say why) and leaves the confirmation as it was', async () => {
    installBridge({
      'instructions.preview': previewOf('2026113000000004', 100_000),
      'instructions.submit': refuse({ code: 'TOKEN_PIN_INCORRECT', message: 'PIN' }),
    });
    const { wizard, draft } = host();
    await wizard.toConfirm(draft);
    await expect(wizard.submit(SIGN)).rejects.toMatchObject({ code: 'TOKEN_PIN_INCORRECT' });
    expect(wizard.stage.value).toBe('confirm');
    expect(wizard.result.value).toBeNull();
    expect(wizard.preview.value?.serial).toBe('2026113000000004');
  });
});
