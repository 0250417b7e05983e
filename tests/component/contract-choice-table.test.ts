// @vitest-environment jsdom
// The one table of the caller's contracts with one action: 解约 (its default
// columns), and the member's 修改绑定卡 and 出金 (their own columns). The row's
// button names the market, is off where the page says so, and hands the page
// the row it was clicked on.
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus, { ElTableColumn } from 'element-plus';
import { afterEach, describe, expect, it } from 'vitest';
import { h } from 'vue';
import ContractChoiceTable from '../../src-renderer/components/ContractChoiceTable.vue';
import { i18n } from '../../src-renderer/i18n';
import { account } from './accounts';

const EXCH = account({ contractId: 41, memberCode: 'EX1001', balance: 123456789, available: 0 });
const B2B = account({
  contractId: 42,
  memberCode: 'B2B7',
  available: 500,
  market: { ...EXCH.market, id: 8, code: 'B2B02', name: '示范B2B平台', nameEn: 'Demo B2B Platform' },
});

async function render(props: Record<string, unknown>, slots: Record<string, () => unknown> = {}) {
  const wrapper = mount(ContractChoiceTable, {
    props: { accounts: [EXCH, B2B], emptyText: '—', ...props } as never,
    slots,
    global: { plugins: [ElementPlus, i18n] },
    attachTo: document.body,
  });
  await flushPromises();
  return wrapper;
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('the contract choice table', () => {
  it('cancels by default: detail account and balance to the fen, a danger button per market', async () => {
    const wrapper = await render({ action: { label: '解约', testid: 'cancel', danger: true } });
    expect(wrapper.find('[data-testid="contract-table"]').exists()).toBe(true);
    expect(wrapper.text()).toContain('¥1,234,567.89');
    const button = wrapper.get('[data-testid="cancel-B2B02"]');
    expect(button.classes()).toContain('el-button--danger');
    await button.trigger('click');
    expect(wrapper.emitted('choose')).toEqual([[B2B]]);
  });

  it("takes the page's own columns and keeps a row's button off where the page says", async () => {
    const wrapper = await render(
      {
        testid: 'transfer-table',
        action: { label: '出金', testid: 'move-out', disabled: (row: typeof EXCH) => row.available <= 0 },
      },
      { columns: () => h(ElTableColumn, { label: '可用余额', prop: 'available' }) },
    );
    expect(wrapper.find('[data-testid="transfer-table"]').exists()).toBe(true);
    expect(wrapper.text()).toContain('可用余额');
    expect(wrapper.text()).not.toContain('¥1,234,567.89'); // the default balance column gave way
    const off = wrapper.get('[data-testid="move-out-EXCH01"]');
    expect(off.attributes('disabled')).toBeDefined();
    await off.trigger('click');
    expect(wrapper.emitted('choose')).toBeUndefined();
    await wrapper.get('[data-testid="move-out-B2B02"]').trigger('click');
    expect(wrapper.emitted('choose')).toEqual([[B2B]]);
  });
});
