import { describe, expect, it } from 'vitest';
import { isValidLoginName, isValidPassword } from '../../src-shared/credentials';

describe('login names (manual: not starting with a digit; letters, digits, . @ - _)', () => {
  it.each([
    'demo.operator',
    'Zhang_San',
    'a@b.cn',
    '_abc',
    '.dot',
    'x-1-2',
    'ABCD',
    'abcd1234567890123456789012345678',
  ])('accepts %s', (name) => expect(isValidLoginName(name)).toBe(true));
  it.each([
    ['1abc', 'starts with a digit'],
    ['abc', 'too short'],
    ['abcd12345678901234567890123456789', 'too long (33)'],
    ['张三丰先生', 'not ASCII letters'],
    ['ab cd', 'space'],
    ['ab#cd', 'symbol outside the set'],
    ['', 'empty'],
  ])('refuses %s (%s)', (name) => expect(isValidLoginName(name)).toBe(false));
  it('is case-sensitive: both cases are valid and distinct', () => {
    expect(isValidLoginName('Demo')).toBe(true);
    expect(isValidLoginName('demo')).toBe(true);
  });
});

describe('passwords (8–20, letters and digits, both present)', () => {
  it.each(['abcd1234', 'A1b2C3d4E5', 'Password2026', '12345678a', 'a1234567890123456789'])('accepts %s', (p) =>
    expect(isValidPassword(p)).toBe(true),
  );
  it.each([
    ['abc1234', 'seven characters'],
    ['a12345678901234567890', 'twenty-one characters'],
    ['abcdefgh', 'no digit'],
    ['12345678', 'no letter'],
    ['abcd 1234', 'space'],
    ['abcd!1234', 'symbol'],
    ['密码abcd1234', 'not ASCII'],
  ])('refuses %s (%s)', (p) => expect(isValidPassword(p)).toBe(false));
});
