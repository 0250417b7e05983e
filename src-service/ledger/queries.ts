// Statements: an account's journal lines, newest first, paged, with the
// balance after each line and the account on the other side.
import type { Kysely } from 'kysely';
import type { Transaction } from '../../src-shared/api/settlement';
import { AppError } from '../../src-shared/errors';
import { balanceFromDb } from '../../src-shared/money';
import { addDays } from '../clock';
import type { ServiceContext } from '../context';
import type { Database } from '../store/schema';

export interface DateRange {
  from: string;
  to: string;
}

/** "today", or a history range no later than today and at most one year long. */
export function resolveRange(
  ctx: ServiceContext,
  query: { period: 'today' | 'history'; from?: string; to?: string },
): DateRange {
  const today = ctx.clock.today();
  if (query.period === 'today') return { from: today, to: today };
  const from = query.from ?? addDays(today, -30);
  const to = query.to ?? today;
  // Each rule refused by its own words, with the dates: "the range is wrong" left the clerk guessing.
  if (from > to) throw new AppError('DATE_RANGE_REVERSED', { from, to });
  if (to > today) throw new AppError('DATE_RANGE_FUTURE', { to, today });
  if (from < addDays(to, -366)) throw new AppError('DATE_RANGE_TOO_LONG', { from, to });
  return { from, to };
}

export async function statement(
  db: Kysely<Database>,
  accountIds: number[],
  options: DateRange & { kinds?: string[]; entryId?: number; page: number; pageSize: number },
): Promise<{ items: Transaction[]; total: number; page: number; pageSize: number }> {
  if (accountIds.length === 0) return { items: [], total: 0, page: options.page, pageSize: options.pageSize };
  // Lines carry their entry's day and kind, so the count reads the (account, day, id) index alone.
  let base = db
    .selectFrom('journal_lines')
    .where('journal_lines.account_id', 'in', accountIds)
    .where('journal_lines.business_date', '>=', options.from)
    .where('journal_lines.business_date', '<=', options.to);
  if (options.kinds) base = base.where('journal_lines.kind', 'in', options.kinds);
  if (options.entryId !== undefined) base = base.where('journal_lines.entry_id', '=', options.entryId);
  const total = Number((await base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await base
    .innerJoin('journal_entries', 'journal_entries.id', 'journal_lines.entry_id')
    .innerJoin('accounts', 'accounts.id', 'journal_lines.account_id')
    .select([
      'journal_lines.id as line_id',
      'journal_lines.entry_id',
      'journal_lines.account_id',
      'journal_lines.debit',
      'journal_lines.credit',
      'journal_lines.balance_after',
      'journal_entries.serial',
      'journal_entries.kind',
      'journal_entries.business_date',
      'journal_entries.created_at',
      'journal_entries.memo',
      'journal_entries.reference',
      'accounts.number',
      'accounts.name',
    ])
    // Newest first, in the order of the (account, day, id) index: no scan of other accounts' rows.
    .orderBy('journal_lines.business_date', 'desc')
    .orderBy('journal_lines.id', 'desc')
    .limit(options.pageSize)
    .offset((options.page - 1) * options.pageSize)
    .execute();
  const entryIds = [...new Set(rows.map((r) => r.entry_id))];
  const others = entryIds.length
    ? await db
        .selectFrom('journal_lines')
        .innerJoin('accounts', 'accounts.id', 'journal_lines.account_id')
        .select([
          'journal_lines.entry_id',
          'journal_lines.account_id',
          'journal_lines.debit',
          'journal_lines.credit',
          'accounts.number',
          'accounts.name',
        ])
        .where('journal_lines.entry_id', 'in', entryIds)
        .execute()
    : [];
  const items = rows.map((r) => {
    const debit = balanceFromDb(r.debit);
    const credit = balanceFromDb(r.credit);
    const direction = credit > 0 ? ('in' as const) : ('out' as const);
    // The counterparty: the largest line on the other side of the entry.
    const opposite = others
      .filter(
        (o) =>
          o.entry_id === r.entry_id &&
          o.account_id !== r.account_id &&
          (direction === 'in' ? balanceFromDb(o.debit) > 0 : balanceFromDb(o.credit) > 0),
      )
      .sort(
        (a, b) =>
          balanceFromDb(direction === 'in' ? b.debit : b.credit) -
          balanceFromDb(direction === 'in' ? a.debit : a.credit),
      )[0];
    return {
      entryId: r.entry_id,
      serial: r.serial,
      kind: r.kind,
      businessDate: r.business_date,
      createdAt: r.created_at,
      account: { number: r.number, name: r.name },
      direction,
      amount: direction === 'in' ? credit : debit,
      balanceAfter: r.balance_after === null ? null : balanceFromDb(r.balance_after),
      counterparty: opposite ? { number: opposite.number, name: opposite.name } : null,
      memo: r.memo,
      reference: r.reference,
    };
  });
  return { items, total, page: options.page, pageSize: options.pageSize };
}

/** One transaction of these accounts, by entry; an entry that touches none of them does not exist for the caller. */
export async function transactionDetail(
  db: Kysely<Database>,
  accountIds: number[],
  entryId: number,
): Promise<Transaction> {
  const found = await statement(db, accountIds, {
    from: '0000-01-01',
    to: '9999-12-31',
    entryId,
    page: 1,
    pageSize: 1,
  });
  if (!found.items[0]) throw new AppError('NOT_FOUND');
  return found.items[0];
}
