// @vitest-environment jsdom
// A paged list asked twice quickly (the page's first load still on its way
// when the user picks another filter) hears the answers out of order: the list
// shows the last question's answer, and a late failure of an older one neither
// empties it nor shows an error.
import { flushPromises, mount } from '@vue/test-utils';
import { defineComponent, h } from 'vue';
import { describe, expect, it } from 'vitest';
import { usePageTable } from '../../src-renderer/composables/usePageTable';
import { i18n } from '../../src-renderer/i18n';

type Answer = { items: string[]; total: number };

function deferred() {
  let resolve!: (a: Answer) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<Answer>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function mountTable() {
  const asked: { kind: string; answer: ReturnType<typeof deferred> }[] = [];
  let table!: ReturnType<typeof usePageTable<string, { kind: string }>>;
  mount(
    defineComponent({
      setup() {
        table = usePageTable<string, { kind: string }>(
          (q) => {
            const answer = deferred();
            asked.push({ kind: q.kind, answer });
            return answer.promise;
          },
          { kind: 'sign' },
        );
        return () => h('div');
      },
    }),
    { global: { plugins: [i18n] } },
  );
  return { asked, table: () => table };
}

describe('a list asked twice', () => {
  it('shows the last question’s answer when the first arrives after it', async () => {
    const { asked, table } = mountTable();
    void table().load();
    table().query.kind = 'deposit';
    void table().load();
    asked[1].answer.resolve({ items: ['deposit 2'], total: 1 });
    await flushPromises();
    asked[0].answer.resolve({ items: [], total: 0 });
    await flushPromises();
    expect(asked.map((a) => a.kind)).toEqual(['sign', 'deposit']);
    expect(table().items.value).toEqual(['deposit 2']);
    expect(table().total.value).toBe(1);
    expect(table().loading.value).toBe(false);
  });

  it('keeps loading until the last answer, and ignores an older one’s failure', async () => {
    const { asked, table } = mountTable();
    void table().load();
    void table().load(2);
    asked[0].answer.reject(new Error('lost'));
    await flushPromises();
    expect(table().loading.value).toBe(true);
    expect(table().failure.value).toBeFalsy();
    asked[1].answer.resolve({ items: ['page 2'], total: 21 });
    await flushPromises();
    expect(table().items.value).toEqual(['page 2']);
    expect(table().page.value).toBe(2);
    expect(table().loading.value).toBe(false);
    expect(table().failure.value).toBeFalsy();
  });
});
