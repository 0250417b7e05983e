// The demo world: one bank, three markets, two enterprises, two platform members.
// Every identifier carries a valid check character; README lists the logins.
import type { AdminMode, Role } from '../../src-shared/api/auth';
import type { Permission } from '../../src-shared/menu';

export const DEMO_PASSWORD = 'Demo1234';

export const DEMO_BANK = {
  name: 'SettleKey 演示银行',
  nameEn: 'SettleKey Demo Bank',
};

export interface DemoMarket {
  code: string;
  name: string;
  nameEn: string;
  requiresTradeReview: boolean;
  signedInToday: boolean;
  summaryAccountNo: string;
  summaryAccountName: string;
  summaryAccountBranch: string;
  /** Register of member codes: code → whose certificate (credit code or ID number). */
  register: { memberCode: string; certNo: string; name: string }[];
}

const REGISTER = (prefix: string) => [
  { memberCode: `${prefix}1001`, certNo: '91310000MA1FL5DK7X', name: '演示科技有限公司' },
  { memberCode: `${prefix}1002`, certNo: '91110108MA01N8QE57', name: '示范贸易有限公司' },
  { memberCode: `${prefix}2001`, certNo: '91440300MA5G7YUX26', name: '云采示范商贸有限公司' },
  { memberCode: `${prefix}2002`, certNo: '110105199003071239', name: '张三' },
  // not yet members of the member system: for trying registration
  { memberCode: `${prefix}3001`, certNo: '110105198511223011', name: '李四' },
  { memberCode: `${prefix}3002`, certNo: '310104199206154027', name: '王芳' },
  { memberCode: `${prefix}3003`, certNo: '91330100MA2H4K7Q2K', name: '星河示范供应链有限公司' },
];

/** A contract the demo starts with: 演示科技 on 云采 B2B, the other side of members' B2B trades. */
export const DEMO_B2B_COUNTERPARTY = {
  creditCode: '91310000MA1FL5DK7X',
  accountNo: '11014550000011',
  marketCode: 'B2B02',
  memberCode: 'B21001',
};

export const DEMO_MARKETS: DemoMarket[] = [
  {
    code: 'EXCH01',
    name: '华东大宗商品交易市场',
    nameEn: 'East China Commodities Exchange',
    requiresTradeReview: false,
    signedInToday: true,
    summaryAccountNo: '11015000000101',
    summaryAccountName: '华东大宗商品交易市场有限公司资金存管汇总账户',
    summaryAccountBranch: 'SettleKey 演示银行上海分行营业部',
    register: REGISTER('EX'),
  },
  {
    code: 'B2B02',
    name: '云采 B2B 电子商务平台',
    nameEn: 'CloudProcure B2B Marketplace',
    requiresTradeReview: true,
    signedInToday: true,
    summaryAccountNo: '11015000000202',
    summaryAccountName: '云采电子商务有限公司资金存管汇总账户',
    summaryAccountBranch: 'SettleKey 演示银行杭州分行营业部',
    register: REGISTER('B2'),
  },
  {
    code: 'AGRI03',
    name: '西部农产品交易中心',
    nameEn: 'Western Agricultural Produce Exchange',
    requiresTradeReview: false,
    signedInToday: false,
    summaryAccountNo: '11015000000303',
    summaryAccountName: '西部农产品交易中心有限公司资金存管汇总账户',
    summaryAccountBranch: 'SettleKey 演示银行成都分行营业部',
    register: REGISTER('AG'),
  },
];

export interface DemoUser {
  loginName: string;
  displayName: string;
  role: Role;
  permissions: Permission[];
}

export interface DemoEnterprise {
  name: string;
  nameEn: string;
  creditCode: string;
  adminMode: AdminMode;
  accounts: { number: string; name: string; openingFen: number }[];
  users: DemoUser[];
  /** The key its users' USB-KEYs carry: SM2 on SKF keys (国密, as Chinese banks issue), else RSA on PKCS#11. */
  tokenKeyType?: 'sm2';
}

const ADMIN_DUAL: Permission[] = ['ebank.admin.operators', 'ebank.admin.review'];
const ADMIN_SINGLE: Permission[] = ['ebank.admin.operators'];

export const DEMO_ENTERPRISES: DemoEnterprise[] = [
  {
    name: '演示科技有限公司',
    nameEn: 'Demo Technology Co., Ltd.',
    creditCode: '91310000MA1FL5DK7X',
    adminMode: 'dual',
    accounts: [
      { number: '11014550000011', name: '演示科技有限公司', openingFen: 500_000_000 },
      { number: '11014550000029', name: '演示科技有限公司', openingFen: 125_000_050 },
    ],
    users: [
      { loginName: 'demo.admin1', displayName: '王立新', role: 'admin', permissions: ADMIN_DUAL },
      { loginName: 'demo.admin2', displayName: '李婉清', role: 'admin', permissions: ADMIN_DUAL },
      {
        loginName: 'demo.operator',
        displayName: '赵子航',
        role: 'operator',
        permissions: ['ebank.settle.contract', 'ebank.settle.memberQuery', 'ebank.query.txnDetail'],
      },
      {
        loginName: 'demo.reviewer',
        displayName: '钱可欣',
        role: 'reviewer',
        permissions: ['ebank.authorize.review', 'ebank.settle.memberQuery', 'ebank.query.txnDetail'],
      },
    ],
  },
  {
    name: '示范贸易有限公司',
    nameEn: 'Model Trading Co., Ltd.',
    creditCode: '91110108MA01N8QE57',
    adminMode: 'single',
    accounts: [{ number: '11014550000037', name: '示范贸易有限公司', openingFen: 80_000_000 }],
    tokenKeyType: 'sm2',
    users: [
      { loginName: 'trade.admin', displayName: '孙浩然', role: 'admin', permissions: ADMIN_SINGLE },
      {
        loginName: 'trade.operator',
        displayName: '周雨桐',
        role: 'operator',
        permissions: [
          'ebank.settle.contract',
          'ebank.settle.deposit',
          'ebank.settle.withdraw',
          'ebank.settle.memberQuery',
          'ebank.query.txnDetail',
        ],
      },
      {
        loginName: 'trade.reviewer',
        displayName: '吴嘉怡',
        role: 'reviewer',
        permissions: ['ebank.authorize.review', 'ebank.settle.memberQuery', 'ebank.query.txnDetail'],
      },
    ],
  },
];

/** The demo users whose USB-KEYs are SM2 ones on SKF (where the demo has an SM2 CA and the SKF simulator). */
export const DEMO_SM2_HOLDERS: ReadonlySet<string> = new Set(
  DEMO_ENTERPRISES.filter((e) => e.tokenKeyType === 'sm2').flatMap((e) => e.users.map((u) => u.loginName)),
);

export const DEMO_MEMBERS = [
  {
    memberType: 'corporate' as const,
    name: '云采示范商贸有限公司',
    certType: 'USCC',
    certNo: '91440300MA5G7YUX26',
    phone: '13800138001',
    card: { cardNo: '6228480000000015', bankCode: '103', branchName: '中国农业银行深圳分行营业部' },
    // its user is named as the member and has the member type's menus (members/store.ts)
    loginName: 'm.corp',
  },
  {
    memberType: 'individual' as const,
    name: '张三',
    certType: 'ID',
    certNo: '110105199003071239',
    phone: '13800138002',
    card: { cardNo: '6225880000000019', bankCode: '308', branchName: '招商银行北京分行营业部' },
    loginName: 'm.zhangsan',
  },
];
