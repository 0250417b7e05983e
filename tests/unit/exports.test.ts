// The files a user downloads: read back with the same libraries a spreadsheet would use.
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { describe, expect, it } from 'vitest';
import { buildExport, safeFilename } from '../../src-main/flows/exports';
import type { ExportRequest } from '../../src-shared/ipc/contract';

const request = (format: 'xlsx' | 'csv'): ExportRequest => ({
  source: { kind: 'transactions', query: { period: 'today' } },
  format,
  title: '交易明细查询',
  columns: [
    { key: 'serial', label: '流水号' },
    { key: 'kind', label: '交易类型', values: { deposit: '入金', withdraw: '出金' } },
    { key: 'amount', label: '金额' },
  ],
});
const rows: Record<string, string>[] = [
  { serial: '2026112700000002', kind: 'withdraw', amount: '200.00', memo: 'not a column' },
  { serial: '2026112700000001', kind: 'deposit', amount: '1000.00' },
  { serial: '2026112700000003', kind: 'fee', amount: '0.01' },
];

describe('list exports', () => {
  it('writes an XLSX sheet with the headings, the codes in words and the amounts as the page shows them', async () => {
    const file = await buildExport(request('xlsx'), rows);
    expect(file.extension).toBe('xlsx');
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(file.data as never);
    const sheet = book.getWorksheet('交易明细查询')!;
    const values = sheet
      .getSheetValues()
      .slice(1)
      .map((r) => (r as unknown[]).slice(1));
    expect(values).toEqual([
      ['流水号', '交易类型', '金额'],
      ['2026112700000002', '出金', '200.00'],
      ['2026112700000001', '入金', '1000.00'],
      // a code without words stays as it is
      ['2026112700000003', 'fee', '0.01'],
    ]);
  });

  it('writes a CSV with a byte-order mark so Excel reads the Chinese as UTF-8', async () => {
    const file = await buildExport(request('csv'), rows);
    const text = file.data.toString('utf8');
    expect(text.startsWith('\ufeff')).toBe(true);
    const parsed = Papa.parse<string[]>(text.slice(1), { skipEmptyLines: true });
    expect(parsed.data).toEqual([
      ['流水号', '交易类型', '金额'],
      ['2026112700000002', '出金', '200.00'],
      ['2026112700000001', '入金', '1000.00'],
      ['2026112700000003', 'fee', '0.01'],
    ]);
  });

  it('names the file after the title without characters a file system refuses', () => {
    expect(safeFilename('a/b:c 明细', 'csv')).toMatch(/^a_b_c_明细_\d{14}\.csv$/);
  });
});
