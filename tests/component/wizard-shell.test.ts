// @vitest-environment jsdom
// The one wizard shell and its two strategies: maker-checker (the service's
// preview, the USB-KEY signature, submitted for review) and single party
// (MemberVerify, done at once); and 签约, one page for both systems, picking
// the strategy from the session. The bridge is the recording fake, so what is
// asserted is what crossed it and what the user sees.
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defineComponent, h, ref } from 'vue';
import { createMemoryHistory, createRouter } from 'vue-router';
import type { Profile } from '../../src-shared/api/auth';
import type { MemberOperationCall } from '../../src-shared/ipc/contract';
import WizardShell from '../../src-renderer/components/WizardShell.vue';
import { useInstructionWizard } from '../../src-renderer/composables/useInstructionWizard';
import { useMemberWizard, type WizardStrategy } from '../../src-renderer/composables/useMemberWizard';
import { i18n } from '../../src-renderer/i18n';
import { useSessionStore } from '../../src-renderer/stores/session';
import ContractSignView from '../../src-renderer/views/ContractSignView.vue';
import { DEPOSIT_PREVIEW as PREVIEW, installBridge } from './fake-bridge';

const SIGN = { slotId: '1', keyId: 'ab01', certSerial: '1F2E', pin: '123456' };
const CALL: MemberOperationCall = {
  operation: 'signContract',
  input: { marketId: 1, memberCode: 'B23001', cardId: 5 },
} as MemberOperationCall;
const MARKET = {
  id: 1,
  code: 'EXCH01',
  name: '华东大宗商品交易市场',
  nameEn: 'East China Commodity Exchange',
  signedInToday: true,
  contract: null,
  signPending: false,
};

function plugins() {
  const pinia = createPinia();
  setActivePinia(pinia);
  const router = createRouter({
    history: createMemoryHistory(),
    routes: [{ path: '/', component: { render: () => null } }],
  });
  return { pinia, plugins: [ElementPlus, pinia, router, i18n] };
}

/** The shell in a host page whose draft is one marked block, as the views' are. */
function host<W extends WizardStrategy>(make: () => W, props: (wizard: W) => Record<string, unknown>) {
  let wizard!: W;
  const wrapper = mount(
    defineComponent({
      setup() {
        wizard = make();
        return () =>
          h(
            WizardShell,
            {
              strategy: wizard,
              steps: ['金额', '确认', '结果'],
              testid: 'host',
              header: '确认',
              title: '签名',
              ...props(wizard),
            },
            {
              default: ({ step }: { step: number }) => h('div', { 'data-testid': 'draft', 'data-step': step }),
              confirm: () => h('p', { 'data-testid': 'note' }, 'note'),
            },
          );
      },
    }),
    { global: { plugins: plugins().plugins }, attachTo: document.body },
  );
  return { wrapper, wizard };
}

/** The step el-steps marks as in progress. */
const active = (wrapper: ReturnType<typeof mount>) =>
  wrapper.findAll('.el-step__head').findIndex((head) => head.classes('is-process'));

describe('WizardShell', () => {
  beforeEach(() => {
    i18n.global.locale.value = 'zh-CN';
  });
  afterEach(() => {
    document.body.innerHTML = '';
  });

  it('maker-checker: the draft, then the previewed fields with the USB-KEY step, then the receipt; never a member verification', async () => {
    const bridge = installBridge({
      'instructions.preview': PREVIEW,
      'instructions.submit': {
        ...PREVIEW,
        state: 'pending',
        maker: { displayName: '操作员' },
        createdAt: '2026-11-30',
      },
    });
    const { wrapper, wizard } = host(
      () => useInstructionWizard('deposit'),
      () => ({}),
    );
    await flushPromises();
    expect(wrapper.find('[data-testid="draft"]').attributes('data-step')).toBe('0');
    expect(active(wrapper)).toBe(0);

    expect(await wizard.toConfirm({ contractId: 7, amount: 100_000 })).toBe(true);
    await flushPromises();
    expect(wrapper.find('[data-testid="draft"]').attributes('data-step')).toBe('-1');
    expect(active(wrapper)).toBe(1);
    const step = wrapper.find('[data-testid="instruction-sign-step"]');
    expect(step.isVisible()).toBe(true);
    expect(step.text()).toContain('EX1002');
    expect(step.find('[data-testid="note"]').exists()).toBe(true);

    await wizard.submit(SIGN);
    await flushPromises();
    expect(active(wrapper)).toBe(2);
    expect(wrapper.find('[data-testid="instruction-result"]').attributes('data-state')).toBe('pending');
    expect(wrapper.find('[data-testid="member-verify"]').exists()).toBe(false);
    expect(bridge.methods()).toEqual(['instructions.preview', 'instructions.submit']);
  });

  it('single party: no preview; the page may hold back the verification, then MemberVerify prepares the very call', async () => {
    const bridge = installBridge({
      'member.prepare': { method: 'usbkey', fields: { serial: '1', operation: 'signContract', memberCode: 'B23001' } },
    });
    const agreed = ref(false);
    const { wrapper, wizard } = host(
      () => useMemberWizard(),
      () => ({ ready: () => agreed.value, confirmTestid: 'wizard-next' }),
    );
    wizard.toConfirm(CALL);
    await flushPromises();
    expect(active(wrapper)).toBe(1);
    expect(wrapper.find('[data-testid="instruction-sign-step"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="note"]').exists()).toBe(true);

    await wrapper.find('[data-testid="wizard-next"]').trigger('click');
    await flushPromises();
    expect(wizard.verifying.value).toBe(false);
    expect(bridge.calls).toEqual([]);

    agreed.value = true;
    await wrapper.find('[data-testid="wizard-next"]').trigger('click');
    await flushPromises();
    expect(wizard.verifying.value).toBe(true);
    expect(bridge.calls).toEqual([{ method: 'member.prepare', arg: CALL }]);

    wizard.done({ serial: '2026113000000009', virtualAccountNo: '9001' } as never);
    await wrapper.setProps({});
    await flushPromises();
    expect(active(wrapper)).toBe(2);
    expect(wrapper.find('[data-testid="member-result"]').attributes('data-serial')).toBe('2026113000000009');
    expect(wrapper.find('[data-testid="instruction-result"]').exists()).toBe(false);
  });
});

describe('签约, one page for both systems', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  async function open(system: 'ebank' | 'member') {
    const bridge = installBridge({ 'accounts.markets': [MARKET], 'ebank.accounts': [] });
    const { pinia, plugins: list } = plugins();
    useSessionStore(pinia).profile = { system } as Profile;
    const wrapper = mount(ContractSignView, { global: { plugins: list }, attachTo: document.body });
    await flushPromises();
    return { wrapper, bridge };
  }

  it('an enterprise gets the maker-checker strategy: its settlement accounts, the review-bound steps', async () => {
    const { wrapper, bridge } = await open('ebank');
    expect(wrapper.find('[data-testid="contract-sign"]').exists()).toBe(true);
    expect(bridge.methods()).toEqual(expect.arrayContaining(['accounts.markets', 'ebank.accounts']));
    expect(wrapper.find('[data-testid="instruction-sign-step"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="sign-form"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="market-table"]').text()).toContain('华东大宗商品交易市场');
    expect(wrapper.findAll('.el-step__title')[2].text()).toBe(i18n.global.t('contractSign.steps.confirm'));
  });

  it('a member gets the single-party strategy: no settlement accounts, no instruction to sign', async () => {
    const { wrapper, bridge } = await open('member');
    expect(wrapper.find('[data-testid="m-sign"]').exists()).toBe(true);
    expect(bridge.methods()).toEqual(['accounts.markets']);
    expect(wrapper.find('[data-testid="instruction-sign-step"]').exists()).toBe(false);
    expect(wrapper.find('[data-testid="m-sign-form"]').exists()).toBe(true);
    expect(wrapper.findAll('.el-step__title')[2].text()).toBe(i18n.global.t('mSign.steps.agreement'));
  });
});
