// A member's USB-KEY confirmation shows what will be signed, an amount with its
// Chinese capitals beside it (in the English interface too, labelled so), as a
// bank's receipt carries them.
import { enableAutoUnmount, flushPromises, mount } from '@vue/test-utils';
import ElementPlus from 'element-plus';
import { createPinia, setActivePinia } from 'pinia';
import { afterEach, describe, expect, it } from 'vitest';
import type { MemberOperationCall } from '../../src-shared/ipc/contract';
import MemberVerify from '../../src-renderer/components/member/MemberVerify.vue';
import { i18n } from '../../src-renderer/i18n';
import { installBridge } from './fake-bridge';

enableAutoUnmount(afterEach);

const CALL = { operation: 'transferOut', input: { contractId: 3 } } as unknown as MemberOperationCall;

async function confirmation(lang: 'zh-CN' | 'en') {
  i18n.global.locale.value = lang;
  installBridge({
    'member.prepare': {
      method: 'usbkey',
      fields: { serial: '2026120100000007', operation: 'transferOut', memberCode: 'B22001', amount: 123_45 },
    },
  });
  setActivePinia(createPinia());
  const wrapper = mount(MemberVerify, {
    props: { call: CALL, title: 'x', modelValue: false },
    global: { plugins: [ElementPlus, i18n] },
    attachTo: document.body,
  });
  // opened as a page opens it: the preparation runs on opening
  await wrapper.setProps({ modelValue: true });
  await flushPromises();
  return document.body.textContent ?? '';
}

describe('MemberVerify', () => {
  it('shows an amount in figures and in Chinese capitals, in either language', async () => {
    const zh = await confirmation('zh-CN');
    expect(zh).toContain('¥123.45');
    expect(zh).toContain('金额大写');
    expect(zh).toContain('壹佰贰拾叁元肆角伍分');
    document.body.innerHTML = '';
    const en = await confirmation('en');
    expect(en).toContain('Amount in Chinese capitals');
    expect(en).toContain('壹佰贰拾叁元肆角伍分');
    i18n.global.locale.value = 'zh-CN';
  });
});
