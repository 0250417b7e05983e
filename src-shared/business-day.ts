// The bank's business day follows China Standard Time (UTC+8, no daylight
// saving), wherever the service or a desktop runs: a clerk whose computer keeps
// UTC, or is abroad, still queries "today" as the bank dates its entries. The
// service computes every date from this; the desktop's date pickers start from it.

const CST_OFFSET_MS = 8 * 3600 * 1000;

/** The business date (YYYY-MM-DD) an instant falls on. */
export function businessDateOf(instant: Date): string {
  return new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 10);
}

/** An instant in China Standard Time, to the second: 2026-11-30T18:05:00+08:00. */
export function cstTimestamp(instant: Date): string {
  return `${new Date(instant.getTime() + CST_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

/** Start of a business day (00:00 CST) as an instant. */
export function startOfBusinessDate(date: string): Date {
  return new Date(Date.parse(`${date}T00:00:00.000Z`) - CST_OFFSET_MS);
}

/** The calendar date `days` after a YYYY-MM-DD date (before, when negative). */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00.000Z`) + days * 86_400_000;
  return new Date(t).toISOString().slice(0, 10);
}
