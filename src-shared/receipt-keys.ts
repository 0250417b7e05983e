// A receipt's line keys and what each holds, apart from receipts.ts so that the
// screens showing a receipt need neither zod nor the verifier's libraries.

/** A receipt's lines, in the order they print. Amounts are integer fen in decimal. */
export const RECEIPT_KEYS = [
  'serial',
  'time',
  'businessDate',
  'kind',
  'operation',
  'direction',
  'state',
  'market',
  'memberCode',
  'account',
  'accountName',
  'fromAccount',
  'toAccount',
  'boundAccount',
  'detailAccount',
  'counterpartyAccount',
  'counterpartyName',
  'targetUser',
  'permissions',
  'details',
  'amount',
  'balanceAfter',
  'maker',
  'checker',
  'rejectReason',
] as const;
export type ReceiptKey = (typeof RECEIPT_KEYS)[number];

/**
 * Lines holding an account or card number — by the keys' naming rule, those
 * named `account` or `…Account` — masked in the public lookup's copy.
 */
export const MASKED_KEYS: ReadonlySet<ReceiptKey> = new Set(RECEIPT_KEYS.filter((k) => /^account$|Account$/.test(k)));
/** Lines holding an amount in fen. */
export const AMOUNT_KEYS: ReadonlySet<ReceiptKey> = new Set(['amount', 'balanceAfter']);
/** Lines the app words itself (codes, times, amounts); every other line is the user's data. */
export const WORDED_KEYS: ReadonlySet<ReceiptKey> = new Set([
  'time',
  'businessDate',
  'kind',
  'operation',
  'direction',
  'state',
  'permissions',
  'amount',
  'balanceAfter',
]);
