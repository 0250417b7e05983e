// Human names of the fields that requests carry, so that a refusal names the
// field in the user's language ("登录名不能为空", "Login name is required").
import type { Lang } from './errors';

export const FIELD_LABELS: Record<string, { 'zh-CN': string; en: string }> = {
  loginName: { 'zh-CN': '登录名', en: 'Login name' },
  password: { 'zh-CN': '密码', en: 'Password' },
  oldPassword: { 'zh-CN': '原密码', en: 'Current password' },
  newPassword: { 'zh-CN': '新密码', en: 'New password' },
  confirmPassword: { 'zh-CN': '确认新密码', en: 'Confirm new password' },
  captchaId: { 'zh-CN': '验证码编号', en: 'Captcha id' },
  captchaAnswer: { 'zh-CN': '验证码', en: 'Captcha' },
  serviceMode: { 'zh-CN': '服务方式', en: 'Service mode' },
  remoteUrl: { 'zh-CN': '远程服务地址', en: 'Remote service URL' },
  pkcs11Module: { 'zh-CN': 'PKCS#11 模块路径', en: 'PKCS#11 module path' },
  language: { 'zh-CN': '语言', en: 'Language' },
  now: { 'zh-CN': '时间', en: 'Time' },
  memberType: { 'zh-CN': '会员类型', en: 'Member type' },
  name: { 'zh-CN': '名称', en: 'Name' },
  certType: { 'zh-CN': '证件类型', en: 'Certificate type' },
  certNo: { 'zh-CN': '证件号码', en: 'Certificate number' },
  idNo: { 'zh-CN': '身份证号码', en: 'ID number' },
  contactName: { 'zh-CN': '联系人', en: 'Contact person' },
  phone: { 'zh-CN': '手机号码', en: 'Mobile number' },
  newPhone: { 'zh-CN': '新手机号码', en: 'New mobile number' },
  address: { 'zh-CN': '邮寄地址', en: 'Mailing address' },
  email: { 'zh-CN': '电子邮箱', en: 'Email' },
  cardNo: { 'zh-CN': '银行卡号', en: 'Card number' },
  bankCode: { 'zh-CN': '开户行', en: 'Issuing bank' },
  branchCode: { 'zh-CN': '开户网点', en: 'Branch' },
  archive: { 'zh-CN': '资料压缩包', en: 'Documents archive' },
  memberCode: { 'zh-CN': '会员代码', en: 'Member code' },
  marketCode: { 'zh-CN': '交易市场', en: 'Market' },
  code: { 'zh-CN': '短信动态码', en: 'SMS code' },
  codeId: { 'zh-CN': '动态码编号', en: 'Code id' },
  newLoginName: { 'zh-CN': '新登录名', en: 'New login name' },
  confirmLoginName: { 'zh-CN': '确认新登录名', en: 'Confirm new login name' },
  reason: { 'zh-CN': '原因', en: 'Reason' },
  amount: { 'zh-CN': '金额', en: 'Amount' },
  fee: { 'zh-CN': '手续费', en: 'Fee' },
};

export function fieldLabel(field: string, lang: Lang): string {
  const last = field.split('.').pop() ?? field;
  return FIELD_LABELS[field]?.[lang] ?? FIELD_LABELS[last]?.[lang] ?? field;
}
