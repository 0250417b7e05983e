import { describe, expect, it } from 'vitest';
import {
  isValidCardNumber,
  isValidIdNumber,
  isValidMobile,
  isValidOrgCode,
  isValidUscc,
  orgCodeCheckChar,
  usccCheckChar,
} from '../../src-shared/identity';

describe('unified social credit code (GB 32100)', () => {
  it.each(['91310000MA1FL5DK7X', '91110108MA01N8QE57', '91440300MA5G7YUX26', '91350100M000100Y43'])('accepts %s', (c) =>
    expect(isValidUscc(c)).toBe(true),
  );
  it('refuses a wrong check character, lower case, the letters I O Z S V, and wrong lengths', () => {
    expect(isValidUscc('91310000MA1FL5DK7Y')).toBe(false);
    expect(isValidUscc('91310000ma1fl5dk7x')).toBe(false);
    expect(isValidUscc('91310000MA1FL5DK7')).toBe(false);
    expect(isValidUscc('91310000MA1FL5DO7X')).toBe(false);
    expect(usccCheckChar('9131000')).toBeNull();
  });
});

describe('organization code (GB 11714)', () => {
  it('accepts with or without the hyphen and computes X and 0 check characters', () => {
    expect(isValidOrgCode('MA1FL5DK-7')).toBe(true);
    expect(isValidOrgCode('MA1FL5DK7')).toBe(true);
    expect(orgCodeCheckChar('D2143569')).toBe('X');
    expect(isValidOrgCode('D2143569-X')).toBe(true);
    expect(isValidOrgCode('MA1FL5DK-8')).toBe(false);
    expect(isValidOrgCode('ma1fl5dk-7')).toBe(false);
  });
});

describe('resident ID number (GB 11643)', () => {
  it.each(['110105199003071239', '310104198505124325', '11010519491231002X'])('accepts %s', (id) =>
    expect(isValidIdNumber(id)).toBe(true),
  );
  it.each([
    ['110105199003071230', 'wrong check digit'],
    ['11010519491231002x', 'lower-case x'],
    ['110105199002301235', 'no 30 February'],
    ['11010519900307123', 'seventeen digits'],
  ])('refuses %s (%s)', (id) => expect(isValidIdNumber(id)).toBe(false));
});

describe('bank card (Luhn)', () => {
  it('accepts valid cards and refuses a changed digit or a wrong length', () => {
    expect(isValidCardNumber('6225880000000019')).toBe(true);
    expect(isValidCardNumber('4111111111111111')).toBe(true);
    expect(isValidCardNumber('6225880000000018')).toBe(false);
    expect(isValidCardNumber('42')).toBe(false);
    expect(isValidCardNumber('6225 8800 0000 0019')).toBe(false);
  });
  it('checks mobile numbers', () => {
    expect(isValidMobile('13800138002')).toBe(true);
    expect(isValidMobile('12800138002')).toBe(false);
    expect(isValidMobile('1380013800')).toBe(false);
  });
});
