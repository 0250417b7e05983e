// The agreements, shipped with the app from resources/agreements.
import customerEn from '../../resources/agreements/customer-service.en.txt?raw';
import customerZh from '../../resources/agreements/customer-service.zh-CN.txt?raw';
import settlementEn from '../../resources/agreements/settlement-service.en.txt?raw';
import settlementZh from '../../resources/agreements/settlement-service.zh-CN.txt?raw';

export type AgreementName = 'customerService' | 'settlementService';

const TEXTS: Record<AgreementName, { zh: string; en: string }> = {
  customerService: { zh: customerZh, en: customerEn },
  settlementService: { zh: settlementZh, en: settlementEn },
};

export function agreementText(name: AgreementName, lang: string): string {
  return (lang === 'en' ? TEXTS[name].en : TEXTS[name].zh).trim();
}
