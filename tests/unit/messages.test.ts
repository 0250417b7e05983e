import { describe, expect, it } from 'vitest';
import { MEMBER_OPERATIONS } from '../../src-shared/api/members';
import { AppError, errorMessage, ERROR_MESSAGES, sharedWord } from '../../src-shared/errors';
import { en } from '../../src-shared/messages/en';
import { zhCN } from '../../src-shared/messages/zh-CN';
import rendererEn from '../../src-renderer/i18n/en';
import rendererZh from '../../src-renderer/i18n/zh-CN';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('shared messages', () => {
  it('word every error with the same parameters in both languages, so params need no language', () => {
    for (const code of Object.keys(zhCN.errors) as (keyof typeof zhCN.errors)[]) {
      expect(placeholders(en.errors[code]), code).toEqual(placeholders(zhCN.errors[code]));
    }
  });

  it('name every member operation and nothing else', () => {
    expect(Object.keys(zhCN.mop).sort()).toEqual([...MEMBER_OPERATIONS].sort());
  });

  it('pick the name in the reader’s language from one two-language parameter', () => {
    const params = { market: { 'zh-CN': '演示商品交易市场', en: 'Demo Commodity Market' } };
    expect(errorMessage('MARKET_NOT_SIGNED_IN', 'zh-CN', params)).toBe(
      '交易市场“演示商品交易市场”今日尚未签到，暂不能办理入金',
    );
    expect(errorMessage('MARKET_NOT_SIGNED_IN', 'en', params)).toBe(
      'Demo Commodity Market has not signed in today; deposits are not possible yet',
    );
    const error = new AppError('AUTH_WRONG_SYSTEM', { system: sharedWord('loginSystem', 'ebank') });
    expect(error.toShape('zh-CN').message).toBe('该用户属于企业网银，请在登录页选择正确的系统和会员类型');
    expect(error.toShape('en').message).toBe(
      'This user belongs to corporate e-banking; choose the right system and member type on the login page',
    );
  });

  it('are the ones the renderer words codes with after a language switch', () => {
    expect(rendererZh.errors).toBe(zhCN.errors);
    expect(rendererEn.errors).toBe(en.errors);
    expect(rendererEn.mop).toBe(en.mop);
    expect(ERROR_MESSAGES.NOT_FOUND).toEqual({ 'zh-CN': zhCN.errors.NOT_FOUND, en: en.errors.NOT_FOUND });
  });
});
