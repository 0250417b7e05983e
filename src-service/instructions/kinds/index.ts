// Every kind of corporate instruction, each described in its own file. The
// mapped type makes a kind added to InstructionKind (src-shared) without its
// spec here, or a spec whose derive does not yield its signed fields, fail to
// compile.
import { InstructionKind } from '../../../src-shared/api/settlement';
import type { Permission } from '../../../src-shared/menu';
import { cancel } from './cancel';
import { deposit } from './deposit';
import { menu } from './menu';
import { sign } from './sign';
import type { InstructionKindSpec } from './spec';
import { withdraw } from './withdraw';

export type { Derived, DraftOf, Enterprise, InstructionKindSpec, StoredInstruction, StoredPayload } from './spec';

const SPECS: { readonly [K in InstructionKind]: InstructionKindSpec<K> } = {
  sign,
  cancel,
  deposit,
  withdraw,
  menu,
};

/**
 * The spec of a kind, to be given drafts and rows of that kind only: callers
 * pick it by the draft's or the row's own kind, a pairing TypeScript cannot
 * follow through a union — hence the one cast.
 */
export function kindSpec(kind: InstructionKind): InstructionKindSpec {
  return SPECS[kind] as InstructionKindSpec;
}

/** The permissions that let a user review some kind: a reviewer sees what others entered. */
export const CHECKER_PERMISSIONS: ReadonlySet<Permission> = new Set(
  InstructionKind.options.map((kind) => SPECS[kind].checker),
);
