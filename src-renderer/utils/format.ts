// Display helpers for money, dates and names: money stays integer fen until
// the moment it is shown.
import dayjs from 'dayjs';
import { balance, formatFen, toCapitals } from '../../src-shared/money';

/**
 * A single amount, a balance (a safe integer of fen, possibly past what one
 * request may move) or a total sent as a decimal string (exact past 2^53).
 */
export function money(value: number | string | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return formatFen(typeof value === 'string' ? value : balance(value));
}

export function capitals(value: number | null | undefined): string {
  return value === null || value === undefined ? '' : toCapitals(balance(value));
}

export function dateTime(iso: string | null | undefined): string {
  return iso ? dayjs(iso).format('YYYY-MM-DD HH:mm:ss') : '—';
}

export function marketName(market: { name: string; nameEn: string } | null | undefined, lang: string): string {
  if (!market) return '—';
  return lang === 'en' ? market.nameEn : market.name;
}

/** A card's issuing bank and branch in the user's language. */
export function cardBank(
  card: { bankName: string; branchName: string; bankNameEn: string; branchNameEn: string },
  lang: string,
): { bank: string; branch: string } {
  return lang === 'en'
    ? { bank: card.bankNameEn, branch: card.branchNameEn }
    : { bank: card.bankName, branch: card.branchName };
}

/** A file's size for people: KB below a megabyte, MB with two decimals above. */
export function fileSize(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.ceil((bytes / 1024) * 10) / 10} KB`;
  return `${Math.ceil((bytes / (1024 * 1024)) * 100) / 100} MB`;
}
