// List exports (XLSX, CSV), built in the main process from the same queries the
// pages show — every page of them, not just the one on screen.
import Papa from 'papaparse';
import { AppError } from '../../src-shared/errors';
import type { ExportRequest } from '../../src-shared/ipc/contract';
import { balance, fenToPlain } from '../../src-shared/money';
import { desktopRoutes as routes } from '../../src-shared/routes';
import type { FlowDeps, Handlers } from '../core/handler-types';
import type { SettlementClient } from '../core/settlement-client';

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
export async function exportRows(
  client: Pick<SettlementClient, 'route'>,
  source: ExportRequest['source'],
): Promise<Row[]> {
  switch (source.kind) {
    case 'memberAccounts': {
      const accounts = await client.route(routes['accounts.list'], { status: 'all' });
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
    case 'transactions': {
      const items = await allPages((page) =>
        source.kind === 'transactions'
          ? client.route(routes['ebank.transactions'], { ...source.query, page, pageSize: PAGE })
          : client.route(routes['accounts.transactions'], {
              contractId: source.contractId,
              query: { ...source.query, page, pageSize: PAGE },
            }),
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
        client.route(routes['instructions.list'], { ...source.query, page, pageSize: PAGE }),
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
  // Loaded when a workbook is first asked for: ExcelJS alone took a third of the browser shell's start.
  const { default: ExcelJS } = await import('exceljs');
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

/** A list saved as a file: where the user chose (Electron) or as a one-time download (browser shell). */
export function fileFlows(deps: Pick<FlowDeps, 'client' | 'files'>): Pick<Handlers, 'export.table' | 'print.page'> {
  return {
    'export.table': async (request) => {
      const rows = await exportRows(deps.client, request.source);
      const file = await buildExport(request, rows);
      return deps.files.save(safeFilename(request.title, file.extension), file.mime, file.data);
    },
    'print.page': async ({ title }) => deps.files.print(title),
  };
}

export function safeFilename(title: string, extension: string): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
  return `${title.replace(/[\\/:*?"<>|\s]+/g, '_')}_${stamp}.${extension}`;
}
