// 会员账户 (corporate e-banking) and 会员附属台帐 (the member system) are one
// page over the same owner-resolved routes; this record is everything that
// differs between them, chosen by the session's system, so neither page is a
// copy of the other.
import type { SystemKind } from '../../src-shared/api/auth';

export interface MemberAccountsKind {
  /** The menu entry whose name titles the page and its exports. */
  menuKey: 'memberAccounts' | 'mLedger';
  /** The names the end-to-end tests know each page by, kept from the two pages this one replaced. */
  testIds: { page: string; table: string; open: string };
  /** A member pays in by bank transfer, so it needs the market's receiving account; an enterprise deposits by instruction. */
  receivingAccount: boolean;
  /**
   * The transactions listed first (both choose). A member's ledger lists every
   * movement, so that a B2B trade the member approved is there and each row's
   * balance after chains to the account's balance; the corporate query starts at
   * 出入金明细, as its manual section does.
   */
  defaultCategory: 'depositWithdraw' | 'all';
}

export const MEMBER_ACCOUNTS_KINDS: Record<SystemKind, MemberAccountsKind> = {
  ebank: {
    menuKey: 'memberAccounts',
    testIds: { page: 'member-accounts', table: 'member-account-table', open: 'account' },
    receivingAccount: false,
    defaultCategory: 'depositWithdraw',
  },
  member: {
    menuKey: 'mLedger',
    testIds: { page: 'm-ledger', table: 'ledger-table', open: 'ledger' },
    receivingAccount: true,
    defaultCategory: 'all',
  },
};
