// Notices to a market (bank → market): what its system must know — a member's
// money moved in or out, a contract signed or cancelled. A transactional
// outbox: a notice is written in the same transaction as its event, so it
// exists exactly when the event does, and a dispatcher delivers it afterwards
// as an HTTPS POST to the notice URL bank staff set for the market (never the
// market itself), signed with the bank's document-signing key, its certificate
// checked, no redirect followed. Delivery is retried with exponential backoff
// until the market answers 2xx; the market makes it idempotent by the notice's
// id. A member's notices go in order: a later one waits for the earlier.
//
// Several instances may dispatch from one database: a notice is leased (a
// conditional update) for the time one attempt may take, never with a
// transaction held open across the HTTP call.
import type { Kysely, Transaction } from 'kysely';
import type { Agent } from 'undici';
import { AppError } from '../../src-shared/errors';
import { appendAudit } from '../audit/log';
import type { ServiceContext } from '../context';
import type { Database } from '../store/schema';
import { prepared, type Slots } from '../store/prepared';
import { atomically } from '../store/tx';
import { marketAgent, postSigned } from './market-https';
import { marketByCode } from './markets';

/**
 * Bank staff set where a market's system is reached: its notices (null holds
 * them until one is set) and its answers on transfers from other banks (null:
 * not asked). An https URL, whose server certificate is checked.
 */
export async function setMarketUrl(
  ctx: ServiceContext,
  marketCode: string,
  which: 'notice' | 'acceptance',
  url: string | null,
  by = 'staff',
) {
  if (url !== null) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new AppError('NOTICE_URL_INVALID');
    }
    if (parsed.protocol !== 'https:' || url.length > 500 || parsed.username || parsed.password)
      throw new AppError('NOTICE_URL_INVALID');
  }
  await atomically(ctx.db, async (trx) => {
    const market = await marketByCode(trx, marketCode);
    await trx
      .updateTable('markets')
      .set(which === 'notice' ? { notice_url: url } : { acceptance_url: url })
      .where('id', '=', market.id)
      .execute();
    await appendAudit(trx, {
      at: ctx.clock.nowIso(),
      actor: by,
      action: which === 'notice' ? 'market.noticeUrlSet' : 'market.acceptanceUrlSet',
      entity: 'market',
      entityId: market.id,
      details: { url },
    });
  });
}

export interface NoticeInput {
  marketId: number;
  /** Whose notices keep their order; '' for one that concerns the market as a whole. */
  memberCode: string;
  kind: string;
  payload: Record<string, unknown>;
}

/** Written in the caller's transaction: the notice exists if and only if its event does. */
export async function enqueueNotice(trx: Transaction<Database> | Kysely<Database>, at: string, notice: NoticeInput) {
  await insertNotice.changed(trx, {
    marketId: notice.marketId,
    memberCode: notice.memberCode,
    kind: notice.kind,
    payload: JSON.stringify(notice.payload),
    at,
  });
}

const insertNotice = prepared(
  (db, slot: Slots<{ marketId: number; memberCode: string; kind: string; payload: string; at: string }>) =>
    db.insertInto('market_notices').values({
      market_id: slot.marketId,
      member_code: slot.memberCode,
      kind: slot.kind,
      payload: slot.payload,
      created_at: slot.at,
      attempts: 0,
      next_attempt_at: slot.at,
      lease_until: null,
      delivered_at: null,
      last_error: null,
    }),
);

export interface DispatchSettings {
  /** How often the outbox is looked at. */
  intervalMs: number;
  /** The first retry's wait; each next one doubles, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** How long one attempt may take before it counts as no answer. */
  timeoutMs: number;
  /** CA certificates (PEM) the markets' servers are checked against, besides the system's. */
  ca?: string;
}

/** A setting of a whole number of milliseconds from 1 to a day; unset, the fallback. */
export function millisecondsSetting(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 86_400_000)
    throw new Error(`${name} must be a whole number of milliseconds from 1 to 86400000: ${value}`);
  return n;
}

/** From SETTLEKEY_NOTICE_* settings, each a whole number of milliseconds; unset, the defaults. */
export function dispatchSettings(env: NodeJS.ProcessEnv, ca?: string): DispatchSettings {
  const ms = (name: string, fallback: number) => millisecondsSetting(env, name, fallback);
  return {
    intervalMs: ms('SETTLEKEY_NOTICE_INTERVAL_MS', 1_000),
    backoffMs: ms('SETTLEKEY_NOTICE_BACKOFF_MS', 2_000),
    maxBackoffMs: ms('SETTLEKEY_NOTICE_MAX_BACKOFF_MS', 600_000),
    timeoutMs: ms('SETTLEKEY_NOTICE_TIMEOUT_MS', 10_000),
    ca,
  };
}

/** What the market receives: the notice, and the bank's signature over exactly these bytes. */
export interface NoticeBody {
  id: number;
  kind: string;
  market: string;
  memberCode: string;
  createdAt: string;
  payload: unknown;
}

export class NoticeDispatcher {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly agent: Agent;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly settings: DispatchSettings,
  ) {
    this.agent = marketAgent(settings.ca);
  }

  start(): void {
    if (this.timer) return;
    // A look that fails (the database failing over, PgBouncer restarting) is simply the next
    // look's to make: the notices stay in the outbox. Unheard, the rejection would end the process.
    this.timer = setInterval(() => void this.tick().catch(() => undefined), this.settings.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
    await this.agent.close();
  }

  /** One look at the outbox: every due notice that is first in its member's line is attempted once. */
  tick(): Promise<void> {
    this.running ??= this.dispatch().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async dispatch(): Promise<void> {
    const db = this.ctx.db;
    const now = new Date().toISOString();
    const due = await db
      .selectFrom('market_notices as n')
      .innerJoin('markets as m', 'm.id', 'n.market_id')
      .select(['n.id', 'n.kind', 'n.member_code', 'n.payload', 'n.created_at', 'n.attempts', 'm.code', 'm.notice_url'])
      .where('n.delivered_at', 'is', null)
      .where('n.next_attempt_at', '<=', now)
      .where('m.notice_url', 'is not', null)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('market_notices as e')
              .select('e.id')
              .whereRef('e.market_id', '=', 'n.market_id')
              .whereRef('e.member_code', '=', 'n.member_code')
              .where('e.delivered_at', 'is', null)
              .whereRef('e.id', '<', 'n.id'),
          ),
        ),
      )
      .orderBy('n.id')
      .limit(50)
      .execute();
    await Promise.all(due.map((notice) => this.attempt(notice)));
  }

  private async attempt(notice: {
    id: number;
    kind: string;
    member_code: string;
    payload: string;
    created_at: string;
    attempts: number;
    code: string;
    notice_url: string | null;
  }): Promise<void> {
    const db = this.ctx.db;
    const leaseUntil = new Date(Date.now() + 2 * this.settings.timeoutMs).toISOString();
    const now = new Date().toISOString();
    // The lease: one instance attempts a notice at a time; one that died mid-attempt lets it go when it ends.
    const leased = await db
      .updateTable('market_notices')
      .set({ lease_until: leaseUntil })
      .where('id', '=', notice.id)
      .where('delivered_at', 'is', null)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
      .executeTakeFirst();
    if (Number(leased.numUpdatedRows) !== 1) return;
    const body: NoticeBody = {
      id: notice.id,
      kind: notice.kind,
      market: notice.code,
      memberCode: notice.member_code,
      createdAt: notice.created_at,
      payload: JSON.parse(notice.payload),
    };
    const bytes = Buffer.from(JSON.stringify(body));
    let failure: string | null = null;
    try {
      const res = await postSigned(this.ctx, notice.notice_url!, bytes, {
        dispatcher: this.agent,
        timeoutMs: this.settings.timeoutMs,
        headers: { 'x-settlekey-notice-id': String(notice.id) },
      });
      await res.body.dump();
      // A redirect is not followed: where notices go is for bank staff to say.
      if (res.statusCode < 200 || res.statusCode > 299) failure = `HTTP ${res.statusCode}`;
    } catch (error) {
      failure = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    const at = new Date();
    if (failure === null) {
      await db
        .updateTable('market_notices')
        .set({ delivered_at: at.toISOString(), lease_until: null, attempts: notice.attempts + 1, last_error: null })
        .where('id', '=', notice.id)
        .execute();
      return;
    }
    const wait = Math.min(this.settings.maxBackoffMs, this.settings.backoffMs * 2 ** notice.attempts);
    await db
      .updateTable('market_notices')
      .set({
        attempts: notice.attempts + 1,
        next_attempt_at: new Date(at.getTime() + wait).toISOString(),
        lease_until: null,
        last_error: failure.slice(0, 500),
      })
      .where('id', '=', notice.id)
      .execute();
  }
}
