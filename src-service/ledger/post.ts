// Posting a balanced journal entry. Balances change only here, inside the
// caller's transaction: each debit is a conditional update that refuses to take
// an account below zero (or below its holds), and the table's CHECK constraint
// refuses it again should this code ever be wrong.
import type { Kysely, Transaction } from 'kysely';
import { AppError } from '../../src-shared/errors';
import type { Fen } from '../../src-shared/money';
import type { Database } from '../store/schema';

export interface EntryLine {
  accountId: number;
  debit?: Fen;
  credit?: Fen;
}

export interface EntryInput {
  serial: string;
  kind: string;
  businessDate: string;
  createdAt: string;
  memo?: string;
  lines: EntryLine[];
}

export class UnbalancedEntryError extends Error {}

export async function postEntry(trx: Transaction<Database> | Kysely<Database>, input: EntryInput): Promise<number> {
  let debits = 0;
  let credits = 0;
  for (const line of input.lines) {
    const d = line.debit ?? 0;
    const c = line.credit ?? 0;
    if (!Number.isSafeInteger(d) || !Number.isSafeInteger(c) || d < 0 || c < 0 || d > 0 === c > 0) {
      throw new UnbalancedEntryError(`line for account ${line.accountId} must have one positive side`);
    }
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
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  // Accounts are touched in id order so two entries never wait on each other in a cycle.
  const lines = [...input.lines].sort((a, b) => a.accountId - b.accountId);
  for (const line of lines) {
    const amount = (line.credit ?? 0) - (line.debit ?? 0);
    let update = trx
      .updateTable('accounts')
      .set((eb) => ({ balance: eb('balance', '+', amount) }))
      .where('id', '=', line.accountId)
      .where('status', '=', 'open');
    if (amount < 0) {
      update = update.where((eb) =>
        eb.or([eb('allow_negative', '=', 1), eb(eb('balance', '-', eb('held', '+', -amount)), '>=', 0)]),
      );
    }
    const result = await update.executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw new AppError('INSUFFICIENT_FUNDS');
    await trx
      .insertInto('journal_lines')
      .values({ entry_id: entry.id, account_id: line.accountId, debit: line.debit ?? 0, credit: line.credit ?? 0 })
      .execute();
  }
  return entry.id;
}
