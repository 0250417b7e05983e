// Posting a balanced journal entry. Balances change only here, inside the
// caller's transaction: each debit is a conditional update that refuses to take
// an account below zero (or below what it holds for others), and the table's
// CHECK constraint refuses it again should this code ever be wrong. A debit that
// settles a pending hold consumes the hold instead of the free balance.
import type { Transaction } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { fenFromDb, type Fen } from '../../src-shared/money';
import type { Database } from '../store/schema';

export interface EntryLine {
  accountId: number;
  debit?: Fen;
  credit?: Fen;
  /** This debit settles that pending hold (same account, same amount). */
  holdId?: number;
}

export interface EntryInput {
  serial: string;
  kind: string;
  businessDate: string;
  createdAt: string;
  memo?: string;
  reference?: string;
  lines: EntryLine[];
}

export class UnbalancedEntryError extends Error {}

export async function postEntry(trx: Transaction<Database>, input: EntryInput): Promise<number> {
  let debits = 0;
  let credits = 0;
  for (const line of input.lines) {
    const d = line.debit ?? 0;
    const c = line.credit ?? 0;
    if (!Number.isSafeInteger(d) || !Number.isSafeInteger(c) || d < 0 || c < 0 || d > 0 === c > 0) {
      throw new UnbalancedEntryError(`line for account ${line.accountId} must have one positive side`);
    }
    if (line.holdId !== undefined && !(d > 0)) throw new UnbalancedEntryError('only a debit can settle a hold');
    debits += d;
    credits += c;
  }
  if (debits !== credits || input.lines.length < 2) {
    throw new UnbalancedEntryError(`entry ${input.serial} is not balanced: ${debits} ≠ ${credits}`);
  }
  const entry = await trx
    .insertInto('journal_entries')
    .values({
      serial: input.serial,
      kind: input.kind,
      business_date: input.businessDate,
      created_at: input.createdAt,
      memo: input.memo ?? '',
      reference: input.reference ?? null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Accounts are touched in id order so two entries never wait on each other in a cycle.
  const lines = [...input.lines].sort((a, b) => a.accountId - b.accountId);
  for (const line of lines) {
    const amount = (line.credit ?? 0) - (line.debit ?? 0);
    let balanceAfter: Fen;
    if (line.holdId !== undefined) {
      const debit = line.debit as Fen;
      const hold = await trx
        .updateTable('holds')
        .set({ status: 'posted', resolved_at: input.createdAt })
        .where('id', '=', line.holdId)
        .where('status', '=', 'pending')
        .where('account_id', '=', line.accountId)
        .where('amount', '=', debit)
        .executeTakeFirst();
      if (Number(hold.numUpdatedRows) !== 1) throw new AppError('HOLD_NOT_PENDING');
      const settled = await trx
        .updateTable('accounts')
        .set((eb) => ({ balance: eb('balance', '-', debit), held: eb('held', '-', debit) }))
        .where('id', '=', line.accountId)
        .where('held', '>=', debit)
        .returning('balance')
        .executeTakeFirst();
      if (!settled) throw new AppError('HOLD_NOT_PENDING');
      balanceAfter = fenFromDb(settled.balance);
    } else {
      let update = trx
        .updateTable('accounts')
        .set((eb) => ({ balance: eb('balance', '+', amount) }))
        .where('id', '=', line.accountId)
        .where('status', '=', 'open');
      if (amount < 0) {
        // balance − held ≥ debit (Kysely does not parenthesise nested arithmetic: keep it flat)
        update = update.where((eb) =>
          eb.or([eb('allow_negative', '=', 1), eb(eb('balance', '-', eb.ref('held')), '>=', -amount)]),
        );
      }
      const result = await update.returning('balance').executeTakeFirst();
      if (!result) throw new AppError('INSUFFICIENT_FUNDS');
      balanceAfter = fenFromDb(result.balance);
    }
    await trx
      .insertInto('journal_lines')
      .values({
        entry_id: entry.id,
        account_id: line.accountId,
        debit: line.debit ?? 0,
        credit: line.credit ?? 0,
        balance_after: balanceAfter,
        business_date: input.businessDate,
        kind: input.kind,
      })
      .execute();
  }
  return entry.id;
}
