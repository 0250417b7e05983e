// The menu tree of both systems of the manual, and the permission codes that
// open its pages. The renderer builds its routes from this tree; the service
// uses the codes to decide what a user may call. A route declares the one code
// it needs; a branch is shown when any of its leaves is.

/**
 * Every permission, in the manual's order: the one order in which any list of
 * them is shown, stored in an instruction and signed (tests/unit/menu.test.ts
 * checks it against the manual). E-banking: 2.1 合约管理, 2.2 入金, 2.3 出金,
 * 2.4 会员账户查询, then 授权人员复核授权 (操作流程2, the review of all of
 * these, menu 交易授权) and 2.5 交易明细查询; the administrator's 操作员维护 and
 * 内部维护复核 (2.1.2). The member system: its chapters 2.4 to 2.9.
 */
export const PERMISSIONS = [
  // corporate e-banking (企业网银)
  'ebank.settle.contract',
  'ebank.settle.deposit',
  'ebank.settle.withdraw',
  'ebank.settle.memberQuery',
  'ebank.authorize.review',
  'ebank.query.txnDetail',
  'ebank.admin.operators',
  'ebank.admin.review',
  // member-management system (电商平台会员管理系统)
  'member.contract',
  'member.ledger',
  'member.tradeReview',
  'member.account',
  'member.self',
  'member.phone',
  'member.suspense',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export function isPermission(value: string): value is Permission {
  return (PERMISSIONS as readonly string[]).includes(value);
}

const RANK = new Map<string, number>(PERMISSIONS.map((p, i) => [p, i]));

/**
 * Codes in the manual's order, each once: how every list of permissions is
 * shown, and how a menu change is stored and signed (a deterministic order,
 * whatever order the boxes were ticked in). A code that is no permission keeps
 * its place after the known ones.
 */
export function inManualOrder<T extends string>(codes: Iterable<T>): T[] {
  const rank = (c: string) => RANK.get(c) ?? RANK.size;
  return [...new Set(codes)].sort((a, b) => rank(a) - rank(b));
}

/** What an administrator may hand to operators and reviewers (操作员维护 → 可分配业务). */
export const ASSIGNABLE_PERMISSIONS: readonly Permission[] = [
  'ebank.settle.contract',
  'ebank.settle.deposit',
  'ebank.settle.withdraw',
  'ebank.settle.memberQuery',
  'ebank.authorize.review',
  'ebank.query.txnDetail',
];

/** What a platform member sees: everything of the member system; the phone change is for individuals. */
export function memberPermissions(memberType: 'corporate' | 'individual'): Permission[] {
  const all = PERMISSIONS.filter((p) => p.startsWith('member.'));
  return memberType === 'individual' ? all : all.filter((p) => p !== 'member.phone');
}

export interface MenuNode {
  /** Unique key; also the i18n key `menu.<key>` and the route name. */
  key: string;
  /** Path segment under the parent's path. */
  path: string;
  /** Leaves only: the permission that opens the page; leaves without one are open to every signed-in user. */
  perm?: Permission;
  children?: MenuNode[];
}

/** A page: its key, its path segment and the code that opens it. */
const page = (key: string, path: string, perm?: Permission): MenuNode => (perm ? { key, path, perm } : { key, path });
/** A branch of pages. */
const branch = (key: string, path: string, ...children: MenuNode[]): MenuNode => ({ key, path, children });

export const MENU_TREE: MenuNode[] = [
  // corporate e-banking (企业网银)
  branch(
    'payment',
    'payment',
    branch(
      'settlement',
      'settlement',
      branch(
        'contract',
        'contract',
        page('contractSign', 'sign', 'ebank.settle.contract'),
        page('contractCancel', 'cancel', 'ebank.settle.contract'),
      ),
      page('deposit', 'deposit', 'ebank.settle.deposit'),
      page('withdraw', 'withdraw', 'ebank.settle.withdraw'),
      page('memberAccounts', 'member-accounts', 'ebank.settle.memberQuery'),
    ),
  ),
  branch('authorization', 'authorization', page('review', 'review', 'ebank.authorize.review')),
  branch(
    'queryCenter',
    'query',
    branch('accountQuery', 'account', page('txnDetail', 'transactions', 'ebank.query.txnDetail')),
  ),
  branch(
    'customerService',
    'service',
    branch(
      'internal',
      'internal',
      page('operators', 'operators', 'ebank.admin.operators'),
      page('internalReview', 'review', 'ebank.admin.review'),
    ),
  ),
  // the member-management system (电商平台会员管理系统)
  branch(
    'mContract',
    'member/contract',
    page('mSign', 'sign', 'member.contract'),
    page('mCancel', 'cancel', 'member.contract'),
    page('mBoundCard', 'bound-card', 'member.contract'),
  ),
  branch('mQuery', 'member/query', page('mLedger', 'ledger', 'member.ledger')),
  branch(
    'mTrade',
    'member/trade',
    page('mTradePending', 'pending', 'member.tradeReview'),
    page('mTradeHistory', 'history', 'member.tradeReview'),
  ),
  branch(
    'mAccount',
    'member/account',
    page('mTransferOut', 'transfer-out', 'member.account'),
    page('mClose', 'close', 'member.account'),
  ),
  branch(
    'mSelf',
    'member/self',
    page('mInfo', 'info', 'member.self'),
    page('mCredentials', 'credentials', 'member.self'),
    page('mPhone', 'phone', 'member.phone'),
  ),
  // One function in the manual (2.9 挂账处理, its last chapter): a page of its own, not a menu that repeats its name.
  page('mSuspense', 'member/suspense', 'member.suspense'),
];

export interface MenuLeaf {
  key: string;
  fullPath: string;
  perm?: Permission;
  /** Keys of the branches above this leaf, outermost first. */
  ancestors: string[];
}

/** Every page of the tree with its full path, in menu order. */
export function menuLeaves(tree: MenuNode[] = MENU_TREE, base = '', ancestors: string[] = []): MenuLeaf[] {
  return tree.flatMap((node) => {
    const fullPath = `${base}/${node.path}`;
    if (node.children) return menuLeaves(node.children, fullPath, [...ancestors, node.key]);
    return [{ key: node.key, fullPath, perm: node.perm, ancestors }];
  });
}

/** The tree cut down to what the codes open; branches without a visible leaf disappear. */
export function filterMenu(tree: MenuNode[], codes: ReadonlySet<string>): MenuNode[] {
  return tree.flatMap((node): MenuNode[] => {
    if (node.children) {
      const children = filterMenu(node.children, codes);
      return children.length > 0 ? [{ ...node, children }] : [];
    }
    return node.perm === undefined || codes.has(node.perm) ? [node] : [];
  });
}

export interface AssignmentNode {
  key: string;
  /** i18n key `menu.<titleKey>` */
  titleKey: string;
  perm?: Permission;
  children?: AssignmentNode[];
}

/**
 * The tree an administrator ticks (操作员维护 → 可分配业务): the menu tree cut to
 * the assignable permissions, a branch of several pages that all need one
 * permission (合约管理: 签约 and 解约) shown as one box; every other level kept,
 * as the manual draws it (交易授权 → 授权人员复核授权).
 */
export function assignmentTree(tree: MenuNode[] = MENU_TREE): AssignmentNode[] {
  return tree.flatMap((node): AssignmentNode[] => {
    if (!node.children) {
      return node.perm && ASSIGNABLE_PERMISSIONS.includes(node.perm)
        ? [{ key: node.perm, titleKey: node.key, perm: node.perm }]
        : [];
    }
    const leaves = menuLeaves(node.children);
    const perms = new Set(leaves.map((l) => l.perm));
    const [only] = [...perms];
    if (leaves.length > 1 && perms.size === 1 && only && ASSIGNABLE_PERMISSIONS.includes(only))
      return [{ key: only, titleKey: node.key, perm: only }];
    const children = assignmentTree(node.children);
    return children.length ? [{ key: `branch:${node.key}`, titleKey: node.key, children }] : [];
  });
}
