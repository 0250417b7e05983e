import { describe, expect, it } from 'vitest';
import {
  ASSIGNABLE_PERMISSIONS,
  assignmentTree,
  filterMenu,
  MENU_TREE,
  type AssignmentNode,
} from '../../src-shared/menu';

const outline = (nodes: AssignmentNode[]): unknown[] =>
  nodes.map((n) => (n.children ? { [n.titleKey]: outline(n.children) } : `${n.titleKey}=${n.perm}`));

describe('the permission tree an administrator ticks', () => {
  it('follows the manual: 付款业务 → 银商结算通 → pages; 交易授权 → 复核授权; 查询中心 → 账户查询 → 交易明细', () => {
    expect(outline(assignmentTree())).toEqual([
      {
        payment: [
          {
            settlement: [
              'contract=ebank.settle.contract',
              'deposit=ebank.settle.deposit',
              'withdraw=ebank.settle.withdraw',
              'memberAccounts=ebank.settle.memberQuery',
            ],
          },
        ],
      },
      { authorization: ['review=ebank.authorize.review'] },
      { queryCenter: [{ accountQuery: ['txnDetail=ebank.query.txnDetail'] }] },
    ]);
  });

  it('offers every assignable permission once, and nothing an administrator may not give', () => {
    const leaves = (nodes: AssignmentNode[]): string[] =>
      nodes.flatMap((n) => (n.children ? leaves(n.children) : [n.perm!]));
    expect(leaves(assignmentTree()).sort()).toEqual([...ASSIGNABLE_PERMISSIONS].sort());
  });

  it('shows a user only the pages their permissions open', () => {
    const menu = filterMenu(MENU_TREE, new Set(['ebank.settle.deposit']));
    const keys = JSON.stringify(menu);
    expect(keys).toContain('"deposit"');
    expect(keys).not.toContain('"withdraw"');
    expect(keys).not.toContain('"operators"');
  });
});
