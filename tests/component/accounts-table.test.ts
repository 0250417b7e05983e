// @vitest-environment jsdom
// The one member-accounts table of both systems: amounts are integer fen shown
// as yuan to the fen, statuses read in the user's language, choosing a member
// code hands the page the contract id, and what differs between a corporate
// user and a member (test ids, the receiving account) follows the system.
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { afterEach, describe, expect, it } from 'vitest';
import type { SystemKind } from '../../src-shared/api/auth';
import MemberAccountsTable from '../../src-renderer/components/MemberAccountsTable.vue';
import { i18n } from '../../src-renderer/i18n';
import { account } from './accounts';

const ACCOUNTS = [
  // past 2^31 fen and with odd fen, so any trip through floats or a lost digit shows
  account({ contractId: 41, memberCode: 'EX1001', balance: 123456789, available: 123456700, frozen: 89 }),
  // the largest balance a row may hold (2^53 − 1 fen): dividing it by 100 in floats loses the last fen
  account({
    contractId: 42,
    memberCode: 'EX1002',
    balance: Number.MAX_SAFE_INTEGER,
    available: 120,
    frozen: 5,
    status: 'cancelled',
  }),
];

async function render(system: SystemKind, lang: 'zh-CN' | 'en' = 'zh-CN') {
  i18n.global.locale.value = lang;
  const wrapper = mount(MemberAccountsTable, {
    props: { accounts: ACCOUNTS, system },
    global: { plugins: [ElementPlus, i18n] },
    attachTo: document.body,
  });
  await flushPromises();
  return wrapper;
}

const text = (wrapper: Awaited<ReturnType<typeof render>>, testId: string) =>
  wrapper.get(`[data-testid="${testId}"]`).text();

afterEach(() => {
  i18n.global.locale.value = 'zh-CN';
  document.body.innerHTML = '';
});

describe('the member accounts table', () => {
  it('shows balance, available and frozen as yuan from integer fen, exactly', async () => {
    const wrapper = await render('ebank');
    expect(text(wrapper, 'balance-EX1001')).toBe('¥1,234,567.89');
    expect(text(wrapper, 'available-EX1001')).toBe('¥1,234,567.00');
    expect(text(wrapper, 'frozen-EX1001')).toBe('¥0.89');
    expect(text(wrapper, 'balance-EX1002')).toBe('¥90,071,992,547,409.91');
    expect(text(wrapper, 'available-EX1002')).toBe('¥1.20');
    expect(text(wrapper, 'frozen-EX1002')).toBe('¥0.05');
  });

  it('labels the contract status in Chinese and in English', async () => {
    const zh = await render('member');
    expect(text(zh, 'status-EX1001')).toBe('已签约');
    expect(text(zh, 'status-EX1002')).toBe('已解约');
    zh.unmount();
    const en = await render('member', 'en');
    expect(text(en, 'status-EX1001')).toBe('Signed');
    expect(text(en, 'status-EX1002')).toBe('Cancelled');
    expect(en.text()).toContain('East China Commodity Exchange');
  });

  it("emits the row's contract id when a corporate user opens a member code", async () => {
    const wrapper = await render('ebank');
    await wrapper.get('[data-testid="account-EX1002"]').trigger('click');
    expect(wrapper.emitted('open')).toEqual([[42]]);
  });

  it("emits the row's contract id when a member opens its ledger", async () => {
    const wrapper = await render('member');
    await wrapper.get('[data-testid="ledger-EX1001"]').trigger('click');
    expect(wrapper.emitted('open')).toEqual([[41]]);
  });

  it('keeps each system its own names, and the receiving account for members only', async () => {
    const ebank = await render('ebank');
    expect(ebank.find('[data-testid="member-account-table"]').exists()).toBe(true);
    expect(ebank.find('[data-testid="ledger-EX1001"]').exists()).toBe(false);
    expect(ebank.text()).not.toContain('入金收款账户');
    ebank.unmount();
    const member = await render('member');
    expect(member.find('[data-testid="ledger-table"]').exists()).toBe(true);
    expect(member.find('[data-testid="account-EX1001"]').exists()).toBe(false);
    expect(member.text()).toContain('入金收款账户');
    expect(member.text()).toContain('11015000000202');
  });
});
