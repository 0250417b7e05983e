// @vitest-environment jsdom
// The one confirm-and-sign step of the corporate wizards: it lists the user's
// own certificates, wants a PIN, hands the chosen certificate to the wizard's
// submit, and keeps the PIN dialog open to show a refusal.
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { createPinia } from 'pinia';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AppError } from '../../src-shared/errors';
import type { SignWith, TokenCertificate } from '../../src-shared/token';
import InstructionSignStep from '../../src-renderer/components/InstructionSignStep.vue';
import { i18n } from '../../src-renderer/i18n';
import { DEPOSIT_PREVIEW as PREVIEW, installBridge } from './fake-bridge';

function cert(slotId: string, keyId: string, serial: string, name: string): TokenCertificate {
  return {
    slotId,
    keyId,
    label: name,
    serial,
    subjectCommonName: name,
    subjectOrganization: '示范贸易有限公司',
    issuer: 'SettleKey CA',
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2028-01-01T00:00:00Z',
    keyType: 'rsa',
    paired: true,
  } as TokenCertificate;
}

const token = (slotId: string, label: string) => ({
  slotId,
  kind: 'pkcs11',
  label,
  serial: slotId,
  manufacturer: 'SoftHSM',
  model: 'v2',
  pinState: 'ok',
});

function setUp(submit: (sign: SignWith) => Promise<unknown>, lang: 'zh-CN' | 'en' = 'zh-CN') {
  i18n.global.locale.value = lang;
  const bridge = installBridge({
    'token.status': {
      module: { path: null, source: 'known-path', loaded: true, error: null },
      fileCertificates: false,
      tokens: [token('1', 'KEY-A'), token('2', 'KEY-B')],
      restartedAt: null,
    },
    'token.certificates': [
      cert('1', 'a1', 'AA01', 'trade.operator'),
      cert('2', 'b2', 'BB02', 'trade.operator (new)'),
      cert('2', 'c3', 'CC03', 'someone.else'),
    ],
    // the user's own activated certificates: the third one is not theirs
    'certificates.mine': [
      { serial: 'AA01', status: 'activated' },
      { serial: 'BB02', status: 'activated' },
      { serial: 'CC03', status: 'revoked' },
    ],
  });
  const wrapper = mount(InstructionSignStep, {
    props: {
      header: '确认入金',
      preview: PREVIEW,
      kind: 'deposit',
      signTitle: '入金',
      signSummary: '入金 ¥1,000.00',
      submit,
    },
    global: { plugins: [ElementPlus, createPinia(), i18n] },
    attachTo: document.body,
  });
  return { wrapper, bridge };
}

/** The dialog is teleported to the body. */
const dialog = () => document.body.querySelector<HTMLElement>('[data-testid="sign-dialog"]');
const pinInput = () => {
  const el = document.body.querySelector<HTMLElement>('[data-testid="pin-input"]')!;
  return (el instanceof HTMLInputElement ? el : el.querySelector('input'))!;
};
const submitButton = () => document.body.querySelector<HTMLButtonElement>('[data-testid="sign-submit"]')!;

async function open(wrapper: ReturnType<typeof setUp>['wrapper']) {
  await wrapper.find('[data-testid="wizard-confirm"]').trigger('click');
  await flushPromises();
  await flushPromises();
}

async function typePin(pin: string) {
  const input = pinInput();
  input.value = pin;
  input.dispatchEvent(new Event('input'));
  await flushPromises();
}

describe('InstructionSignStep', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('shows the previewed fields, then lists only the user’s own certificates', async () => {
    const { wrapper, bridge } = setUp(vi.fn());
    expect(wrapper.find('[data-testid="instruction-fields"]').text()).toContain('EX1002');
    expect(wrapper.find('[data-testid="instruction-fields"]').text()).toContain('壹仟元整');
    expect(dialog()).toBeNull();
    await open(wrapper);
    expect(bridge.methods()).toEqual(
      expect.arrayContaining(['token.status', 'token.certificates', 'certificates.mine']),
    );
    const picker = document.body.querySelector('[data-testid="certificate-picker"]')!;
    expect(picker.querySelectorAll('input[type="radio"]')).toHaveLength(2);
    expect(picker.textContent).toContain('AA01');
    expect(picker.textContent).toContain('BB02');
    expect(picker.textContent).not.toContain('CC03');
    expect(dialog()!.textContent).toContain('入金 ¥1,000.00');
  });

  it('needs a PIN, then submits with the chosen certificate and closes', async () => {
    const submit = vi.fn(async (_: SignWith) => undefined);
    const { wrapper } = setUp(submit);
    await open(wrapper);
    expect(submitButton().disabled).toBe(true);
    submitButton().click();
    await flushPromises();
    expect(submit).not.toHaveBeenCalled();

    // the second certificate
    const radios = document.body.querySelectorAll<HTMLInputElement>('[data-testid="certificate-picker"] input');
    radios[1].checked = true;
    radios[1].dispatchEvent(new Event('change'));
    await typePin('654321');
    expect(submitButton().disabled).toBe(false);
    submitButton().click();
    await flushPromises();

    expect(submit).toHaveBeenCalledTimes(1);
    expect(submit).toHaveBeenCalledWith({ slotId: '2', keyId: 'b2', certSerial: 'BB02', pin: '654321' });
    expect(wrapper.emitted('update:signing')?.at(-1)).toEqual([false]);
  });

  it('shows the refusal in the dialog, keeps it open and clears the PIN', async () => {
    const submit = vi.fn(async () => {
      throw new AppError('TOKEN_PIN_INCORRECT');
    });
    const { wrapper } = setUp(submit, 'en');
    await open(wrapper);
    await typePin('000000');
    submitButton().click();
    await flushPromises();
    expect(submit).toHaveBeenCalledTimes(1);
    const error = document.body.querySelector('[data-testid="sign-error"]');
    expect(error?.textContent).toMatch(/PIN/i);
    expect(error?.textContent).not.toContain('密码');
    expect(wrapper.emitted('update:signing')?.some(([open]) => open === false)).toBeFalsy();
    expect(pinInput().value).toBe('');
  });

  it('asks for the agreement to be read before the PIN when the instruction has one', async () => {
    const { wrapper } = setUp(vi.fn());
    await wrapper.setProps({ agreement: 'settlementService' });
    await open(wrapper);
    expect(wrapper.emitted('update:signing')).toBeUndefined();
    const agreement = wrapper.find('[data-testid="agreement-dialog"]');
    expect(agreement.exists()).toBe(true);
    expect(agreement.text()).toContain('银商结算通服务使用协议');
    // (jsdom lays nothing out, so the text counts as read to the end)
    await agreement.find('[data-testid="agreement-agree"]').trigger('click');
    expect(wrapper.emitted('update:signing')?.at(-1)).toEqual([true]);
  });

  it('cannot be confirmed without a preview', async () => {
    const { wrapper } = setUp(vi.fn());
    await wrapper.setProps({ preview: null });
    expect(wrapper.find('[data-testid="wizard-confirm"]').attributes('disabled')).toBeDefined();
    await open(wrapper);
    expect(dialog()).toBeNull();
  });
});
