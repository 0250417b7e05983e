// A signed receipt's lines as the user reads them: the label of each key and its
// value in words (kinds, states, permissions), amounts with their capitals.
import { useI18n } from 'vue-i18n';
import { AMOUNT_KEYS, type ReceiptKey } from '../../src-shared/receipt-keys';
// types only: receipts.ts brings zod and the verifier's libraries, which only the 回单验证 page loads
import type { ReceiptKind, ReceiptLine } from '../../src-shared/receipts';
import { capitals, dateTime, money } from '../utils/format';
import { usePermissionNames } from './usePermissionNames';

/** Where a code of each receipt kind is worded: an instruction's kind, a journal entry's, a member operation. */
const KIND_WORDS: Record<ReceiptKind, string> = { instruction: 'kind', transaction: 'txn', memberOperation: 'mop' };

export function useReceiptWords() {
  const { t, te } = useI18n();
  const { list: permissionList } = usePermissionNames();
  const label = (key: ReceiptKey) => t(`receiptFields.${key}`);
  const worded = (section: string, value: string) => (te(`${section}.${value}`) ? t(`${section}.${value}`) : value);
  const value = (kind: ReceiptKind, key: ReceiptKey, raw: string): string => {
    if (AMOUNT_KEYS.has(key)) return money(raw);
    if (key === 'time') return dateTime(raw);
    if (key === 'kind') return worded(KIND_WORDS[kind], raw);
    if (key === 'operation') return worded('mop', raw);
    if (key === 'state') return worded('state', raw);
    if (key === 'direction') return worded('direction', raw);
    if (key === 'permissions') return permissionList(raw.split(',').filter(Boolean));
    return raw;
  };
  /** The lines to show: each with its label and value, an amount followed by its capitals. */
  const rows = (kind: ReceiptKind, lines: readonly ReceiptLine[]) =>
    lines.flatMap((l) => [
      { key: l.key as string, label: label(l.key), value: value(kind, l.key, l.value) },
      ...(l.key === 'amount' && /^\d+$/.test(l.value)
        ? [{ key: 'capitals', label: t('receipt.capitals'), value: capitals(Number(l.value)) }]
        : []),
    ]);
  return { label, value, rows };
}
