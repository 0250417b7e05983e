// SIMULATOR data: what the issuing banks know of the demo cards, for the
// bank-card authentication simulator (银联鉴权). Every number carries a valid
// check digit; the README lists them for people trying the demo.
import type { CardRecord } from '../members/card-auth';

export const DEMO_CARD_RECORDS: CardRecord[] = [
  // 张三: his bound card, a second card, and a card reserved to a new phone (for the phone change)
  { cardNo: '6225880000000019', bankCode: '308', holder: '张三', certNo: '110105199003071239', phone: '13800138002' },
  { cardNo: '6222020000000015', bankCode: '102', holder: '张三', certNo: '110105199003071239', phone: '13800138002' },
  { cardNo: '6227000000000012', bankCode: '105', holder: '张三', certNo: '110105199003071239', phone: '13800138012' },
  // 云采示范商贸有限公司: its account at another bank, and a second one
  {
    cardNo: '6228480000000015',
    bankCode: '103',
    holder: '云采示范商贸有限公司',
    certNo: '91440300MA5G7YUX26',
    phone: '13800138001',
  },
  {
    cardNo: '6228480000000031',
    bankCode: '103',
    holder: '云采示范商贸有限公司',
    certNo: '91440300MA5G7YUX26',
    phone: '13800138001',
  },
  // people and companies not yet members: for trying registration
  { cardNo: '6225880000000035', bankCode: '308', holder: '李四', certNo: '110105198511223011', phone: '13900139001' },
  { cardNo: '6222020000000023', bankCode: '102', holder: '李四', certNo: '110105198511223011', phone: '13900139001' },
  { cardNo: '6217000000000022', bankCode: '105', holder: '王芳', certNo: '310104199206154027', phone: '13900139002' },
  {
    cardNo: '6228480000000049',
    bankCode: '103',
    holder: '星河示范供应链有限公司',
    certNo: '91330100MA2H4K7Q2K',
    phone: '13900139003',
  },
  // a card whose issuer does not take part in authentication
  {
    cardNo: '6225880000000043',
    bankCode: '308',
    holder: '赵六',
    certNo: '440305198808081234',
    phone: '13900139004',
    unsupported: true,
  },
];

/** Card BINs of SettleKey 演示银行 itself: the manual refuses our own cards for binding. */
export const OWN_BANK_BINS = ['623501'];
