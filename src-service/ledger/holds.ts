// Two-phase holds (pending → posted | voided), after TigerBeetle: a withdrawal
// awaiting review, a market freeze and a B2B trade awaiting the payer's review
// each hold their amount, so two of them can never spend the same money. A
// hold is placed only if the available balance (balance − held) covers it —
// checked inside the UPDATE itself, not by a read before it. Since held never
// exceeds the balance, it never exceeds MAX_BALANCE either.
import type { Transaction } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { balanceFromDb, type Balance } from '../../src-shared/money';
import type { Database, HoldKind } from '../store/schema';

export async function placeHold(
  trx: Transaction<Database>,
  input: { accountId: number; amount: Balance; kind: HoldKind; reference: string; at: string },
): Promise<number> {
  if (!(input.amount > 0)) throw new AppError('MONEY_ZERO');
  const result = await trx
    .updateTable('accounts')
    .set((eb) => ({ held: eb('held', '+', input.amount) }))
    .where('id', '=', input.accountId)
    .where('status', '=', 'open')
    // balance − held ≥ amount, written so that no operator precedence is involved
    .where((eb) => eb(eb('balance', '-', eb.ref('held')), '>=', input.amount))
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new AppError('INSUFFICIENT_FUNDS');
  const hold = await trx
    .insertInto('holds')
    .values({
      account_id: input.accountId,
      amount: input.amount,
      kind: input.kind,
      status: 'pending',
      reference: input.reference,
      created_at: input.at,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return hold.id;
}

/** Releases a pending hold; a hold already posted or voided is left alone (returns false). */
export async function voidHold(trx: Transaction<Database>, holdId: number, at: string): Promise<boolean> {
  const hold = await trx
    .updateTable('holds')
    .set({ status: 'voided', resolved_at: at })
    .where('id', '=', holdId)
    .where('status', '=', 'pending')
    .returning(['account_id', 'amount'])
    .executeTakeFirst();
  if (!hold) return false;
  const amount = balanceFromDb(hold.amount);
  const result = await trx
    .updateTable('accounts')
    .set((eb) => ({ held: eb('held', '-', amount) }))
    .where('id', '=', hold.account_id)
    .where('held', '>=', amount)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new Error(`hold ${holdId} exceeds what its account holds`);
  return true;
}
