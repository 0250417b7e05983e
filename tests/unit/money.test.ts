import { describe, expect, it } from 'vitest';
import {
  balance,
  balanceFromDb,
  fen,
  fenToPlain,
  formatFen,
  MAX_BALANCE,
  MAX_FEN,
  parseYuan,
  sumFromDb,
  toCapitals,
} from '../../src-shared/money';

describe('parseYuan', () => {
  it.each([
    ['1,234.56', 123456],
    ['1234.56', 123456],
    ['1234.5', 123450],
    ['1234', 123400],
    ['0.01', 1],
    ['0', 0],
    ['¥1,000.00', 100000],
    [' 200 ', 20000],
    ['999,999,999,999.99', 99_999_999_999_999],
    ['000123.40', 12340],
  ])('%s → %d fen', (input, expected) => {
    expect(parseYuan(input)).toEqual({ ok: true, fen: expected });
  });

  it.each([
    ['', 'MONEY_EMPTY'],
    ['   ', 'MONEY_EMPTY'],
    ['-1', 'MONEY_NEGATIVE'],
    ['-0.01', 'MONEY_NEGATIVE'],
    ['1.234', 'MONEY_DECIMALS'],
    ['0.001', 'MONEY_DECIMALS'],
    ['abc', 'MONEY_FORMAT'],
    ['1e5', 'MONEY_FORMAT'],
    ['1,23.00', 'MONEY_FORMAT'],
    ['12,3456', 'MONEY_FORMAT'],
    ['1.', 'MONEY_FORMAT'],
    ['.5', 'MONEY_FORMAT'],
    ['NaN', 'MONEY_FORMAT'],
    ['Infinity', 'MONEY_FORMAT'],
    ['1000000000000', 'MONEY_TOO_LARGE'],
    ['1,000,000,000,000.00', 'MONEY_TOO_LARGE'],
    ['99999999999999999999', 'MONEY_TOO_LARGE'],
  ])('%j is refused with %s', (input, error) => {
    expect(parseYuan(input)).toEqual({ ok: false, error });
  });
});

describe('formatFen', () => {
  it.each([
    [123456, '¥1,234.56'],
    [0, '¥0.00'],
    [1, '¥0.01'],
    [10, '¥0.10'],
    [100000, '¥1,000.00'],
    [99_999_999_999_999, '¥999,999,999,999.99'],
    [-20000, '-¥200.00'],
  ])('%d → %s', (value, expected) => {
    expect(formatFen(fen(value))).toBe(expected);
  });
  it('formats without the symbol and as plain digits', () => {
    expect(formatFen(fen(123456), { symbol: false })).toBe('1,234.56');
    expect(fenToPlain(fen(123456))).toBe('1234.56');
    expect(fenToPlain(fen(5))).toBe('0.05');
  });
  it('round-trips every formatted amount through parseYuan', () => {
    for (const value of [0, 1, 99, 100, 101, 123456, 1000000, 99_999_999_999_999]) {
      expect(parseYuan(formatFen(fen(value)))).toEqual({ ok: true, fen: value });
    }
  });
});

describe('toCapitals', () => {
  it.each([
    [123456, '壹仟贰佰叁拾肆元伍角陆分'],
    [100000, '壹仟元整'],
    [20000, '贰佰元整'],
    [80000, '捌佰元整'],
    [0, '零元整'],
    [1, '壹分'],
    [10, '壹角整'],
    [11, '壹角壹分'],
    [105, '壹元零伍分'],
    [1050, '壹拾元零伍角整'],
    [168032, '壹仟陆佰捌拾元零叁角贰分'],
    [1050005, '壹万零伍佰元零伍分'],
    [1200, '壹拾贰元整'],
    [101000, '壹仟零壹拾元整'],
    [100100, '壹仟零壹元整'],
    [1000100, '壹万零壹元整'],
    [1001000, '壹万零壹拾元整'],
    [10000000, '壹拾万元整'],
    [100000000, '壹佰万元整'],
    [100010000, '壹佰万零壹佰元整'],
    [10000000000, '壹亿元整'],
    [10000000100, '壹亿零壹元整'],
    [10001000000, '壹亿零壹万元整'],
    [11000000000, '壹亿壹仟万元整'],
    [500000000, '伍佰万元整'],
    [125000050, '壹佰贰拾伍万元零伍角整'],
    [99_999_999_999_999, '玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分'],
  ])('%d fen → %s', (value, expected) => {
    expect(toCapitals(fen(value))).toBe(expected);
  });
});

describe('fen bounds', () => {
  it('refuses fractions, unsafe integers and out-of-range values', () => {
    expect(() => fen(1.5)).toThrow(RangeError);
    expect(() => fen(Number(MAX_FEN) + 1)).toThrow(RangeError);
    expect(() => fen(Number.NaN)).toThrow(RangeError);
  });
  it('reads BIGINT strings from the database as balances, up to 2^53−1 and no further', () => {
    expect(balanceFromDb('123456')).toBe(123456);
    expect(balanceFromDb(42)).toBe(42);
    expect(balanceFromDb(null)).toBe(0);
    // a balance may pass the single-amount bound: it must still read back
    expect(balanceFromDb(String(Number(MAX_FEN) * 3))).toBe(Number(MAX_FEN) * 3);
    expect(balanceFromDb('-9007199254740991')).toBe(-Number(MAX_BALANCE));
    expect(() => balanceFromDb('9007199254740992')).toThrow(RangeError);
    expect(() => balance(Number(MAX_BALANCE) + 1)).toThrow(RangeError);
  });
  it('reads sums that are not balances exactly, at any size, and refuses an inexact number', () => {
    expect(sumFromDb('92233720368547758070000')).toBe(92233720368547758070000n);
    expect(sumFromDb(null)).toBe(0n);
    expect(sumFromDb(-5)).toBe(-5n);
    expect(() => sumFromDb(2 ** 60)).toThrow(RangeError);
  });
});

describe('formatting balances and totals past the single-amount bound', () => {
  it('formats a balance and a BigInt total digit for digit', () => {
    expect(formatFen(MAX_BALANCE)).toBe('¥90,071,992,547,409.91');
    expect(fenToPlain(-MAX_BALANCE as typeof MAX_BALANCE)).toBe('-90071992547409.91');
    expect(formatFen(12345678901234567891n)).toBe('¥123,456,789,012,345,678.91');
    expect(formatFen('-100')).toBe('-¥1.00');
    expect(toCapitals(MAX_BALANCE)).toBe('玖拾万亿零柒佰壹拾玖亿玖仟贰佰伍拾肆万柒仟肆佰零玖元玖角壹分');
  });
});
