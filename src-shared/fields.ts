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
};

export function fieldLabel(field: string, lang: Lang): string {
  const last = field.split('.').pop() ?? field;
  return FIELD_LABELS[field]?.[lang] ?? FIELD_LABELS[last]?.[lang] ?? field;
}
