// How an instruction changes state, and the record each change leaves: an
// event row (who, when, the signature) and an audit line.
import type { Insertable, Selectable, Transaction, Updateable } from 'kysely';
import { AppError } from '../../src-shared/errors';
import { appendAudit } from '../audit/log';
import type { UserRow } from '../auth/users';
import type { ServiceContext } from '../context';
import { voidHold } from '../ledger/holds';
import { preparedPerShape, preparedRows, type Slots } from '../store/prepared';
import type { Database, InstructionEventsTable, InstructionState, InstructionsTable } from '../store/schema';

interface Transitioning {
  id: number;
  serial: string;
  kind: string;
}

export interface Transition {
  from: InstructionState | null;
  to: InstructionState;
  actor: UserRow | null;
  signature: string | null;
  note: string | null;
}

type EventRow = Required<Omit<Insertable<InstructionEventsTable>, 'id'>>;

const insertEvents = preparedRows((db, rows: Slots<EventRow>[]) =>
  db.insertInto('instruction_events').values(
    rows.map((r) => ({
      instruction_id: r.instruction_id,
      from_state: r.from_state,
      to_state: r.to_state,
      actor_id: r.actor_id,
      at: r.at,
      signature: r.signature,
      note: r.note,
    })),
  ),
);

export async function recordTransition(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  row: Transitioning,
  from: InstructionState | null,
  to: InstructionState,
  actor: UserRow | null,
  signature: string | null,
  note: string | null,
) {
  await recordTransitions(trx, ctx, row, [{ from, to, actor, signature, note }]);
}

/** Several changes of one instruction (approved, then executed or failed): one insert for their events. */
export async function recordTransitions(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  row: Transitioning,
  transitions: readonly Transition[],
) {
  const at = ctx.clock.nowIso();
  await insertEvents.changed(
    trx,
    transitions.map((t) => ({
      instruction_id: row.id,
      from_state: t.from,
      to_state: t.to,
      actor_id: t.actor?.id ?? null,
      at,
      signature: t.signature,
      note: t.note,
    })),
  );
  for (const t of transitions)
    await appendAudit(trx, {
      at,
      actor: t.actor ? `user:${t.actor.login_name}` : 'system',
      action: `instruction.${t.to}`,
      entity: 'instruction',
      entityId: row.serial,
      details: { kind: row.kind, from: t.from, note: t.note },
    });
}

export interface LeavingPending {
  to: 'rejected' | 'expired';
  /** The checker; null when the service itself moves it (single-admin mode, the day's end). */
  checker: UserRow | null;
  signature: string | null;
  /** A rejection's reason, also kept on the instruction. */
  rejectReason?: string;
  note: string | null;
}

type Change = Updateable<InstructionsTable>;

/** Prepared per set of columns changed: a handful of them in the code (executed, failed, rejected, expired). */
const columnsOf = (change: Change) =>
  (Object.keys(change) as (keyof Change)[]).filter((column) => change[column] !== undefined);
const claimWith = preparedPerShape(
  (change: Change) => columnsOf(change).join(),
  (db, slot: Slots<Change & { id: number }>, change: Change) =>
    db
      .updateTable('instructions')
      .set(Object.fromEntries(columnsOf(change).map((column) => [column, slot[column]])))
      .where('id', '=', slot.id)
      .where('state', '=', 'pending')
      .returningAll(),
);

/**
 * The one write that takes an instruction out of awaiting review, exactly once:
 * it is conditional on the state, so when two checkers (or a checker and the
 * day's end) race for the same instruction, one wins and the others are refused
 * with the state it is in now.
 */
export async function claimPending(
  trx: Transaction<Database>,
  id: number,
  change: Updateable<InstructionsTable>,
): Promise<Selectable<InstructionsTable>> {
  const moved = await claimWith(change).first(trx, { ...change, id });
  if (moved) return moved;
  throw (await handledMeanwhile(trx, id)) ?? new Error(`instruction ${id} is awaiting review yet was not claimed`);
}

/** The refusal for a checker whose instruction left awaiting review under them; null while it still awaits. */
export async function handledMeanwhile(trx: Transaction<Database>, id: number): Promise<AppError | null> {
  const current = await trx.selectFrom('instructions').select('state').where('id', '=', id).executeTakeFirstOrThrow();
  return current.state === 'pending' ? null : new AppError('INSTRUCTION_ALREADY_HANDLED', { state: current.state });
}

/**
 * Awaiting review → rejected or expired (claimPending). Leaving without
 * approval releases a withdrawal's hold. An approval is approveAndExecute's: it
 * leaves awaiting review only with its execution's outcome.
 */
export async function leavePending(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  row: Transitioning & { hold_id: number | null },
  change: LeavingPending,
): Promise<Transition> {
  const at = ctx.clock.nowIso();
  await claimPending(trx, row.id, {
    state: change.to,
    checker_id: change.checker?.id ?? null,
    checker_signature: change.signature,
    decided_at: at,
    ...(change.rejectReason === undefined ? {} : { reject_reason: change.rejectReason }),
  });
  if (row.hold_id) await voidHold(trx, row.hold_id, at);
  const transition = {
    from: 'pending' as const,
    to: change.to,
    actor: change.checker,
    signature: change.signature,
    note: change.note,
  };
  await recordTransitions(trx, ctx, row, [transition]);
  return transition;
}

export function isAlreadyHandled(error: unknown): boolean {
  return error instanceof AppError && error.code === 'INSTRUCTION_ALREADY_HANDLED';
}
