// List exports (XLSX, CSV), built in the main process from the same queries the
// pages show — every page of them, not just the one on screen.
import ExcelJS from 'exceljs';
import Papa from 'papaparse';
import { z } from 'zod';
import { InstructionPage, MemberAccount, TransactionPage } from '../../src-shared/api/settlement';
import { AppError } from '../../src-shared/errors';
import type { ExportRequest } from '../../src-shared/ipc/contract';
import { balance, fenToPlain } from '../../src-shared/money';
import type { SettlementClient } from './settlement-client';

const MAX_ROWS = 20_000;
const PAGE = 200;

type Row = Record<string, string | number>;

// amounts and balances alike: a balance may pass the single-amount bound and is exported whole
const yuan = (fen: number | null) => (fen === null ? '' : fenToPlain(balance(fen)));

async function allPages<T>(fetchPage: (page: number) => Promise<{ items: T[]; total: number }>): Promise<T[]> {
  const out: T[] = [];
  for (let page = 1; ; page++) {
    const { items, total } = await fetchPage(page);
    out.push(...items);
    if (out.length >= total || items.length === 0) break;
    if (out.length >= MAX_ROWS)
      throw new AppError('VALIDATION', { detail: `more than ${MAX_ROWS} rows: narrow the dates` });
  }
  return out;
}

/** The rows of a source, flattened to the keys the columns name. */
export async function exportRows(client: SettlementClient, source: ExportRequest['source']): Promise<Row[]> {
  switch (source.kind) {
    case 'memberAccounts':
    case 'subLedgers': {
      const url = source.kind === 'subLedgers' ? '/member/accounts' : '/ebank/member-accounts';
      const accounts = await client.call('GET', url, z.array(MemberAccount), undefined, {
        params: { status: 'all' },
      });
      return accounts.map((a) => ({
        memberCode: a.memberCode,
        market: a.market.name,
        marketEn: a.market.nameEn,
        detailAccountNo: a.detailAccountNo,
        balance: yuan(a.balance),
        available: yuan(a.available),
        frozen: yuan(a.frozen),
        status: a.status,
      }));
    }
    case 'memberTransactions':
    case 'memberLedger':
    case 'transactions': {
      const url =
        source.kind === 'transactions'
          ? '/ebank/transactions'
          : source.kind === 'memberLedger'
            ? `/member/accounts/${source.contractId}/transactions`
            : `/ebank/member-accounts/${source.contractId}/transactions`;
      const items = await allPages((page) =>
        client.call('GET', url, TransactionPage, undefined, { params: { ...source.query, page, pageSize: PAGE } }),
      );
      return items.map((t) => ({
        serial: t.serial,
        businessDate: t.businessDate,
        time: t.createdAt,
        kind: t.kind,
        direction: t.direction,
        amount: yuan(t.amount),
        balanceAfter: yuan(t.balanceAfter),
        account: t.account.number,
        counterparty: t.counterparty ? `${t.counterparty.name} ${t.counterparty.number}` : '',
        memo: t.memo,
      }));
    }
    case 'instructions': {
      const items = await allPages((page) =>
        client.call('GET', '/instructions', InstructionPage, undefined, {
          params: { ...source.query, page, pageSize: PAGE },
        }),
      );
      return items.map((i) => ({
        serial: i.serial,
        kind: i.kind,
        state: i.state,
        amount: yuan(i.amount),
        market: i.market?.name ?? '',
        memberCode: i.memberCode ?? '',
        maker: i.maker.displayName,
        checker: i.checker?.displayName ?? '',
        createdAt: i.createdAt,
        decidedAt: i.decidedAt ?? '',
        rejectReason: i.rejectReason ?? '',
      }));
    }
  }
}

export async function buildExport(
  request: ExportRequest,
  rows: Row[],
): Promise<{ data: Buffer; mime: string; extension: string }> {
  const header = request.columns.map((c) => c.label);
  const body = rows.map((r) =>
    request.columns.map((c) => {
      const value = r[c.key] ?? '';
      return c.values?.[String(value)] ?? value;
    }),
  );
  if (request.format === 'csv') {
    // A byte-order mark, so Excel opens the Chinese text as UTF-8.
    const text = '\ufeff' + Papa.unparse({ fields: header, data: body });
    return { data: Buffer.from(text, 'utf8'), mime: 'text/csv; charset=utf-8', extension: 'csv' };
  }
  const book = new ExcelJS.Workbook();
  book.creator = 'SettleKey';
  const sheet = book.addWorksheet(request.title.slice(0, 31));
  sheet.addRow(header).font = { bold: true };
  for (const row of body) sheet.addRow(row);
  sheet.columns.forEach((column, i) => {
    const widest = Math.max(header[i].length * 2, ...body.map((r) => String(r[i]).length));
    column.width = Math.min(48, Math.max(10, widest + 2));
  });
  return {
    data: Buffer.from(await book.xlsx.writeBuffer()),
    mime: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    extension: 'xlsx',
  };
}

export function safeFilename(title: string, extension: string): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
  return `${title.replace(/[\\/:*?"<>|\s]+/g, '_')}_${stamp}.${extension}`;
}
