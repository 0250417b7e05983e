// A receipt line's value as a person reads it: amounts in yuan with their Chinese
// capitals (the form a Chinese bank's receipt carries, in either language), times
// in the service's ISO form without its T. Codes (kinds, states) are worded by
// the app's own messages where it shows them.
import { balance, formatFen, toCapitals } from './money';
import { AMOUNT_KEYS, type ReceiptKey } from './receipts';

export function formatReceiptValue(key: ReceiptKey, value: string): string {
  if (AMOUNT_KEYS.has(key) && /^-?\d{1,16}$/.test(value))
    return `${formatFen(value)} (${toCapitals(balance(Number(value)))})`;
  if (key === 'time') return value.replace('T', ' ').replace(/\.\d+Z$|Z$/, ' UTC');
  return value;
}
