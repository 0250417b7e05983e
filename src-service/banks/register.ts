// Bank and branch lookup for binding a card of another bank (开户行 / 开户网点).
// Callers depend on BranchRegister only, so the demo data set below can later be
// swapped for the national branch register (联行号) without touching them.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';

export interface Bank {
  /** 3-digit CNAPS bank code, e.g. "308". */
  code: string;
  name: string;
  shortName: string;
  nameEn: string;
  abbr: string;
  /** Card BIN prefixes (digits) of the bank's debit cards. */
  bins: string[];
}

export interface Branch {
  /** 12-digit 联行号; starts with the bank code. */
  cnaps: string;
  bankCode: string;
  name: string;
  nameEn: string;
  /** GB/T 2260 province code, e.g. "440000". */
  province: string;
  /** GB/T 2260 city code, e.g. "440300". */
  city: string;
}

export interface BranchQuery {
  bankCode: string;
  province?: string;
  city?: string;
  /** Part of the Chinese or English name (case-insensitive), or a 联行号 prefix. */
  keyword?: string;
  /** Default 50; clamped to 1–200. */
  limit?: number;
}

export interface BranchRegister {
  banks(): Bank[];
  bankByCode(code: string): Bank | undefined;
  /** The issuing bank by the longest matching BIN prefix; spaces and dashes are ignored. */
  issuerOfCard(cardNo: string): Bank | undefined;
  branches(query: BranchQuery): Branch[];
}

export const DEFAULT_BRANCH_LIMIT = 50;
export const MAX_BRANCH_LIMIT = 200;

const BranchRow = z.object({
  cnaps: z.string().regex(/^\d{12}$/),
  name: z.string().min(1),
  nameEn: z.string().min(1),
  province: z.string().regex(/^\d{2}0000$/),
  city: z.string().regex(/^\d{4}00$/),
});

const BankRow = z.object({
  code: z.string().regex(/^\d{3}$/),
  name: z.string().min(1),
  shortName: z.string().min(1),
  nameEn: z.string().min(1),
  abbr: z.string().min(1),
  bins: z.array(z.string().regex(/^\d{4,10}$/)).min(1),
  branches: z.array(BranchRow),
});

// Cross-row rules a typo in a hand-made file is most likely to break.
export const BankDataset = z
  .object({
    dataset: z.string().min(1),
    version: z.number().int(),
    banks: z.array(BankRow).min(1),
  })
  .superRefine((data, ctx) => {
    const codes = new Set<string>();
    const bins = new Set<string>();
    const cnaps = new Set<string>();
    data.banks.forEach((bank, i) => {
      if (codes.has(bank.code)) ctx.addIssue({ code: 'custom', path: ['banks', i, 'code'], message: 'duplicate' });
      codes.add(bank.code);
      bank.bins.forEach((bin, j) => {
        if (bins.has(bin)) ctx.addIssue({ code: 'custom', path: ['banks', i, 'bins', j], message: 'duplicate' });
        bins.add(bin);
      });
      bank.branches.forEach((branch, j) => {
        const path = ['banks', i, 'branches', j];
        if (!branch.cnaps.startsWith(bank.code))
          ctx.addIssue({ code: 'custom', path: [...path, 'cnaps'], message: 'must start with the bank code' });
        if (cnaps.has(branch.cnaps)) ctx.addIssue({ code: 'custom', path: [...path, 'cnaps'], message: 'duplicate' });
        cnaps.add(branch.cnaps);
        if (branch.city.slice(0, 2) !== branch.province.slice(0, 2))
          ctx.addIssue({ code: 'custom', path: [...path, 'city'], message: 'not in the province' });
      });
    });
  });
export type BankDataset = z.infer<typeof BankDataset>;

/** An in-memory register over an already validated data set. */
export function branchRegisterFrom(data: BankDataset): BranchRegister {
  const banks: Bank[] = data.banks.map(({ branches: _branches, ...bank }) => bank);
  const byCode = new Map(banks.map((b) => [b.code, b]));
  const branchesByBank = new Map<string, Branch[]>(
    data.banks.map((b) => [b.code, b.branches.map((br) => ({ ...br, bankCode: b.code }))]),
  );
  // Longest prefix first, so a more specific BIN wins over a shorter one.
  const bins = banks
    .flatMap((bank) => bank.bins.map((bin) => ({ bin, bank })))
    .sort((a, b) => b.bin.length - a.bin.length);

  // Copies out, so a caller editing a result cannot change what the next one sees.
  const copy = (bank: Bank): Bank => ({ ...bank, bins: [...bank.bins] });
  const copyOf = (bank: Bank | undefined): Bank | undefined => bank && copy(bank);

  return {
    banks: () => banks.map(copy),
    bankByCode: (code) => copyOf(byCode.get(code)),
    issuerOfCard(cardNo) {
      const digits = cardNo.replace(/[\s-]/g, '');
      if (!/^\d+$/.test(digits)) return undefined;
      return copyOf(bins.find((entry) => digits.startsWith(entry.bin))?.bank);
    },
    branches(query) {
      const keyword = query.keyword?.trim().toLowerCase() ?? '';
      const limit = clampLimit(query.limit);
      const found: Branch[] = [];
      for (const branch of branchesByBank.get(query.bankCode) ?? []) {
        if (found.length >= limit) break;
        if (query.province && branch.province !== query.province) continue;
        if (query.city && branch.city !== query.city) continue;
        if (keyword && !matches(branch, keyword)) continue;
        found.push({ ...branch });
      }
      return found;
    },
  };
}

function matches(branch: Branch, keyword: string): boolean {
  return (
    branch.name.toLowerCase().includes(keyword) ||
    branch.nameEn.toLowerCase().includes(keyword) ||
    branch.cnaps.startsWith(keyword)
  );
}

function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_BRANCH_LIMIT;
  return Math.min(MAX_BRANCH_LIMIT, Math.max(1, Math.floor(limit)));
}

const DATA_FILE = join('resources', 'banks', 'banks.json');

// The same code runs from src-service/banks (tsx, vitest), from the bundled
// dist/service/*.cjs, and from a packaged app where Forge copies resources/ next
// to app.asar; walking up from here finds the data in all three.
export function findDemoDataFile(): string {
  const starts = [typeof __dirname === 'string' ? __dirname : undefined, process.cwd()];
  for (const start of starts) {
    for (let dir = start; dir;) {
      const file = join(dir, DATA_FILE);
      if (existsSync(file)) return file;
      const parent = dirname(dir);
      dir = parent === dir ? undefined : parent;
    }
  }
  throw new Error(`demo bank data not found: no ${DATA_FILE} above ${starts.filter(Boolean).join(' or ')}`);
}

export function loadBranchRegister(file: string): BranchRegister {
  return branchRegisterFrom(BankDataset.parse(JSON.parse(readFileSync(file, 'utf8'))));
}

let demo: BranchRegister | undefined;

/** The demo register (resources/banks/banks.json), read and validated once per process. */
export function demoBranchRegister(): BranchRegister {
  demo ??= loadBranchRegister(findDemoDataFile());
  return demo;
}
