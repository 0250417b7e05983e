import { describe, expect, it } from 'vitest';
import rendererZh from '../../src-renderer/i18n/zh-CN';
import {
  ASSIGNABLE_PERMISSIONS,
  assignmentTree,
  filterMenu,
  inManualOrder,
  memberPermissions,
  MENU_TREE,
  PERMISSIONS,
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

/**
 * The manual's list, in its order, in its words (user-manual.zh.txt).
 * E-banking: chapters 2.1–2.5, with 授权人员复核授权 (操作流程2, the review of
 * all of them under 交易授权) before 2.5 交易明细查询 (操作流程3), as the menu
 * paths go; then the administrator's two pages of 2.1.2. The member system:
 * chapters 2.4–2.9 (2.8.3 手机号码修改 for individuals).
 */
const MANUAL_ORDER = [
  ['企业网银 2.1', '合约管理', 'ebank.settle.contract'],
  ['企业网银 2.2', '入金', 'ebank.settle.deposit'],
  ['企业网银 2.3', '出金', 'ebank.settle.withdraw'],
  ['企业网银 2.4', '会员账户查询', 'ebank.settle.memberQuery'],
  ['企业网银 操作流程2', '授权人员复核授权', 'ebank.authorize.review'],
  ['企业网银 2.5', '交易明细查询', 'ebank.query.txnDetail'],
  ['企业网银 2.1.2', '操作员维护', 'ebank.admin.operators'],
  ['企业网银 2.1.2', '内部维护复核', 'ebank.admin.review'],
  ['会员管理 2.4', '合约管理', 'member.contract'],
  ['会员管理 2.5', '查询服务', 'member.ledger'],
  ['会员管理 2.6', '交易复核', 'member.tradeReview'],
  ['会员管理 2.7', '账户管理', 'member.account'],
  ['会员管理 2.8', '自助服务', 'member.self'],
  ['会员管理 2.8.3', '手机号码修改', 'member.phone'],
  ['会员管理 2.9', '挂账处理', 'member.suspense'],
] as const;

describe("permissions in the manual's order", () => {
  it('lists every permission in the order of the manual', () => {
    expect([...PERMISSIONS]).toEqual(MANUAL_ORDER.map(([, , code]) => code));
  });

  it("names the e-banking permissions with the manual's words", () => {
    const perm = rendererZh.perm as Record<string, string>;
    for (const [, words, code] of MANUAL_ORDER)
      if (code.startsWith('ebank.')) expect(perm[code.replace(/\./g, '_')]).toBe(words);
  });

  it('keeps that order in what an administrator assigns, in the tree and for a member', () => {
    const rank = (c: string) => PERMISSIONS.indexOf(c as never);
    const ascending = (codes: readonly string[]) => codes.every((c, i) => i === 0 || rank(codes[i - 1]!) < rank(c));
    expect(ascending(ASSIGNABLE_PERMISSIONS)).toBe(true);
    const leaves = (nodes: AssignmentNode[]): string[] =>
      nodes.flatMap((n) => (n.children ? leaves(n.children) : [n.perm!]));
    expect(leaves(assignmentTree())).toEqual([...ASSIGNABLE_PERMISSIONS]);
    expect(ascending(memberPermissions('individual'))).toBe(true);
    expect(memberPermissions('corporate')).not.toContain('member.phone');
  });

  it('puts any list in that order, each code once, whatever order the boxes were ticked in', () => {
    expect(
      inManualOrder([
        'ebank.query.txnDetail',
        'ebank.settle.withdraw',
        'ebank.settle.contract',
        'ebank.settle.withdraw',
      ]),
    ).toEqual(['ebank.settle.contract', 'ebank.settle.withdraw', 'ebank.query.txnDetail']);
    expect(inManualOrder([...PERMISSIONS].reverse())).toEqual([...PERMISSIONS]);
    expect(inManualOrder(['unknown', 'ebank.settle.deposit'])).toEqual(['ebank.settle.deposit', 'unknown']);
  });
});
