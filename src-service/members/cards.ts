// Binding a card of another bank: the lookup says which bank and branch, the
// card network (a simulator here) says whether the card is this person's, and
// a card that passed waits as "pending" until the verified operation binds it.
import type { Kysely } from 'kysely';
import type { CardDetails } from '../../src-shared/api/registration';
import { AppError, sharedWord } from '../../src-shared/errors';
import type { Bank, Branch } from '../banks/register';
import type { ServiceContext } from '../context';
import { OWN_BANK_BINS } from '../demo/cards';
import type { CardsTable, Database } from '../store/schema';
import { giveBackSlot, recordAttempt, takeSlot } from '../auth/limits';
import type { CardAuthAnswer } from './card-auth';

export const CARD_AUTH_MAX_FAILURES = 5;

/** Bank and branch from the lookup, refusing our own cards and a card of another bank than the one chosen. */
export function resolveBankAndBranch(
  ctx: ServiceContext,
  card: Pick<CardDetails, 'cardNo' | 'bankCode' | 'branchCode'>,
): { bank: Bank; branch: Branch } {
  if (OWN_BANK_BINS.some((bin) => card.cardNo.startsWith(bin))) throw new AppError('CARD_OWN_BANK');
  const bank = ctx.branches.bankByCode(card.bankCode);
  if (!bank) throw new AppError('BANK_UNKNOWN');
  const issuer = ctx.branches.issuerOfCard(card.cardNo);
  if (issuer && issuer.code !== bank.code)
    throw new AppError('CARD_BANK_MISMATCH', { bank: { 'zh-CN': issuer.name, en: issuer.nameEn } });
  const branch = ctx.branches
    .branches({ bankCode: bank.code, keyword: card.branchCode, limit: 200 })
    .find((b) => b.cnaps === card.branchCode);
  if (!branch) throw new AppError('BRANCH_UNKNOWN');
  return { bank, branch };
}

/**
 * Authenticates a card for a holder. Failures are counted per subject (a
 * member, or a phone for a registration) and business day, so the card
 * network is not an oracle for guessing someone's details.
 */
export async function authenticateCard(
  ctx: ServiceContext,
  input: { subject: string; holder: string; certNo: string; card: CardDetails },
): Promise<{ bank: Bank; branch: Branch }> {
  const { bank, branch } = resolveBankAndBranch(ctx, input.card);
  await askCardNetwork(ctx, { ...input, cardNo: input.card.cardNo, bankCode: bank.code, phone: input.card.phone });
  return { bank, branch };
}

/**
 * The card network's answer, its failures counted per subject and day. A check
 * takes a failure slot before it asks and gives it back when the card passed,
 * so a burst of checks cannot all read "four failures so far" and all ask.
 */
export async function askCardNetwork(
  ctx: ServiceContext,
  input: { subject: string; holder: string; certNo: string; cardNo: string; bankCode: string; phone: string },
): Promise<void> {
  const key = { scope: 'card-auth', subject: input.subject, period: ctx.clock.today() };
  const at = ctx.clock.nowIso();
  if ((await takeSlot(ctx.db, key, CARD_AUTH_MAX_FAILURES, at)) === null)
    throw new AppError('CARD_AUTH_TOO_MANY', { max: CARD_AUTH_MAX_FAILURES });
  let answer: CardAuthAnswer;
  try {
    answer = await ctx.cardAuth.authenticate({
      cardNo: input.cardNo,
      bankCode: input.bankCode,
      holder: input.holder,
      certNo: input.certNo,
      phone: input.phone,
    });
  } catch (error) {
    // The network did not answer: nothing was learnt, nothing is counted.
    await giveBackSlot(ctx.db, key);
    throw error;
  }
  await recordAttempt(ctx.db, {
    kind: 'card-auth',
    subject: input.subject,
    outcome: answer.ok ? 'right' : 'wrong',
    at,
  });
  if (answer.ok) {
    await giveBackSlot(ctx.db, key);
    return;
  }
  if (answer.reason === 'mismatch')
    throw new AppError('CARD_AUTH_MISMATCH', { field: sharedWord('cardAuthField', answer.field) });
  throw new AppError(answer.reason === 'unsupported' ? 'CARD_UNSUPPORTED' : 'CARD_AUTH_UNKNOWN');
}

/** A card bound by another member cannot be bound again: incoming transfers find their member by card. */
export async function checkCardFree(db: Kysely<Database>, cardNo: string, memberId: number | null): Promise<void> {
  const taken = await db
    .selectFrom('cards')
    .innerJoin('members', 'members.id', 'cards.member_id')
    .select('cards.id')
    .where('cards.card_no', '=', cardNo)
    .where('cards.status', '=', 'active')
    .where('members.status', '=', 'active')
    .$if(memberId !== null, (q) => q.where('cards.member_id', '!=', memberId!))
    .executeTakeFirst();
  if (taken) throw new AppError('CARD_IN_USE');
}

/** Records an authenticated card of a member; pending until an operation binds it. */
export async function recordCard(
  db: Kysely<Database>,
  input: {
    memberId: number;
    holder: string;
    card: CardDetails;
    bank: Bank;
    branch: Branch;
    purpose: CardsTable['purpose'];
    status: 'pending' | 'active';
    at: string;
  },
): Promise<number> {
  const row = await db
    .insertInto('cards')
    .values({
      member_id: input.memberId,
      card_no: input.card.cardNo,
      holder_name: input.holder,
      bank_name: input.bank.name,
      branch_name: input.branch.name,
      bank_name_en: input.bank.nameEn,
      branch_name_en: input.branch.nameEn,
      bank_code: input.bank.code,
      branch_code: input.branch.cnaps,
      phone: input.card.phone,
      purpose: input.purpose,
      authenticated_at: input.at,
      status: input.status,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** A card of the member that an operation may bind: authenticated, not replaced. */
export async function usableCard(db: Kysely<Database>, memberId: number, cardId: number) {
  const card = await db.selectFrom('cards').selectAll().where('id', '=', cardId).executeTakeFirst();
  if (!card || card.member_id !== memberId || card.status === 'replaced') throw new AppError('BOUND_CARD_INVALID');
  return card;
}

export async function activateCard(db: Kysely<Database>, cardId: number): Promise<void> {
  await db.updateTable('cards').set({ status: 'active' }).where('id', '=', cardId).execute();
}
