// The chaos run's load: clients doing signed deposits, withdrawals and their
// approvals through the load balancer (the bank CA pinned), each request retried
// on a failure that says nothing about the outcome (a dropped connection, a 5xx)
// with the same idempotency key or the same signed decision, so a retry can never
// post twice. Every outcome is recorded; what was acknowledged goes to the checker.
import { Pool, type Dispatcher } from 'undici';
import { payloadOf } from '../../tests/support/instructions';
import { signEnvelope, type SoftKey } from '../../tests/support/soft-certificates';
import { allRoutes } from '../../src-shared/routes';
import { requestOf } from '../../src-shared/routes/define';
import { signMarketRequest, type MarketKey } from '../../src-market-sim/signing';

/** A route's path from the service's route table, its parameters filled in. */
export const at = (key: keyof typeof allRoutes, params?: Record<string, unknown>) =>
  requestOf(allRoutes[key], params ? params : undefined).url;

export interface Outcome {
  /** ms since the run's start, when the answer (or the failure) came */
  t: number;
  phase: string;
  step: 'preview' | 'submit' | 'challenge' | 'decide' | 'state' | 'clearing';
  ok: boolean;
  /** an HTTP status, or the connection's error code */
  why: string;
  ms: number;
  retry: boolean;
}

export interface Acknowledged {
  /** instructions the service said it took: enterprise's idempotency key → id */
  submitted: Map<string, number>;
  /** instructions the service said it executed (posted) */
  executed: Set<number>;
  /** the market's clearing lines the service said it posted (their event keys) */
  cleared: Set<string>;
}

export interface Sessions {
  operator: string;
  reviewer: string;
  operatorKey: SoftKey;
  reviewerKey: SoftKey;
  contractId: number;
}

class Abandoned extends Error {}

export class Load {
  readonly outcomes: Outcome[] = [];
  readonly acknowledged: Acknowledged = { submitted: new Map(), executed: new Set(), cleared: new Set() };
  phase = 'steady';
  private stopping = false;
  private giveUpAt: number | null = null;
  /** Clients that gave up on an unanswered request at the end. */
  abandoned = 0;
  private readonly pool: Pool;
  private readonly t0 = performance.now();

  constructor(url: string, bankCa: string, connections: number) {
    this.pool = new Pool(url, { connections, connect: { ca: bankCa }, pipelining: 1 });
  }

  now(): number {
    return performance.now() - this.t0;
  }

  /** One attempt; the reply, or null when nothing reliable came back (retry). */
  private async attempt(
    step: Outcome['step'],
    retry: boolean,
    path: string,
    token: string | Record<string, string>,
    method: string,
    body?: unknown,
  ) {
    const start = this.now();
    const record = (ok: boolean, why: string) =>
      this.outcomes.push({ t: this.now(), phase: this.phase, step, ok, why, ms: this.now() - start, retry });
    try {
      const res = await this.pool.request({
        path,
        method: method as Dispatcher.HttpMethod,
        headers: {
          'content-type': 'application/json',
          ...(typeof token === 'string' ? { authorization: `Bearer ${token}` } : token),
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        headersTimeout: 30_000,
        bodyTimeout: 30_000,
      });
      const json = (await res.body.json().catch(() => ({}))) as any;
      if (res.statusCode >= 500) {
        record(false, `${res.statusCode}${json?.error?.code ? ` ${json.error.code}` : ''}`);
        return null;
      }
      record(
        res.statusCode === 200,
        res.statusCode === 200 ? '200' : `${res.statusCode} ${json?.error?.code ?? ''}`.trim(),
      );
      return { status: res.statusCode, json };
    } catch (error) {
      record(false, (error as NodeJS.ErrnoException).code ?? (error as Error).message);
      return null;
    }
  }

  /** Until a reliable answer: a failure of the connection or a 5xx is retried as it was. */
  private async reliably(step: Outcome['step'], path: string, token: string, method: string, body?: unknown) {
    for (let tries = 0; ; tries++) {
      const reply = await this.attempt(step, tries > 0, path, token, method, body);
      if (reply) return reply;
      // The run is bounded: a minute after its end, what is still unanswered stays unknown
      // (never acknowledged, so the checker asks nothing of it).
      if (this.giveUpAt !== null && this.now() > this.giveUpAt) throw new Abandoned();
      await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** tries)));
    }
  }

  stop(): void {
    this.stopping = true;
    this.giveUpAt = this.now() + 60_000;
  }

  /** One client: deposits, and every third instruction a withdrawal of part of what it put in. */
  async client(s: Sessions, index: number): Promise<void> {
    try {
      await this.work(s, index);
    } catch (error) {
      if (!(error instanceof Abandoned)) throw error;
      this.abandoned += 1;
    }
  }

  private async work(s: Sessions, index: number): Promise<void> {
    let balance = 0;
    for (let n = 0; !this.stopping; n++) {
      const withdraw = n % 3 === 2 && balance >= 2;
      const amount = withdraw
        ? 1 + ((index + n) % Math.floor(balance / 2))
        : 100 + ((index * 7919 + n * 104729) % 9900);
      const draft = { kind: withdraw ? 'withdraw' : 'deposit', contractId: s.contractId, amount };
      const preview = await this.reliably('preview', at('instructions.preview'), s.operator, 'POST', draft);
      if (preview.status !== 200) throw new Error(`preview refused: ${JSON.stringify(preview.json)}`);
      const p = preview.json;
      const signature = signEnvelope(
        s.operatorKey,
        payloadOf(draft.kind as 'deposit', p.fields, p.challenge, new Date().toISOString()),
      );
      const submitted = await this.reliably('submit', at('instructions.submit'), s.operator, 'POST', {
        draft,
        idempotencyKey: p.serial,
        signature,
      });
      if (submitted.status !== 200) throw new Error(`submit refused: ${JSON.stringify(submitted.json)}`);
      const id = submitted.json.id as number;
      this.acknowledged.submitted.set(p.serial, id);
      // The reviewer's challenge, then the signed approval; a retry after an unknown outcome
      // finds the instruction handled and reads its state.
      const ch = await this.reliably('challenge', at('instructions.decisionChallenge', { id }), s.reviewer, 'POST', {
        decision: 'approve',
      });
      let state: string;
      if (ch.status === 200) {
        const decision = signEnvelope(
          s.reviewerKey,
          payloadOf('decision', ch.json.fields, ch.json.challenge, new Date().toISOString()),
        );
        const done = await this.reliably('decide', at('instructions.decision', { id }), s.reviewer, 'POST', {
          decision: 'approve',
          signature: decision,
        });
        if (done.status === 200) state = done.json.state;
        else if (done.json?.error?.code === 'INSTRUCTION_ALREADY_HANDLED') state = await this.stateOf(s, id);
        else throw new Error(`decision refused: ${JSON.stringify(done.json)}`);
      } else if (ch.json?.error?.code === 'INSTRUCTION_ALREADY_HANDLED') state = await this.stateOf(s, id);
      else throw new Error(`challenge refused: ${JSON.stringify(ch.json)}`);
      if (state === 'executed') {
        this.acknowledged.executed.add(id);
        balance += withdraw ? -amount : amount;
      }
    }
  }

  /**
   * The market's system: clearing batches of 20 one-fen lines between two members,
   * one after another. A batch whose answer was lost is sent again under the same
   * key, signed anew (a signature's nonce is good once): the service answers it as
   * before and posts nothing twice.
   */
  async market(key: MarketKey, marketCode: string, payer: string, payee: string, run: string): Promise<void> {
    const path = at('market.clearingBatch', { code: marketCode });
    try {
      for (let n = 1; !this.stopping; n++) {
        const batch = {
          key: `${run}-B${n}`,
          lines: Array.from({ length: 20 }, (_, i) => ({
            key: `${run}-B${n}-L${i + 1}`,
            payerCode: payer,
            payeeCode: payee,
            amount: 1,
          })),
        };
        const body = JSON.stringify(batch);
        for (let tries = 0; ; tries++) {
          const headers = await signMarketRequest(key, { method: 'POST', path, body });
          const reply = await this.attempt('clearing', tries > 0, path, headers, 'POST', body);
          if (reply) {
            if (reply.status !== 200) throw new Error(`clearing batch refused: ${JSON.stringify(reply.json)}`);
            for (const line of reply.json.lines) if (line.outcome === 'posted') this.acknowledged.cleared.add(line.key);
            break;
          }
          if (this.giveUpAt !== null && this.now() > this.giveUpAt) throw new Abandoned();
          await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** tries)));
        }
      }
    } catch (error) {
      if (!(error instanceof Abandoned)) throw error;
      this.abandoned += 1;
    }
  }

  private async stateOf(s: Sessions, id: number): Promise<string> {
    const got = await this.reliably('state', at('instructions.get', { id }), s.reviewer, 'GET');
    return got.json.state as string;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}
