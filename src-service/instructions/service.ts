// The maker-checker state machine of corporate e-banking. An instruction is
// previewed (the service reads the draft, reserves a serial, issues a
// challenge), submitted with the maker's signature (awaiting review), then
// approved — executed or failed in the same transaction — or rejected with a
// reason, or expired at the end of its business day. Every transition is kept
// with who, when and the signature; the maker is never the checker.
import { createHash } from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import {
  InstructionKind,
  type DecisionChallenge,
  type DecisionRequest,
  type Instruction,
  type InstructionDraft,
  type InstructionPreview,
  type PendingCounts,
  type SubmitInstruction,
} from '../../src-shared/api/settlement';
import { AppError, errorMessage, isErrorCode, type ErrorParams, type Lang } from '../../src-shared/errors';
import type { Permission } from '../../src-shared/menu';
import { balanceFromDb } from '../../src-shared/money';
import { canonicalBytes, signedPayload } from '../../src-shared/signing';
import { canonicalJson, writeAuditBeforeLastRows } from '../audit/log';
import { auditMark } from '../audit/pending';
import { readAccessVersion, type AccessVersion } from '../auth/access-cache';
import type { UserRow } from '../auth/users';
import {
  checkSignatureAhead,
  issueChallenge,
  issuedByBank,
  signatureMatches,
  verifySigned,
  type VerifyInput,
} from '../certificates/signatures';
import type { ServiceContext } from '../context';
import { voidHold } from '../ledger/holds';
import { withLinesLast } from '../ledger/post';
import { describeRefusals } from '../markets/contracts';
import type { Database, InstructionsTable } from '../store/schema';
import { prepared, type Slots } from '../store/prepared';
import { atomically, isUniqueViolation } from '../store/tx';
import { CHECKER_PERMISSIONS, kindSpec, type Enterprise, type StoredPayload } from './kinds';
import {
  claimPending,
  handledMeanwhile,
  isAlreadyHandled,
  leavePending,
  recordTransition,
  recordTransitions,
  type Transition,
} from './transitions';

export interface Actor {
  user: UserRow;
  permissions: ReadonlySet<Permission>;
  /** The access version read with the session: the enterprise may come from the instance's copy of it. */
  accessVersion?: AccessVersion;
}

type Row = Selectable<InstructionsTable>;

async function enterpriseOf(ctx: ServiceContext, actor: Actor): Promise<Enterprise> {
  if (!actor.user.enterprise_id) throw new AppError('FORBIDDEN');
  const version = actor.accessVersion ?? (await readAccessVersion(ctx.db));
  return ctx.access.enterprise(ctx.db, version, actor.user.enterprise_id);
}

function requirePermission(actor: Actor, perm: Permission) {
  if (!actor.permissions.has(perm)) throw new AppError('FORBIDDEN');
}

function throwFirst(refusals: { code: Parameters<typeof errorMessage>[0]; params?: ErrorParams }[]) {
  const [first] = refusals;
  if (first) throw new AppError(first.code, first.params);
}

function bodyHash(draft: InstructionDraft): string {
  return createHash('sha256').update(canonicalJson(draft)).digest('hex');
}

function needsReview(kind: InstructionDraft['kind'], enterprise: Enterprise): boolean {
  return kindSpec(kind).needsReview?.(enterprise) ?? true;
}

/** The service's reading of a draft, a reserved serial and a challenge to sign with it. */
export async function previewInstruction(
  ctx: ServiceContext,
  actor: Actor,
  draft: InstructionDraft,
  lang: Lang,
  /** The serial an earlier preview of this draft reserved. */
  earlier?: string,
): Promise<InstructionPreview> {
  const spec = kindSpec(draft.kind);
  requirePermission(actor, spec.maker);
  const enterprise = await enterpriseOf(ctx, actor);
  const derived = await spec.derive(ctx.db, ctx, enterprise, draft);
  const purpose = `instruction:${draft.kind}`;
  const { serial, challenge } = await atomically(ctx.db, async (trx) => {
    const reserved =
      earlier !== undefined && (await stillReserved(trx, ctx, actor.user.id, purpose, earlier))
        ? earlier
        : await ctx.serials.next(trx, ctx.clock.today());
    return {
      serial: reserved,
      challenge: await issueChallenge({ ...ctx, db: trx }, actor.user.id, purpose, reserved),
    };
  });
  return {
    kind: draft.kind,
    serial,
    challenge,
    issuedAt: ctx.clock.nowIso(),
    fields: { serial, ...derived.fields },
    refusals: describeRefusals(derived.refusals, lang),
    needsReview: needsReview(draft.kind, enterprise),
  };
}

/**
 * Whether a serial is one this user's earlier preview of the same kind reserved
 * today and no instruction holds yet: only then is it kept for the draft. Any
 * other (another user's, another kind's, yesterday's, used) is not an error —
 * the draft gets a new serial, as at its first preview.
 */
async function stillReserved(
  trx: Kysely<Database>,
  ctx: ServiceContext,
  userId: number,
  purpose: string,
  serial: string,
): Promise<boolean> {
  if (serial.slice(0, 8) !== ctx.clock.today().replaceAll('-', '')) return false;
  const issued = await trx
    .selectFrom('challenges')
    .select('id')
    .where('reference', '=', serial)
    .where('user_id', '=', userId)
    .where('purpose', '=', purpose)
    .executeTakeFirst();
  if (!issued) return false;
  const taken = await trx.selectFrom('instructions').select('id').where('serial', '=', serial).executeTakeFirst();
  return !taken;
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
  const spec = kindSpec(draft.kind);
  requirePermission(actor, spec.maker);
  const enterprise = await enterpriseOf(ctx, actor);
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
      const derived = await spec.derive(trx, ctx, enterprise, draft);
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
          payload: (env) => signedPayload(draft.kind, { ...derived.fields, serial }, env),
        },
      );
      const now = ctx.clock.nowIso();
      const holdId = (await spec.onSubmit?.(trx, ctx, draft, serial)) ?? null;
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
      // What no second person reviews (a menu change in single-admin mode) takes effect at once.
      if (!needsReview(draft.kind, enterprise)) return approveAndExecute(trx, ctx, row, null, null);
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

/** approved → executed, or failed with the reason; the executor's writes undone on failure. */
async function approveAndExecute(
  trx: Transaction<Database>,
  ctx: ServiceContext,
  row: Row,
  checker: UserRow | null,
  signature: string | null,
): Promise<Row> {
  // Approved and executed (or failed) in one write of the instruction, made after
  // the execution: until then it is still awaiting review, so a refused execution
  // leaves it for the failure below to claim, and a second checker racing this one
  // waits on that write and is refused (claimPending). Its events still record the
  // approval and the outcome as two steps.
  const decided = { checker_id: checker?.id ?? null, checker_signature: signature, decided_at: ctx.clock.nowIso() };
  const approved: Transition = {
    from: 'pending',
    to: 'approved',
    actor: checker,
    signature,
    note: checker ? null : 'single-admin mode',
  };
  try {
    const { draft } = JSON.parse(row.payload) as StoredPayload;
    return await atomically(trx, async (inner) => {
      const mark = auditMark(inner);
      return withLinesLast(
        inner,
        async () => {
          const entryId = await kindSpec(draft.kind).execute(inner, ctx, row, draft);
          const executed = await claimPending(inner, row.id, {
            state: 'executed',
            journal_entry_id: entryId,
            ...decided,
          });
          await recordTransitions(inner, ctx, row, [
            approved,
            { from: 'approved', to: 'executed', actor: checker, signature: null, note: null },
          ]);
          return executed;
        },
        // The accounts' rows, which every posting of the contract waits on, are
        // locked last: after the audit records, held only until the commit. A
        // refused line still undoes all of the above and the instruction fails.
        () => writeAuditBeforeLastRows(inner, mark),
      );
    });
  } catch (error) {
    // A checker who lost the race usually stops at the posting's serial, which the
    // winner's entry holds (a unique index), before reaching the claim.
    if (isUniqueViolation(error)) throw (await handledMeanwhile(trx, row.id)) ?? error;
    if (!(error instanceof AppError) || isAlreadyHandled(error)) throw error;
    const failed = await claimPending(trx, row.id, {
      state: 'failed',
      failure_code: error.code,
      payload: withFailureParams(row.payload, error.params),
      ...decided,
    });
    if (row.hold_id) await voidHold(trx, row.hold_id, ctx.clock.nowIso());
    await recordTransitions(trx, ctx, row, [
      approved,
      { from: 'approved', to: 'failed', actor: checker, signature: null, note: error.code },
    ]);
    return failed;
  }
}

/**
 * Failures recorded before params carried no language hold a name as a pair,
 * `{market, marketEn}`; read as one two-language value so they keep their English.
 */
function storedFailureParams(params: ErrorParams | undefined): ErrorParams | undefined {
  if (!params) return params;
  const read: ErrorParams = {};
  for (const [name, value] of Object.entries(params)) {
    if (name.endsWith('En') && typeof params[name.slice(0, -2)] === 'string') continue;
    const english = params[`${name}En`];
    read[name] = typeof value === 'string' && typeof english === 'string' ? { 'zh-CN': value, en: english } : value;
  }
  return read;
}

function withFailureParams(payload: string, params: ErrorParams | undefined): string {
  return JSON.stringify({ ...JSON.parse(payload), failureParams: params ?? {} });
}

const instructionById = prepared((db, slot: Slots<{ id: number }>) =>
  db.selectFrom('instructions').selectAll().where('id', '=', slot.id),
);

async function loadForDecision(
  ctx: ServiceContext,
  actor: Actor,
  id: number,
): Promise<{ row: Row; enterprise: Enterprise }> {
  const enterprise = await enterpriseOf(ctx, actor);
  await expireStale(ctx, enterprise.id);
  const row = await instructionById.first(ctx.db, { id });
  if (!row || row.enterprise_id !== enterprise.id) throw new AppError('INSTRUCTION_NOT_FOUND');
  requirePermission(actor, kindSpec(row.kind).checker);
  if (row.maker_id === actor.user.id) throw new AppError('MAKER_CANNOT_CHECK');
  if (row.state === 'pending' && row.business_date < ctx.clock.today()) {
    await expireStaleNow(ctx, enterprise.id);
    throw new AppError('INSTRUCTION_EXPIRED');
  }
  if (row.state === 'expired') throw new AppError('INSTRUCTION_EXPIRED');
  if (row.state !== 'pending') throw new AppError('INSTRUCTION_ALREADY_HANDLED', { state: row.state });
  return { row, enterprise };
}

/** What the checker signs: the instruction, the decision, and a rejection's reason (empty for an approval). */
function decisionFields(row: Row, decision: 'approve' | 'reject', reason: string) {
  return { serial: row.serial, instructionKind: row.kind, decision, reason };
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
    fields: decisionFields(row, request.decision, request.reason ?? ''),
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
  const signed: VerifyInput = {
    userId: actor.user.id,
    purpose: 'decision',
    reference: row.serial,
    envelope: request.signature,
    need: 'activated',
    payload: (env) =>
      signedPayload(
        'decision',
        decisionFields(row, request.decision, request.decision === 'reject' ? reason : ''),
        env,
      ),
  };
  const ahead = await checkSignatureAhead(ctx, signed, actor.accessVersion);
  return atomically(ctx.db, async (trx) => {
    await verifySigned({ ...ctx, db: trx }, signed, ahead);
    const signature = JSON.stringify(request.signature);
    if (request.decision === 'approve') return approveAndExecute(trx, ctx, row, actor.user, signature);
    await leavePending(trx, ctx, row, {
      to: 'rejected',
      checker: actor.user,
      signature,
      rejectReason: reason,
      note: reason,
    });
    return trx.selectFrom('instructions').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
  });
}

/**
 * The business date through which each enterprise's stale instructions were
 * expired, per database: an instruction is made with today's date, so none
 * becomes stale again before the date changes — a request checks once a day,
 * not every time. The service's sweep (no enterprise) always looks, every
 * minute, for what an instance whose clock lags may still have dated yesterday;
 * a decision refuses such an instruction by its date whatever was remembered.
 */
const expiredThrough = new WeakMap<object, Map<number, string>>();

/** Instructions not reviewed by the end of their business day expire; their holds are voided. */
export async function expireStale(ctx: ServiceContext, enterpriseId?: number): Promise<number> {
  // Inside a caller's transaction (which may yet roll back) nothing is remembered.
  if (enterpriseId === undefined || ctx.db !== ctx.store.db) return expireStaleNow(ctx, enterpriseId);
  let done = expiredThrough.get(ctx.store.db);
  if (!done) expiredThrough.set(ctx.store.db, (done = new Map()));
  // A moved clock (tests, the demo) may have gone back and forth over a day: worked out again.
  const today = `${ctx.clock.today()}#${ctx.clock.moves}`;
  if (done.get(enterpriseId) === today) return 0;
  const expired = await expireStaleNow(ctx, enterpriseId);
  done.set(enterpriseId, today);
  return expired;
}

async function expireStaleNow(ctx: ServiceContext, enterpriseId?: number): Promise<number> {
  let q = ctx.db
    .selectFrom('instructions')
    .selectAll()
    .where('state', '=', 'pending')
    .where('business_date', '<', ctx.clock.today());
  if (enterpriseId !== undefined) q = q.where('enterprise_id', '=', enterpriseId);
  const stale = await q.execute();
  let expired = 0;
  for (const row of stale) {
    try {
      await atomically(ctx.db, (trx) =>
        leavePending(trx, ctx, row, {
          to: 'expired',
          checker: null,
          signature: null,
          note: `not reviewed on ${row.business_date}`,
        }),
      );
      expired += 1;
    } catch (error) {
      // A checker decided it meanwhile: nothing left to expire.
      if (!isAlreadyHandled(error)) throw error;
    }
  }
  return expired;
}

export async function pendingCounts(ctx: ServiceContext, actor: Actor): Promise<PendingCounts> {
  const enterprise = await enterpriseOf(ctx, actor);
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
  const counts = Object.fromEntries(InstructionKind.options.map((kind) => [kind, 0])) as PendingCounts;
  for (const r of rows) counts[r.kind] = Number(r.n);
  return counts;
}

export async function listInstructions(
  ctx: ServiceContext,
  actor: Actor,
  query: { kind?: string; state?: string; reviewable?: boolean; page: number; pageSize: number },
  lang: Lang,
): Promise<{ items: Instruction[]; total: number; page: number; pageSize: number }> {
  const enterprise = await enterpriseOf(ctx, actor);
  await expireStale(ctx, enterprise.id);
  let q = ctx.db.selectFrom('instructions').where('enterprise_id', '=', enterprise.id);
  if (query.kind) q = q.where('kind', '=', query.kind as Row['kind']);
  if (query.state) q = q.where('state', '=', query.state as Row['state']);
  // Makers see what they entered; reviewers and administrators what they may review.
  const reviewer = [...CHECKER_PERMISSIONS].some((p) => actor.permissions.has(p));
  if (!reviewer) q = q.where('maker_id', '=', actor.user.id);
  if (query.reviewable) q = q.where('state', '=', 'pending').where('maker_id', '!=', actor.user.id);
  const total = Number((await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
  const rows = await q
    .selectAll()
    .orderBy('id', 'desc')
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)
    .execute();
  const names = await namesOf(ctx, rows);
  const items = [];
  for (const row of rows) items.push(await instructionView(ctx, row, lang, false, names));
  return { items, total, page: query.page, pageSize: query.pageSize };
}

export async function instructionDetail(
  ctx: ServiceContext,
  actor: Actor,
  id: number,
  lang: Lang,
): Promise<Instruction> {
  const enterprise = await enterpriseOf(ctx, actor);
  await expireStale(ctx, enterprise.id);
  const row = await instructionById.first(ctx.db, { id });
  if (!row || row.enterprise_id !== enterprise.id) throw new AppError('INSTRUCTION_NOT_FOUND');
  return instructionView(ctx, row, lang, true);
}

export async function instructionRow(db: Kysely<Database>, id: number): Promise<Row> {
  return db.selectFrom('instructions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
}

/**
 * Whether a stored maker's signature verified, by a digest of everything it
 * depends on: the stored bytes never change, and a certificate's trust and
 * owner do not either (its status does, but a revocation does not undo a
 * signature made before it). A tampered row has another digest and is checked.
 */
const makerVerdicts = new Map<string, boolean>();

/** The maker's signature checked again, against the stored bytes (for the reviewer's eyes). */
async function makerSignatureValid(ctx: ServiceContext, row: Row): Promise<boolean> {
  const digest = createHash('sha256')
    .update(JSON.stringify([row.kind, row.serial, row.maker_id, row.payload, row.maker_signature]))
    .digest('base64');
  let verdict = makerVerdicts.get(digest);
  if (verdict === undefined) {
    verdict = await checkMakerSignature(ctx, row);
    if (makerVerdicts.size >= 20_000) makerVerdicts.clear();
    makerVerdicts.set(digest, verdict);
  }
  return verdict;
}

async function checkMakerSignature(ctx: ServiceContext, row: Row): Promise<boolean> {
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
  const { fields } = JSON.parse(row.payload) as StoredPayload;
  const bytes = canonicalBytes(signedPayload(row.kind, { ...fields, serial: row.serial }, envelope));
  return signatureMatches(cert, bytes, envelope.signature);
}

type Person = { id: number; loginName: string; displayName: string };
type MarketName = { id: number; code: string; name: string; name_en: string };

/** Who and which markets a page of instructions names, read once for the page (no read per row). */
interface Names {
  people: Map<number, Person>;
  markets: Map<number, MarketName>;
}

async function namesOf(ctx: ServiceContext, rows: readonly Row[], people = new Map<number, Person>()): Promise<Names> {
  const unnamed = [...new Set(rows.flatMap((r) => [r.maker_id, r.checker_id]))].filter(
    (id): id is number => id !== null && !people.has(id),
  );
  if (unnamed.length > 0) {
    const users = await ctx.db
      .selectFrom('users')
      .select(['id', 'login_name', 'display_name'])
      .where('id', 'in', unnamed)
      .execute();
    for (const u of users) people.set(u.id, { id: u.id, loginName: u.login_name, displayName: u.display_name });
  }
  const marketIds = [...new Set(rows.map((r) => r.market_id))].filter((id): id is number => id !== null);
  const markets = new Map<number, MarketName>();
  if (marketIds.length > 0) {
    const found = await ctx.db
      .selectFrom('markets')
      .select(['id', 'code', 'name', 'name_en'])
      .where('id', 'in', marketIds)
      .execute();
    for (const m of found) markets.set(m.id, m);
  }
  return { people, markets };
}

/** An instruction's history with its actors' names: every reply about one instruction reads it. */
const eventsOf = prepared((db, slot: Slots<{ id: number }>) =>
  db
    .selectFrom('instruction_events')
    .leftJoin('users', 'users.id', 'instruction_events.actor_id')
    .select([
      'from_state',
      'to_state',
      'at',
      'signature',
      'note',
      'users.id as actor_id',
      'users.login_name',
      'users.display_name',
    ])
    .where('instruction_id', '=', slot.id)
    .orderBy('instruction_events.id'),
);

export async function instructionView(
  ctx: ServiceContext,
  row: Row,
  lang: Lang,
  withHistory: boolean,
  names?: Names,
): Promise<Instruction> {
  const payload = JSON.parse(row.payload) as StoredPayload;
  const history = withHistory ? await eventsOf.rows(ctx.db, { id: row.id }) : [];
  // The maker and the checker are among the history's actors; only what it does not name is read.
  const people = new Map<number, Person>();
  for (const h of history)
    if (h.actor_id !== null && h.login_name !== null && h.display_name !== null)
      people.set(h.actor_id, { id: h.actor_id, loginName: h.login_name, displayName: h.display_name });
  const { people: named, markets } = names ?? (await namesOf(ctx, [row], people));
  const person = (id: number | null) => (id === null ? null : (named.get(id) ?? null));
  const market = row.market_id === null ? undefined : markets.get(row.market_id);
  const envelope = JSON.parse(row.maker_signature) as { certSerial: string; time: string };
  const failure =
    row.failure_code && isErrorCode(row.failure_code)
      ? {
          code: row.failure_code,
          message: errorMessage(row.failure_code, lang, storedFailureParams(payload.failureParams)),
          params: storedFailureParams(payload.failureParams),
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
    menuChange: (await kindSpec(payload.draft.kind).menuChange?.(ctx.db, payload)) ?? null,
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
