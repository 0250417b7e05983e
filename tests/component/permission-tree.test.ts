// @vitest-environment jsdom
// 可分配业务: leaf codes in, leaf codes out; only what an administrator may
// assign is offered, and its words follow the user's language.
import { flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { describe, expect, it } from 'vitest';
import { nextTick } from 'vue';
import { ASSIGNABLE_PERMISSIONS } from '../../src-shared/menu';
import PermissionTree from '../../src-renderer/components/PermissionTree.vue';
import { i18n } from '../../src-renderer/i18n';

function renderTree(codes: string[], lang: 'zh-CN' | 'en' = 'zh-CN') {
  i18n.global.locale.value = lang;
  return mount(PermissionTree, {
    props: { modelValue: codes },
    global: { plugins: [ElementPlus, i18n] },
  });
}

type Wrapper = ReturnType<typeof renderTree>;

/** The tree's rows, by the label shown. */
function row(wrapper: Wrapper, label: string) {
  const found = wrapper.findAll('.el-tree-node__content').find((n) => n.find('.el-tree-node__label').text() === label);
  if (!found) throw new Error(`no row ${label}`);
  return found;
}
const isChecked = (wrapper: Wrapper, label: string) => row(wrapper, label).find('.el-checkbox').classes('is-checked');
/** What a click does to the box: it flips, and the tree hears the change. */
async function toggle(wrapper: Wrapper, label: string) {
  const input = row(wrapper, label).find<HTMLInputElement>('.el-checkbox input');
  await input.setValue(!input.element.checked);
  await flushPromises();
}
const labels = (wrapper: Wrapper) => wrapper.findAll('.el-tree-node__label').map((n) => n.text());
const lastEmitted = (wrapper: Wrapper) => wrapper.emitted('update:modelValue')?.at(-1)?.[0] as string[] | undefined;

describe('PermissionTree', () => {
  it('ticks the codes it is given, and only those', async () => {
    const wrapper = renderTree(['ebank.settle.deposit', 'ebank.query.txnDetail']);
    await nextTick();
    expect(isChecked(wrapper, '入金')).toBe(true);
    expect(isChecked(wrapper, '交易明细查询')).toBe(true);
    expect(isChecked(wrapper, '出金')).toBe(false);
    expect(isChecked(wrapper, '授权人员复核授权')).toBe(false);
  });

  it('gives back the leaf codes ticked, never a branch, never a code it does not offer', async () => {
    // an administrator's own code comes in with the user's list: it is not the tree's to give back
    const wrapper = renderTree(['ebank.settle.deposit', 'ebank.admin.operators']);
    await toggle(wrapper, '出金');
    expect(lastEmitted(wrapper)).toEqual(['ebank.settle.deposit', 'ebank.settle.withdraw']);

    await toggle(wrapper, '入金');
    expect(lastEmitted(wrapper)).toEqual(['ebank.settle.withdraw']);
  });

  it('offers exactly the assignable permissions', async () => {
    const wrapper = renderTree([]);
    // tick every top-level row: the codes out are then all there is to assign
    const tops = wrapper
      .findAll('.el-tree > .el-tree-node > .el-tree-node__content .el-tree-node__label')
      .map((n) => n.text());
    expect(tops.length).toBeGreaterThan(1);
    for (const top of tops) await toggle(wrapper, top);
    // in the manual's order, whatever order the boxes were ticked in
    expect(lastEmitted(wrapper)).toEqual([...ASSIGNABLE_PERMISSIONS]);
    expect(labels(wrapper)).not.toContain('操作员维护');
  });

  it('follows a reset from outside', async () => {
    const wrapper = renderTree(['ebank.settle.deposit']);
    await wrapper.setProps({ modelValue: ['ebank.settle.withdraw'] });
    await nextTick();
    expect(isChecked(wrapper, '入金')).toBe(false);
    expect(isChecked(wrapper, '出金')).toBe(true);
  });

  it('names the permissions in both languages, and keeps the ticks when the language changes', async () => {
    const wrapper = renderTree(['ebank.settle.withdraw']);
    await nextTick();
    expect(isChecked(wrapper, '出金')).toBe(true);
    expect(labels(wrapper)).toEqual(expect.arrayContaining(['入金', '出金', '交易明细查询']));
    i18n.global.locale.value = 'en';
    await nextTick();
    await nextTick();
    expect(labels(wrapper)).toEqual(expect.arrayContaining(['Deposit', 'Withdraw']));
    expect(labels(wrapper)).not.toContain('入金');
    expect(isChecked(wrapper, 'Withdraw')).toBe(true);
    expect(isChecked(wrapper, 'Deposit')).toBe(false);
    i18n.global.locale.value = 'zh-CN';
  });
});
