// What a kind of corporate instruction is, the way a member operation is
// described in members/operations.ts: who may enter and review it, the fields
// its maker signs (read from the service's own records, never from the
// client), the refusals known before signing, the work done at submission, and
// what happens when it is approved — re-validated against the state then.
import type { Kysely, Transaction } from 'kysely';
import type { Instruction, InstructionDraft, InstructionKind } from '../../../src-shared/api/settlement';
import type { ErrorCode, ErrorParams } from '../../../src-shared/errors';
import type { Permission } from '../../../src-shared/menu';
import type { Fen } from '../../../src-shared/money';
import type { SignedFields } from '../../../src-shared/signing';
import type { ServiceContext } from '../../context';
import type { Database } from '../../store/schema';

export type DraftOf<K extends InstructionKind> = Extract<InstructionDraft, { kind: K }>;

/** The signed fields after "serial" (the serial is reserved with the challenge, not read from the draft). */
export type InstructionFields<K extends InstructionKind> = K extends InstructionKind
  ? Omit<SignedFields<K>, 'serial'>
  : never;

export type Refusals = { code: ErrorCode; params?: ErrorParams }[];

export interface Derived<K extends InstructionKind = InstructionKind> {
  fields: InstructionFields<K>;
  marketId: number | null;
  contractId: number | null;
  amount: Fen | null;
  memberCode: string | null;
  /** Known now; submission is refused while any remains. */
  refusals: Refusals;
  /** A menu change: the target's assignable permissions before it, for the reviewer's added/removed. */
  before?: string[];
}

export interface Enterprise {
  id: number;
  name: string;
  credit_code: string;
  admin_mode: 'single' | 'dual';
}

export interface StoredInstruction {
  id: number;
  serial: string;
  kind: InstructionKind;
  enterprise_id: number;
  market_id: number | null;
  contract_id: number | null;
  amount: string | number | null;
  hold_id: number | null;
  payload: string;
}

/** What an instruction keeps in its payload column, as submitted. */
export interface StoredPayload<K extends InstructionKind = InstructionKind> {
  draft: DraftOf<K>;
  fields: Record<string, string | number>;
  memberCode: string | null;
  before?: string[];
  failureParams?: ErrorParams;
}

export interface InstructionKindSpec<K extends InstructionKind = InstructionKind> {
  /** The permission to enter it, and the one to approve or reject it. */
  maker: Permission;
  checker: Permission;
  /** Whether a second person reviews it; by default, always. */
  needsReview?(enterprise: Enterprise): boolean;
  /** The service's reading of the draft; throws what makes it no instruction at all. */
  derive(db: Kysely<Database>, ctx: ServiceContext, enterprise: Enterprise, draft: DraftOf<K>): Promise<Derived<K>>;
  /** Work done in the submitting transaction; returns the hold it placed, if any. */
  onSubmit?(trx: Transaction<Database>, ctx: ServiceContext, draft: DraftOf<K>, serial: string): Promise<number | null>;
  /** Carries out an approved instruction; returns the journal entry, if money moved. */
  execute(
    trx: Transaction<Database>,
    ctx: ServiceContext,
    instruction: StoredInstruction,
    draft: DraftOf<K>,
  ): Promise<number | null>;
  /** What the reviewer sees of a menu change: whose menus, added and removed. */
  menuChange?(db: Kysely<Database>, stored: StoredPayload<K>): Promise<NonNullable<Instruction['menuChange']>>;
}
