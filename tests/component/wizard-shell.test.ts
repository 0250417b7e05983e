// @vitest-environment jsdom
// The one wizard shell and its two strategies: maker-checker (the service's
// preview, the USB-KEY signature, submitted for review) and single party
// (MemberVerify, done at once); and 签约 and 解约, each one page for both systems, picking
// the strategy from the session. The bridge is the recording fake, so what is
// asserted is what crossed it and what the user sees.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
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
import ContractCancelView from '../../src-renderer/views/ContractCancelView.vue';
import ContractSignView from '../../src-renderer/views/ContractSignView.vue';
import { DEPOSIT_PREVIEW as PREVIEW, installBridge } from './fake-bridge';

// a page left mounted would still take the keys Enter and Esc on the window
enableAutoUnmount(afterEach);

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
    // the result's receipt asks the bank to sign it
    expect(bridge.methods()).toEqual(['instructions.preview', 'instructions.submit', 'receipts.issue']);
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

describe('解约, one page for both systems', () => {
  afterEach(() => {
    document.body.innerHTML = '';
  });

  const ACCOUNT = {
    contractId: 7,
    market: { ...MARKET, requiresTradeReview: false, summaryAccount: { number: '1', name: 'x', branch: 'y' } },
    memberCode: 'EX1002',
    detailAccountNo: '3100000000000007',
    balance: 5000,
    status: 'active',
  };
  const REFUSED = {
    ok: false,
    refusals: [{ code: 'CANCEL_BALANCE_NOT_ZERO', message: 'balance', params: { balance: 5000 } }],
  };
  const CANCEL_PREVIEW = {
    ...PREVIEW,
    kind: 'cancel',
    fields: { serial: PREVIEW.serial, market: 'EXCH01', memberCode: 'EX1002' },
  };

  async function open(system: 'ebank' | 'member', check: unknown) {
    const bridge = installBridge({
      'accounts.list': [ACCOUNT],
      'accounts.cancelCheck': check,
      'instructions.preview': CANCEL_PREVIEW,
      'member.prepare': { method: 'sms', fields: { operation: 'cancelContract', memberCode: 'EX1002' } },
    });
    const { pinia, plugins: list } = plugins();
    useSessionStore(pinia).profile = { system } as Profile;
    const wrapper = mount(ContractCancelView, { global: { plugins: list }, attachTo: document.body });
    await flushPromises();
    await wrapper.find('[data-testid="cancel-EXCH01"]').trigger('click');
    await flushPromises();
    return { wrapper, bridge };
  }

  /** The confirmation button, as the e2e specs find it; Enter is the other way to it. */
  const confirmButton = (wrapper: ReturnType<typeof mount>) => wrapper.find('[data-testid="wizard-next"]');
  async function pressEnter() {
    window.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter' }));
    await flushPromises();
  }

  it('an enterprise gets the maker-checker strategy: the cancel check, then the service previews what is signed', async () => {
    const { wrapper, bridge } = await open('ebank', { ok: true, refusals: [] });
    expect(wrapper.find('[data-testid="contract-cancel"]').exists()).toBe(true);
    expect(bridge.methods()).toEqual(['accounts.list', 'accounts.cancelCheck', 'instructions.preview']);
    expect(bridge.calls[2].arg).toEqual({ draft: { contractId: 7, kind: 'cancel' } });
    expect(active(wrapper)).toBe(1);
    expect(wrapper.find('[data-testid="instruction-fields"]').text()).toContain('EX1002');
    expect(wrapper.find('[data-testid="cancel-refusals"]').exists()).toBe(false);
    expect(confirmButton(wrapper).attributes('disabled')).toBeUndefined();
    expect(wrapper.findAll('.el-step__title')[2].text()).toBe(i18n.global.t('cancel.steps.result'));
  });

  it('a member gets the single-party strategy: no preview, no instruction to sign; verified with the very call', async () => {
    const { wrapper, bridge } = await open('member', { ok: true, refusals: [] });
    expect(wrapper.find('[data-testid="m-cancel"]').exists()).toBe(true);
    expect(wrapper.find('[data-testid="instruction-sign-step"]').exists()).toBe(false);
    expect(wrapper.findAll('[data-testid="wizard-next"]')).toHaveLength(1);
    expect(wrapper.find('[data-testid="wizard-confirm-step"]').text()).toContain('3100000000000007');
    expect(wrapper.findAll('.el-step__title')[2].text()).toBe(i18n.global.t('mCancel.steps.result'));
    await confirmButton(wrapper).trigger('click');
    await flushPromises();
    expect(bridge.methods()).toEqual(['accounts.list', 'accounts.cancelCheck', 'member.prepare']);
    expect(bridge.calls[2].arg).toEqual({ operation: 'cancelContract', input: { contractId: 7 } });
  });

  it.each(['ebank', 'member'] as const)(
    '%s: a refused cancel check is shown before anything is signed, and nothing can be confirmed',
    async (system) => {
      const { wrapper, bridge } = await open(system, REFUSED);
      expect(active(wrapper)).toBe(1);
      const refusals = wrapper.find('[data-testid="cancel-refusals"]');
      expect(refusals.find('[data-code="CANCEL_BALANCE_NOT_ZERO"]').isVisible()).toBe(true);
      expect(confirmButton(wrapper).attributes('disabled')).toBeDefined();
      await pressEnter();
      // nothing previewed, prepared or signed: only the list and the check crossed
      expect(bridge.methods()).toEqual(['accounts.list', 'accounts.cancelCheck']);
      expect(wrapper.find('[data-testid="member-verify"] .el-dialog').exists()).toBe(false);
      expect(document.querySelector('.el-overlay:not([style*="display: none"])')).toBeNull();
    },
  );
});
