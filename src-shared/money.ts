// Money is integer fen (分) everywhere. Nothing in this module goes through a
// floating-point number: parsing works on the digit string, capitals on digits.

declare const balanceBrand: unique symbol;
declare const fenBrand: unique symbol;

/**
 * Fen that an account holds or a ledger line moves: a balance, a held total, the
 * whole balance transferred out. Any safe integer — the database's CHECK
 * constraints keep every stored one inside ±MAX_BALANCE, so each reads back.
 */
export type Balance = number & { readonly [balanceBrand]: true };

/**
 * One amount or fee that someone asks to move, at most MAX_FEN. Every Fen is a
 * Balance, not the other way round: a balance may grow past what one request
 * may move, and must still be readable.
 */
export type Fen = Balance & { readonly [fenBrand]: true };

/** 999,999,999,999.99 yuan — the largest single amount or fee any screen, request or instruction accepts. */
export const MAX_FEN = 99_999_999_999_999 as Fen;

/**
 * The largest balance or held total an account may reach: 2^53−1 fen, the last
 * integer a JavaScript number carries exactly. About 90 maximum amounts.
 */
export const MAX_BALANCE = Number.MAX_SAFE_INTEGER as Balance;

export type MoneyParseError = 'MONEY_EMPTY' | 'MONEY_FORMAT' | 'MONEY_NEGATIVE' | 'MONEY_DECIMALS' | 'MONEY_TOO_LARGE';

export type MoneyParseResult = { ok: true; fen: Fen } | { ok: false; error: MoneyParseError };

/** Brand an integer as a single amount after checking it is within ±MAX_FEN. */
export function fen(value: number): Fen {
  if (!Number.isSafeInteger(value) || Math.abs(value) > MAX_FEN) {
    throw new RangeError(`not an amount in fen: ${String(value)}`);
  }
  return value as Fen;
}

export function isFen(value: unknown): value is Fen {
  return typeof value === 'number' && Number.isSafeInteger(value) && Math.abs(value) <= MAX_FEN;
}

/** Brand an integer as a balance after checking it is a safe integer. */
export function balance(value: number): Balance {
  if (!Number.isSafeInteger(value)) throw new RangeError(`not a balance in fen: ${String(value)}`);
  return value as Balance;
}

/**
 * Reads a BIGINT money column — a balance, a held total, a line, a stored
 * amount — that may arrive as a string (pg) or a number (SQLite). Whatever is
 * stored passed the CHECK of ±MAX_BALANCE, so this refuses only a corrupt value.
 */
export function balanceFromDb(value: string | number | bigint | null | undefined): Balance {
  if (value === null || value === undefined) return 0 as Balance;
  if (typeof value === 'number') return balance(value);
  const big = BigInt(value);
  if (big > BigInt(MAX_BALANCE) || big < -BigInt(MAX_BALANCE)) {
    throw new RangeError(`balance out of range: ${String(value)}`);
  }
  return Number(big) as Balance;
}

/**
 * Reads a SUM that is not a balance (a control total, a day's deposits, an
 * account's lines over all time) exactly, whatever its size: the query casts
 * it to text, since a number past 2^53 has already lost digits.
 */
export function sumFromDb(value: string | number | bigint | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  if (typeof value === 'number' && !Number.isSafeInteger(value)) {
    throw new RangeError(`a sum arrived as an inexact number: ${String(value)}; cast it to text in the query`);
  }
  return BigInt(value);
}

/** A total for the wire: fen as a decimal string, since JSON numbers past 2^53 lose digits. */
export function sumToWire(value: bigint): string {
  return value.toString();
}

const AMOUNT_PATTERN = /^(\d{1,3}(,\d{3})+|\d+)(\.(\d*))?$/;

/**
 * Parses what a person types as a yuan amount: "1,234.56", "1234.5", "1234", "0.01".
 * Commas must group thousands properly; at most two decimals; no sign, no exponent.
 */
export function parseYuan(input: string): MoneyParseResult {
  const text = input.trim().replace(/[¥￥\s]/g, '');
  if (text === '') return { ok: false, error: 'MONEY_EMPTY' };
  if (text.startsWith('-')) return { ok: false, error: 'MONEY_NEGATIVE' };
  const match = AMOUNT_PATTERN.exec(text);
  if (!match) return { ok: false, error: 'MONEY_FORMAT' };
  const intDigits = match[1].replace(/,/g, '');
  const decDigits = match[4] ?? '';
  if (match[3] !== undefined && decDigits === '') return { ok: false, error: 'MONEY_FORMAT' };
  if (decDigits.length > 2) return { ok: false, error: 'MONEY_DECIMALS' };
  const trimmedInt = intDigits.replace(/^0+(?=\d)/, '');
  // 15 integer digits would already exceed 999,999,999,999.99
  if (trimmedInt.length > 12) return { ok: false, error: 'MONEY_TOO_LARGE' };
  const digits = trimmedInt + decDigits.padEnd(2, '0');
  const value = Number(digits);
  if (value > MAX_FEN) return { ok: false, error: 'MONEY_TOO_LARGE' };
  return { ok: true, fen: value as Fen };
}

/** Anything the formatters take: a single amount, a balance, or a total of any size (BigInt or its decimal string). */
export type FenLike = Balance | bigint | string;

function splitFen(value: FenLike): { negative: boolean; yuan: string; jiao: number; fen: number } {
  // BigInt: a total past 2^53 keeps its digits; the string is never divided.
  const big = BigInt(value);
  const negative = big < 0n;
  const digits = (negative ? -big : big).toString().padStart(3, '0');
  return {
    negative,
    yuan: digits.slice(0, -2).replace(/^0+(?=\d)/, ''),
    jiao: Number(digits[digits.length - 2]),
    fen: Number(digits[digits.length - 1]),
  };
}

/** "¥1,234.56"; the grouping comes from the integer digits, never from a division. */
export function formatFen(value: FenLike, options: { symbol?: boolean } = {}): string {
  const { negative, yuan, jiao, fen: f } = splitFen(value);
  const grouped = yuan.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = options.symbol === false ? '' : '¥';
  return `${negative ? '-' : ''}${symbol}${grouped}.${jiao}${f}`;
}

/** The plain "1234.56" form, used in exports and in the canonical bytes that are signed. */
export function fenToPlain(value: FenLike): string {
  const { negative, yuan, jiao, fen: f } = splitFen(value);
  return `${negative ? '-' : ''}${yuan}.${jiao}${f}`;
}

const DIGITS = ['零', '壹', '贰', '叁', '肆', '伍', '陆', '柒', '捌', '玖'];
const SMALL_UNITS = ['', '拾', '佰', '仟'];
const BIG_UNITS = ['', '万', '亿', '万亿'];

/** Capitals of one group of up to four digits, with the zeros inside the group collapsed to one 零. */
function groupCapitals(group: string): string {
  let out = '';
  let pendingZero = false;
  const len = group.length;
  for (let i = 0; i < len; i++) {
    const d = Number(group[i]);
    const unit = SMALL_UNITS[len - 1 - i];
    if (d === 0) {
      pendingZero = out !== '';
      continue;
    }
    if (pendingZero) out += '零';
    pendingZero = false;
    out += DIGITS[d] + unit;
  }
  return out;
}

/**
 * Chinese capital amount as written on a cheque: 壹仟贰佰叁拾肆元伍角陆分, 壹仟元整,
 * 壹万零壹元整, 零元整. Rules: zeros between non-zero digits read as one 零 (also across
 * 万/亿 groups); an amount with no 分 ends in 整; a zero 元 digit before a 角, or a zero
 * 角 before a 分, reads 零.
 */
export function toCapitals(value: Balance): string {
  const { negative, yuan, jiao, fen: f } = splitFen(value);
  const prefix = negative ? '负' : '';
  let integer = '';
  if (Number(yuan) !== 0) {
    const groups: string[] = [];
    for (let end = yuan.length; end > 0; end -= 4) groups.unshift(yuan.slice(Math.max(0, end - 4), end));
    let needZero = false;
    groups.forEach((group, index) => {
      const unit = BIG_UNITS[groups.length - 1 - index];
      if (Number(group) === 0) {
        needZero = integer !== '';
        return;
      }
      // a group that starts with 0 (e.g. 1,0001) needs a 零 after the previous group
      if (integer !== '' && (needZero || group.padStart(4, '0')[0] === '0')) integer += '零';
      needZero = false;
      integer += groupCapitals(group) + unit;
    });
    integer += '元';
  }
  if (jiao === 0 && f === 0) return prefix + (integer === '' ? '零元' : integer) + '整';
  let decimals = '';
  // 《支付结算办法》: when the 元 digit is 0 and 角 is not, a 零 is written before the 角.
  if (jiao !== 0 && integer !== '' && yuan.endsWith('0')) decimals += '零';
  if (jiao !== 0) decimals += DIGITS[jiao] + '角';
  else if (integer !== '') decimals += '零';
  if (f !== 0) decimals += DIGITS[f] + '分';
  else decimals += '整';
  return prefix + integer + decimals;
}
