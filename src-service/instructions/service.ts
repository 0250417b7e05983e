// The maker-checker state machine of corporate e-banking. An instruction is
// previewed (the service reads the draft, reserves a serial, issues a
// challenge), submitted with the maker's signature (awaiting review), then
// approved — executed or failed in the same transaction — or rejected with a
// reason, or expired at the end of its business day. Every transition is kept
// with who, when and the signature; the maker is never the checker.
import { createHash, verify } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type {
  DecisionChallenge,
  DecisionRequest,
  Instruction,
  InstructionDraft,
  InstructionPreview,
  PendingCounts,
  SubmitInstruction,
} from '../../src-shared/api/settlement';
import { AppError, errorMessage, isErrorCode, type Lang } from '../../src-shared/errors';
import type { Permission } from '../../src-shared/menu';
import { balanceFromDb } from '../../src-shared/money';
import { canonicalBytes, SIGNED_FIELDS, type SignedPayload } from '../../src-shared/signing';
import { appendAudit, canonicalJson } from '../audit/log';
import type { UserRow } from '../auth/users';
import { issueChallenge, issuedByBank, publicKeyOf, verifySigned } from '../certificates/signatures';
import type { ServiceContext } from '../context';
import { voidHold } from '../ledger/holds';
import { nextSerial } from '../ledger/serials';
import type { Database, InstructionsTable, InstructionState } from '../store/schema';
import { atomically, isUniqueViolation } from '../store/tx';
import { CHECKER_PERMISSION, derive, execute, MAKER_PERMISSION, onSubmit, type Enterprise } from './kinds';

export interface Actor {
  user: UserRow;
  permissions: ReadonlySet<Permission>;
}

type Row = Selectable<InstructionsTable>;

async function enterpriseOf(db: Kysely<Database>, actor: Actor): Promise<Enterprise> {
  if (!actor.user.enterprise_id) throw new AppError('FORBIDDEN');
  return db
    .selectFrom('enterprises')
    .select(['id', 'name', 'credit_code', 'admin_mode'])
    .where('id', '=', actor.user.enterprise_id)
    .executeTakeFirstOrThrow();
}

function requirePermission(actor: Actor, perm: Permission) {
  if (!actor.permissions.has(perm)) throw new AppError('FORBIDDEN');
}

function throwFirst(
  refusals: { code: Parameters<typeof errorMessage>[0]; params?: Record<string, string | number> }[],
) {
  const [first] = refusals;
  if (first) throw new AppError(first.code, first.params);
}

function bodyHash(draft: InstructionDraft): string {
  return createHash('sha256').update(canonicalJson(draft)).digest('hex');
}

function signedPayload(
  kind: InstructionDraft['kind'],
  serial: string,
  fields: Record<string, string | number>,
  env: { challenge: string; time: string },
): SignedPayload {
  const ordered: Record<string, string | number> = { serial };
  for (const name of SIGNED_FIELDS[kind]) if (name !== 'serial') ordered[name] = fields[name];
  return { kind, ...ordered, challenge: env.challenge, time: env.time } as SignedPayload;
}

/** The service's reading of a draft, a reserved serial and a challenge to sign with it. */
export async function previewInstruction(
  ctx: ServiceContext,
  actor: Actor,
  draft: InstructionDraft,
  lang: Lang,
): Promise<InstructionPreview> {
  requirePermission(actor, MAKER_PERMISSION[draft.kind]);
  const enterprise = await enterpriseOf(ctx.db, actor);
  const derived = await derive(ctx.db, ctx, enterprise, draft);
  const { serial, challenge } = await atomically(ctx.db, async (trx) => {
    const reserved = await nextSerial(trx, ctx.clock.today());
    return {
      serial: reserved,
      challenge: await issueChallenge({ ...ctx, db: trx }, actor.user.id, `instruction:${draft.kind}`, reserved),
    };
  });
  return {
    kind: draft.kind,
    serial,
    challenge,
    issuedAt: ctx.clock.nowIso(),
    fields: { serial, ...derived.fields },
    refusals: derived.refusals.map((r) => ({
      code: r.code,
      message: errorMessage(r.code, lang, r.params),
      params: r.params,
    })),
    needsReview: draft.kind !== 'menu' || enterprise.admin_mode === 'dual',
  };
}

async function byIdempotencyKey(db: Kysely<Database>, enterpriseId: number, key: string): Promise<Row | undefined> {
  return db
    .selectFrom('instructions')
    .selectAll()
    .where('enterprise_id', '=', enterpriseId)
    .where('idempotency_key', '=', key)
    .executeTakeFirst();
}

export async function submitInstruction(ctx: ServiceContext, actor: Actor, body: SubmitInstruction): Promise<Row> {
  const { draft, idempotencyKey, signature } = body;
  requirePermission(actor, MAKER_PERMISSION[draft.kind]);
  const enterprise = await enterpriseOf(ctx.db, actor);
  const hash = bodyHash(draft);
  const replay = async () => {
    const existing = await byIdempotencyKey(ctx.db, enterprise.id, idempotencyKey);
    if (!existing) return undefined;
    if (existing.body_hash !== hash || existing.maker_id !== actor.user.id) throw new AppError('IDEMPOTENCY_MISMATCH');
    return existing;
  };
  const first = await replay();
  if (first) return first;
  try {
    return await atomically(ctx.db, async (trx) => {
      const derived = await derive(trx, ctx, enterprise, draft);
      throwFirst(derived.refusals);
      if (!signature) throw new AppError('SIGNATURE_MISSING');
      const challenge = await trx
        .selectFrom('challenges')
        .select('reference')
        .where('id', '=', signature.challenge)
        .executeTakeFirst();
      const serial = challenge?.reference ?? '';
      await verifySigned(
        { ...ctx, db: trx },
        {
          userId: actor.user.id,
          purpose: `instruction:${draft.kind}`,
          envelope: signature,
          need: 'activated',
          payload: (env) => signedPayload(draft.kind, serial, derived.fields, env),
        },
      );
      const now = ctx.clock.nowIso();
      const immediate = draft.kind === 'menu' && enterprise.admin_mode === 'single';
      const holdId = await onSubmit(trx, ctx, draft, serial);
      const row = await trx
        .insertInto('instructions')
        .values({
          serial,
          enterprise_id: enterprise.id,
          kind: draft.kind,
          state: 'pending',
          business_date: ctx.clock.today(),
          market_id: derived.marketId,
          contract_id: derived.contractId,
          amount: derived.amount,
          hold_id: holdId,
          payload: JSON.stringify({
            draft,
            fields: { serial, ...derived.fields },
            memberCode: derived.memberCode,
            before: derived.before,
          }),
          maker_id: actor.user.id,
          maker_signature: JSON.stringify(signature),
          idempotency_key: idempotencyKey,
          body_hash: hash,
          created_at: now,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await recordTransition(trx, ctx, row, null, 'pending', actor.user, JSON.stringify(signature), null);
      // Single-admin mode: a menu change takes effect at once, no second administrator.
      if (immediate) return approveAndExecute(trx, ctx, row, null, null);
      return row;
    });
  } catch (error) {
    // A parallel twin may have won the race for the key (or its challenge): answer as it did.
    if (isUniqueViolation(error) || (error instanceof AppError && error.code === 'CHALLENGE_REUSED')) {
      const twin = await replay();
      if (twin) return twin;
    }
    throw error;
  }
}

async function recordTransition(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  row: { id: number; serial: string; kind: string },
  from: InstructionState | null,
  to: InstructionState,
  actor: UserRow | null,
  signature: string | null,
  note: string | null,
) {
  const at = ctx.clock.nowIso();
  await trx
    .insertInto('instruction_events')
    .values({
      instruction_id: row.id,
      from_state: from,
      to_state: to,
      actor_id: actor?.id ?? null,
      at,
      signature,
      note,
    })
    .execute();
  await appendAudit(trx, {
    at,
    actor: actor ? `user:${actor.login_name}` : 'system',
    action: `instruction.${to}`,
    entity: 'instruction',
    entityId: row.serial,
    details: { kind: row.kind, from, note },
  });
}

/** approved → executed, or failed with the reason; the executor's writes undone on failure. */
async function approveAndExecute(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  row: Row,
  checker: UserRow | null,
  signature: string | null,
): Promise<Row> {
  const now = ctx.clock.nowIso();
  const approved = await trx
    .updateTable('instructions')
    .set({ state: 'approved', checker_id: checker?.id ?? null, checker_signature: signature, decided_at: now })
    .where('id', '=', row.id)
    .where('state', '=', 'pending')
    .executeTakeFirst();
  if (Number(approved.numUpdatedRows) !== 1) {
    const current = await trx
      .selectFrom('instructions')
      .select('state')
      .where('id', '=', row.id)
      .executeTakeFirstOrThrow();
    throw new AppError('INSTRUCTION_ALREADY_HANDLED', { state: current.state });
  }
  await recordTransition(
    trx,
    ctx,
    row,
    'pending',
    'approved',
    checker,
    signature,
    checker ? null : 'single-admin mode',
  );
  try {
    const entryId = await atomically(trx, (inner) => execute(inner, ctx, row));
    await trx
      .updateTable('instructions')
      .set({ state: 'executed', journal_entry_id: entryId })
      .where('id', '=', row.id)
      .execute();
    await recordTransition(trx, ctx, row, 'approved', 'executed', checker, null, null);
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    if (row.hold_id) await voidHold(trx, row.hold_id, now);
    await trx
      .updateTable('instructions')
      .set({ state: 'failed', failure_code: error.code, payload: withFailureParams(row.payload, error.params) })
      .where('id', '=', row.id)
      .execute();
    await recordTransition(trx, ctx, row, 'approved', 'failed', checker, null, error.code);
  }
  return trx.selectFrom('instructions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
}

function withFailureParams(payload: string, params: Record<string, string | number> | undefined): string {
  return JSON.stringify({ ...JSON.parse(payload), failureParams: params ?? {} });
}

async function loadForDecision(
  ctx: ServiceContext,
  actor: Actor,
  id: number,
): Promise<{ row: Row; enterprise: Enterprise }> {
  const enterprise = await enterpriseOf(ctx.db, actor);
  await expireStale(ctx, enterprise.id);
  const row = await ctx.db.selectFrom('instructions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.enterprise_id !== enterprise.id) throw new AppError('INSTRUCTION_NOT_FOUND');
  requirePermission(actor, CHECKER_PERMISSION[row.kind]);
  if (row.maker_id === actor.user.id) throw new AppError('MAKER_CANNOT_CHECK');
  if (row.state === 'expired') throw new AppError('INSTRUCTION_EXPIRED');
  if (row.state !== 'pending') throw new AppError('INSTRUCTION_ALREADY_HANDLED', { state: row.state });
  return { row, enterprise };
}

function decisionPayload(
  row: Row,
  decision: string,
  reason: string,
  env: { challenge: string; time: string },
): SignedPayload {
  return {
    kind: 'decision',
    serial: row.serial,
    instructionKind: row.kind,
    decision,
    reason,
    challenge: env.challenge,
    time: env.time,
  };
}

export async function decisionChallenge(
  ctx: ServiceContext,
  actor: Actor,
  id: number,
  request: { decision: 'approve' | 'reject'; reason?: string },
): Promise<DecisionChallenge> {
  const { row } = await loadForDecision(ctx, actor, id);
  const challenge = await issueChallenge(ctx, actor.user.id, 'decision', row.serial);
  return {
    challenge,
    issuedAt: ctx.clock.nowIso(),
    fields: { serial: row.serial, instructionKind: row.kind, decision: request.decision, reason: request.reason ?? '' },
  };
}

export async function decideInstruction(
  ctx: ServiceContext,
  actor: Actor,
  id: number,
  request: DecisionRequest,
): Promise<Row> {
  const { row } = await loadForDecision(ctx, actor, id);
  const reason = request.reason?.trim() ?? '';
  if (request.decision === 'reject' && (reason.length < 1 || reason.length > 200))
    throw new AppError('REJECT_REASON_REQUIRED');
  return atomically(ctx.db, async (trx) => {
    await verifySigned(
      { ...ctx, db: trx },
      {
        userId: actor.user.id,
        purpose: 'decision',
        reference: row.serial,
        envelope: request.signature,
        need: 'activated',
        payload: (env) => decisionPayload(row, request.decision, request.decision === 'reject' ? reason : '', env),
      },
    );
    const signature = JSON.stringify(request.signature);
    if (request.decision === 'approve') return approveAndExecute(trx, ctx, row, actor.user, signature);
    const rejected = await trx
      .updateTable('instructions')
      .set({
        state: 'rejected',
        checker_id: actor.user.id,
        checker_signature: signature,
        reject_reason: reason,
        decided_at: ctx.clock.nowIso(),
      })
      .where('id', '=', row.id)
      .where('state', '=', 'pending')
      .executeTakeFirst();
    if (Number(rejected.numUpdatedRows) !== 1) {
      const current = await trx
        .selectFrom('instructions')
        .select('state')
        .where('id', '=', row.id)
        .executeTakeFirstOrThrow();
      throw new AppError('INSTRUCTION_ALREADY_HANDLED', { state: current.state });
    }
    if (row.hold_id) await voidHold(trx, row.hold_id, ctx.clock.nowIso());
    await recordTransition(trx, ctx, row, 'pending', 'rejected', actor.user, signature, reason);
    return trx.selectFrom('instructions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  });
}

/** Instructions not reviewed by the end of their business day expire; their holds are voided. */
export async function expireStale(ctx: ServiceContext, enterpriseId?: number): Promise<number> {
  let q = ctx.db
    .selectFrom('instructions')
    .selectAll()
    .where('state', '=', 'pending')
    .where('business_date', '<', ctx.clock.today());
  if (enterpriseId !== undefined) q = q.where('enterprise_id', '=', enterpriseId);
  const stale = await q.execute();
  let expired = 0;
  for (const row of stale) {
    await atomically(ctx.db, async (trx) => {
      const done = await trx
        .updateTable('instructions')
        .set({ state: 'expired', decided_at: ctx.clock.nowIso() })
        .where('id', '=', row.id)
        .where('state', '=', 'pending')
        .executeTakeFirst();
      if (Number(done.numUpdatedRows) !== 1) return;
      if (row.hold_id) await voidHold(trx, row.hold_id, ctx.clock.nowIso());
      await recordTransition(trx, ctx, row, 'pending', 'expired', null, null, `not reviewed on ${row.business_date}`);
      expired += 1;
    });
  }
  return expired;
}

export async function pendingCounts(ctx: ServiceContext, actor: Actor): Promise<PendingCounts> {
  const enterprise = await enterpriseOf(ctx.db, actor);
  await expireStale(ctx, enterprise.id);
  const rows = await ctx.db
    .selectFrom('instructions')
    .select(['kind', (eb) => eb.fn.countAll<number>().as('n')])
    .where('enterprise_id', '=', enterprise.id)
    .where('state', '=', 'pending')
    // what waits for this user: their own entries wait for someone else
    .where('maker_id', '!=', actor.user.id)
    .groupBy('kind')
    .execute();
  const count = (kind: string) => Number(rows.find((r) => r.kind === kind)?.n ?? 0);
  return {
    sign: count('sign'),
    cancel: count('cancel'),
    deposit: count('deposit'),
    withdraw: count('withdraw'),
    menu: count('menu'),
  };
}

export async function listInstructions(
  ctx: ServiceContext,
  actor: Actor,
  query: { kind?: string; state?: string; reviewable?: boolean; page: number; pageSize: number },
  lang: Lang,
): Promise<{ items: Instruction[]; total: number; page: number; pageSize: number }> {
  const enterprise = await enterpriseOf(ctx.db, actor);
  await expireStale(ctx, enterprise.id);
  let q = ctx.db.selectFrom('instructions').where('enterprise_id', '=', enterprise.id);
  if (query.kind) q = q.where('kind', '=', query.kind as Row['kind']);
  if (query.state) q = q.where('state', '=', query.state as Row['state']);
  // Makers see what they entered; reviewers and administrators what they may review.
  const reviewer = actor.permissions.has('ebank.authorize.review') || actor.permissions.has('ebank.admin.review');
  if (!reviewer) q = q.where('maker_id', '=', actor.user.id);
  if (query.reviewable) q = q.where('state', '=', 'pending').where('maker_id', '!=', actor.user.id);
  const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await q
    .selectAll()
    .orderBy('id', 'desc')
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .execute();
  const items = [];
  for (const row of rows) items.push(await instructionView(ctx, row, lang, false));
  return { items, total, page: query.page, pageSize: query.pageSize };
}

export async function instructionDetail(
  ctx: ServiceContext,
  actor: Actor,
  id: number,
  lang: Lang,
): Promise<Instruction> {
  const enterprise = await enterpriseOf(ctx.db, actor);
  await expireStale(ctx, enterprise.id);
  const row = await ctx.db.selectFrom('instructions').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row || row.enterprise_id !== enterprise.id) throw new AppError('INSTRUCTION_NOT_FOUND');
  return instructionView(ctx, row, lang, true);
}

export async function instructionRow(db: Kysely<Database>, id: number): Promise<Row> {
  return db.selectFrom('instructions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/** The maker's signature checked again now, against the stored bytes (for the reviewer's eyes). */
async function makerSignatureValid(ctx: ServiceContext, row: Row): Promise<boolean> {
  const envelope = JSON.parse(row.maker_signature) as {
    certSerial: string;
    challenge: string;
    time: string;
    signature: string;
  };
  const cert = await ctx.db
    .selectFrom('certificates')
    .selectAll()
    .where('serial', '=', envelope.certSerial)
    .executeTakeFirst();
  if (!cert || cert.user_id !== row.maker_id || !(await issuedByBank(ctx, cert))) return false;
  const payload = JSON.parse(row.payload) as { fields: Record<string, string | number> };
  const bytes = canonicalBytes(signedPayload(row.kind, row.serial, payload.fields, envelope));
  const key = publicKeyOf(cert);
  const signature = Buffer.from(envelope.signature, 'base64');
  return cert.key_type === 'ec'
    ? verify('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }, signature)
    : verify('sha256', bytes, key, signature);
}

export async function instructionView(
  ctx: ServiceContext,
  row: Row,
  lang: Lang,
  withHistory: boolean,
): Promise<Instruction> {
  const payload = JSON.parse(row.payload) as {
    draft: InstructionDraft;
    fields: Record<string, string | number>;
    memberCode: string | null;
    failureParams?: Record<string, string | number>;
    before?: string[];
  };
  const users = await ctx.db
    .selectFrom('users')
    .select(['id', 'login_name', 'display_name'])
    .where('id', 'in', [row.maker_id, row.checker_id ?? row.maker_id])
    .execute();
  const person = (id: number | null) => {
    const u = users.find((x) => x.id === id);
    return u ? { id: u.id, loginName: u.login_name, displayName: u.display_name } : null;
  };
  const market = row.market_id
    ? await ctx.db
        .selectFrom('markets')
        .select(['id', 'code', 'name', 'name_en'])
        .where('id', '=', row.market_id)
        .executeTakeFirst()
    : undefined;
  const envelope = JSON.parse(row.maker_signature) as { certSerial: string; time: string };
  const history = withHistory
    ? await ctx.db
        .selectFrom('instruction_events')
        .leftJoin('users', 'users.id', 'instruction_events.actor_id')
        .select(['from_state', 'to_state', 'at', 'signature', 'note', 'users.display_name'])
        .where('instruction_id', '=', row.id)
        .orderBy('instruction_events.id')
        .execute()
    : [];
  const failure =
    row.failure_code && isErrorCode(row.failure_code)
      ? {
          code: row.failure_code,
          message: errorMessage(row.failure_code, lang, payload.failureParams),
          params: payload.failureParams,
        }
      : null;
  return {
    id: row.id,
    serial: row.serial,
    kind: row.kind,
    state: row.state,
    businessDate: row.business_date,
    amount: row.amount === null ? null : balanceFromDb(row.amount),
    market: market ? { id: market.id, code: market.code, name: market.name, nameEn: market.name_en } : null,
    memberCode: payload.memberCode,
    fields: payload.fields,
    maker: person(row.maker_id)!,
    checker: person(row.checker_id),
    makerSignature: {
      certSerial: envelope.certSerial,
      time: envelope.time,
      verified: await makerSignatureValid(ctx, row),
    },
    createdAt: row.created_at,
    decidedAt: row.decided_at,
    rejectReason: row.reject_reason,
    failure,
    menuChange: await menuChangeOf(ctx, payload),
    history: history.map((h) => ({
      fromState: h.from_state,
      toState: h.to_state,
      actor: h.display_name ?? null,
      at: h.at,
      signed: h.signature !== null,
      note: h.note,
    })),
  };
}

async function menuChangeOf(ctx: ServiceContext, payload: { draft: InstructionDraft; before?: string[] }) {
  if (payload.draft.kind !== 'menu') return null;
  const target = await ctx.db
    .selectFrom('users')
    .select(['id', 'login_name', 'display_name'])
    .where('id', '=', payload.draft.targetUserId)
    .executeTakeFirst();
  const before = new Set(payload.before ?? []);
  const after = new Set(payload.draft.permissions);
  return {
    target: {
      id: payload.draft.targetUserId,
      loginName: target?.login_name ?? '',
      displayName: target?.display_name ?? '',
    },
    added: [...after].filter((p) => !before.has(p)).sort(),
    removed: [...before].filter((p) => !after.has(p)).sort(),
  };
}
