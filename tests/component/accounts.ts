// A member account as the service sends it, for the tables that list them.
import type { MemberAccount } from '../../src-shared/api/settlement';

export function account(over: Partial<MemberAccount>): MemberAccount {
  return {
    contractId: 1,
    market: {
      id: 7,
      code: 'EXCH01',
      name: '华东大宗商品交易所',
      nameEn: 'East China Commodity Exchange',
      signedInToday: true,
      requiresTradeReview: false,
      summaryAccount: { number: '11015000000202', name: '华东大宗商品交易所结算专户', branch: '上海分行' },
    },
    memberCode: 'EX1001',
    detailAccountNo: '1101500000020200001',
    virtualAccountNo: 'V0001',
    seatNo: 'S01',
    balance: 0,
    available: 0,
    frozen: 0,
    pendingWithdrawals: 0,
    status: 'active',
    signedAt: '2025-01-02T03:04:05.000Z',
    cancelledAt: null,
    boundAccount: null,
    boundCard: null,
    ...over,
  };
}
