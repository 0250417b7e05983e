// @vitest-environment jsdom
import { mount } from '@vue/test-utils';
import ElementPlus, { ElMenu } from 'element-plus';
import { describe, expect, it } from 'vitest';
import { h } from 'vue';
import { filterMenu, MENU_TREE } from '../../src-shared/menu';
import MenuTree from '../../src-renderer/components/MenuTree.vue';
import { i18n } from '../../src-renderer/i18n';

function renderMenu(codes: string[], lang: 'zh-CN' | 'en' = 'zh-CN') {
  i18n.global.locale.value = lang;
  return mount(
    {
      render: () =>
        h('div', [h(ElMenu, null, () => h(MenuTree, { nodes: filterMenu(MENU_TREE, new Set(codes)), base: '' }))]),
    },
    { global: { plugins: [ElementPlus, i18n] } },
  );
}

describe("the side menu is the shared tree filtered by the user's codes", () => {
  it('shows an operator only the branches their codes open', () => {
    const wrapper = renderMenu(['ebank.settle.contract', 'ebank.query.txnDetail']);
    const keys = wrapper.findAll('[data-menu]').map((n) => n.attributes('data-menu'));
    expect(keys).toEqual(expect.arrayContaining(['payment', 'settlement', 'contract', 'queryCenter']));
    expect(keys).not.toContain('customerService');
    expect(keys).not.toContain('authorization');
    expect(keys).not.toContain('deposit');
    expect(wrapper.text()).toContain('付款业务');
  });

  it('shows an administrator customer service only, in English when asked', () => {
    const wrapper = renderMenu(['ebank.admin.operators', 'ebank.admin.review'], 'en');
    const keys = wrapper.findAll('[data-menu]').map((n) => n.attributes('data-menu'));
    expect(keys).toContain('customerService');
    expect(keys).not.toContain('payment');
    expect(wrapper.text()).toContain('Customer service');
  });

  it('shows nothing for a user without codes', () => {
    expect(renderMenu([]).findAll('[data-menu]')).toHaveLength(0);
  });
});
