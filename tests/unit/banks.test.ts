import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cities, divisionName, provinces } from '../../src-service/banks/divisions';
import {
  BankDataset,
  branchRegisterFrom,
  demoBranchRegister,
  findDemoDataFile,
  MAX_BRANCH_LIMIT,
} from '../../src-service/banks/register';

const register = demoBranchRegister();
const CMB = '308';
const ABC = '103';

function rawDataset(): BankDataset {
  return BankDataset.parse(JSON.parse(readFileSync(findDemoDataFile(), 'utf8')));
}

describe('demo bank data set', () => {
  it('lists the twelve demo banks with their CNAPS codes', () => {
    const banks = register.banks();
    expect(banks).toHaveLength(12);
    expect(banks.map((b) => b.code).sort()).toEqual(
      ['102', '103', '104', '105', '301', '302', '305', '307', '308', '309', '310', '403'].sort(),
    );
    expect(register.bankByCode(CMB)).toMatchObject({ name: '招商银行', nameEn: 'China Merchants Bank', abbr: 'CMB' });
    expect(register.bankByCode(ABC)?.name).toBe('中国农业银行');
    expect(register.bankByCode('999')).toBeUndefined();
  });

  it('keeps the branch names the member demo data already uses', () => {
    expect(register.branches({ bankCode: CMB, keyword: '招商银行北京分行营业部' }).map((b) => b.name)).toEqual([
      '招商银行北京分行营业部',
    ]);
    expect(register.branches({ bankCode: ABC, keyword: '中国农业银行深圳分行营业部' }).map((b) => b.name)).toEqual([
      '中国农业银行深圳分行营业部',
    ]);
  });

  it('gives every bank 8–15 branches over at least 6 provinces, with 联行号 under its code', () => {
    for (const bank of register.banks()) {
      const branches = register.branches({ bankCode: bank.code, limit: MAX_BRANCH_LIMIT });
      expect(branches.length, bank.abbr).toBeGreaterThanOrEqual(8);
      expect(branches.length, bank.abbr).toBeLessThanOrEqual(15);
      expect(new Set(branches.map((b) => b.province)).size, bank.abbr).toBeGreaterThanOrEqual(6);
      for (const b of branches) expect(b.cnaps).toMatch(new RegExp(`^${bank.code}\\d{9}$`));
    }
  });

  it('rejects a data set whose 联行号 does not start with the bank code', () => {
    const data = rawDataset();
    data.banks[0].branches[0].cnaps = '999100000001';
    expect(() => BankDataset.parse(data)).toThrow(/bank code/);
  });
});

describe('issuerOfCard', () => {
  it('finds the bank by BIN prefix', () => {
    expect(register.issuerOfCard('6225880000000019')?.name).toBe('招商银行');
    expect(register.issuerOfCard('6228480000000015')?.name).toBe('中国农业银行');
    expect(register.issuerOfCard('6228 4800 0000 0015')?.code).toBe(ABC);
  });

  it('returns undefined for an unknown BIN or a malformed number', () => {
    expect(register.issuerOfCard('4111111111111111')).toBeUndefined();
    expect(register.issuerOfCard('62258')).toBeUndefined();
    expect(register.issuerOfCard('')).toBeUndefined();
    expect(register.issuerOfCard('6225x80000000019')).toBeUndefined();
  });

  it('prefers the longest matching prefix', () => {
    const data = rawDataset();
    data.banks = data.banks.filter((b) => b.code === CMB || b.code === ABC);
    data.banks.find((b) => b.code === ABC)!.bins.push('62258899');
    const custom = branchRegisterFrom(BankDataset.parse(data));
    expect(custom.issuerOfCard('6225889900000000')?.code).toBe(ABC);
    expect(custom.issuerOfCard('6225880000000019')?.code).toBe(CMB);
  });
});

describe('branches', () => {
  it('filters by province', () => {
    const found = register.branches({ bankCode: CMB, province: '440000' });
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found.every((b) => b.province === '440000')).toBe(true);
    expect(new Set(found.map((b) => b.city))).toEqual(new Set(['440100', '440300']));
  });

  it('filters by city', () => {
    const found = register.branches({ bankCode: ABC, city: '440300' });
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found.every((b) => b.city === '440300' && b.bankCode === ABC)).toBe(true);
    expect(found.map((b) => b.name)).toContain('中国农业银行深圳分行营业部');
  });

  it('matches a Chinese keyword', () => {
    const found = register.branches({ bankCode: CMB, keyword: '北京' });
    expect(found.length).toBeGreaterThanOrEqual(2);
    expect(found.every((b) => b.name.includes('北京'))).toBe(true);
  });

  it('matches an English keyword, ignoring case', () => {
    const found = register.branches({ bankCode: CMB, keyword: '  shenZHEN ' });
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found.every((b) => b.nameEn.includes('Shenzhen'))).toBe(true);
  });

  it('matches a 联行号 prefix', () => {
    const found = register.branches({ bankCode: CMB, keyword: '3081000' });
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found.every((b) => b.cnaps.startsWith('3081000'))).toBe(true);
    expect(register.branches({ bankCode: CMB, keyword: '1000' })).toEqual([]);
  });

  it('combines filters and returns nothing for an unknown bank', () => {
    expect(register.branches({ bankCode: CMB, city: '440300', keyword: 'Beijing' })).toEqual([]);
    expect(register.branches({ bankCode: '999' })).toEqual([]);
  });

  it('respects the limit and caps it', () => {
    expect(register.branches({ bankCode: CMB, limit: 3 })).toHaveLength(3);
    expect(register.branches({ bankCode: CMB, limit: 0 })).toHaveLength(1);

    // The demo banks are small, so check the default and the cap on a larger set.
    const data = rawDataset();
    const template = data.banks[0].branches[0];
    data.banks[0].branches = Array.from({ length: 300 }, (_, i) => ({
      ...template,
      cnaps: `${data.banks[0].code}${String(i).padStart(9, '0')}`,
    }));
    const big = branchRegisterFrom(BankDataset.parse(data));
    const bankCode = data.banks[0].code;
    expect(big.branches({ bankCode })).toHaveLength(50);
    expect(big.branches({ bankCode, limit: 120 })).toHaveLength(120);
    expect(big.branches({ bankCode, limit: 10_000 })).toHaveLength(MAX_BRANCH_LIMIT);
  });

  it('hands out copies, so callers cannot corrupt the register', () => {
    register.branches({ bankCode: CMB })[0].name = 'x';
    register.bankByCode(CMB)!.bins.push('000000');
    expect(register.branches({ bankCode: CMB })[0].name).not.toBe('x');
    expect(register.bankByCode(CMB)!.bins).not.toContain('000000');
  });

  it('uses only province and city codes that exist in the division data', () => {
    const provinceCodes = new Set(provinces().map((p) => p.code));
    for (const bank of register.banks()) {
      for (const b of register.branches({ bankCode: bank.code, limit: MAX_BRANCH_LIMIT })) {
        expect(provinceCodes.has(b.province), `${b.name} ${b.province}`).toBe(true);
        expect(
          cities(b.province).some((c) => c.code === b.city),
          `${b.name} ${b.city}`,
        ).toBe(true);
      }
    }
  });
});

describe('divisions', () => {
  it('lists the 31 mainland provincial-level divisions', () => {
    const list = provinces();
    expect(list.length).toBeGreaterThanOrEqual(31);
    expect(list).toContainEqual({ code: '110000', name: '北京市' });
    expect(list).toContainEqual({ code: '440000', name: '广东省' });
    expect(list).toContainEqual({ code: '650000', name: '新疆维吾尔自治区' });
    expect(list.every((p) => /^\d{2}0000$/.test(p.code))).toBe(true);
  });

  it('lists the cities of a province', () => {
    const guangdong = cities('440000');
    expect(guangdong).toContainEqual({ code: '440300', name: '深圳市' });
    expect(guangdong).toContainEqual({ code: '440100', name: '广州市' });
    expect(guangdong.every((c) => c.code.startsWith('44'))).toBe(true);
    expect(cities('999999')).toEqual([]);
  });

  it('gives each municipality one city to pick', () => {
    expect(cities('110000')).toEqual([{ code: '110100', name: '北京市' }]);
    expect(cities('310000')).toEqual([{ code: '310100', name: '上海市' }]);
    expect(cities('120000')).toEqual([{ code: '120100', name: '天津市' }]);
    expect(cities('500000')).toEqual([{ code: '500100', name: '重庆市' }]);
  });

  it('names a division by code', () => {
    expect(divisionName('510000')).toBe('四川省');
    expect(divisionName('510100')).toBe('成都市');
    expect(divisionName('310100')).toBe('上海市');
    expect(divisionName('000000')).toBeUndefined();
  });
});
