// What a signed request costs the database, counted in statements: a deposit's
// submission, its decision challenge and its approval, each measured on its own
// (the same statements on either database). A figure that grows again is a
// regression of issue 12 — an extra read per request, or an N+1 loop.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { payloadOf, tradeDesk } from '../support/instructions';
import { harnessFor } from '../support/service-harness';
import { signEnvelope } from '../support/soft-certificates';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`statements per signed request on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let op: string;
    let rev: string;
    let contract: number;

    beforeAll(async () => {
      ({ op, rev, contract } = await tradeDesk(h));
    });

    /** Statements the service sent while `work` ran (nothing else runs meanwhile). */
    async function counted<T>(work: () => Promise<T>): Promise<{ result: T; statements: number }> {
      const before = h.ctx.store.statements();
      const result = await work();
      return { result, statements: h.ctx.store.statements() - before };
    }

    it('a deposit: preview, submission, decision challenge and approval', async () => {
      const opKey = await h.keyOf('trade.operator');
      const revKey = await h.keyOf('trade.reviewer');
      const figures: Record<string, number> = {};
      for (let round = 0; round < 2; round++) {
        const draft = { kind: 'deposit', contractId: contract, amount: 1_00 };
        const preview = await counted(() =>
          h.request({ method: 'POST', url: '/instructions/preview', token: op, body: draft }),
        );
        const p = preview.result.json();
        const signature = signEnvelope(opKey, payloadOf('deposit', p.fields, p.challenge, h.clock.nowIso()));
        const submit = await counted(() =>
          h.request({
            method: 'POST',
            url: '/instructions',
            token: op,
            body: { draft, idempotencyKey: p.serial, signature },
          }),
        );
        expect(submit.result.statusCode).toBe(200);
        const id = submit.result.json().id;
        const challenge = await counted(() =>
          h.request({
            method: 'POST',
            url: `/instructions/${id}/decision-challenge`,
            token: rev,
            body: { decision: 'approve' },
          }),
        );
        const c = challenge.result.json();
        const approval = await counted(() =>
          h.request({
            method: 'POST',
            url: `/instructions/${id}/decision`,
            token: rev,
            body: {
              decision: 'approve',
              signature: signEnvelope(revKey, payloadOf('decision', c.fields, c.challenge, h.clock.nowIso())),
            },
          }),
        );
        expect(approval.result.json().state).toBe('executed');
        // The second round is the steady state (caches warm).
        Object.assign(figures, {
          preview: preview.statements,
          submit: submit.statements,
          challenge: challenge.statements,
          approval: approval.statements,
        });
      }
      console.log(`${kind.name} statements per request: ${JSON.stringify(figures)}`);
      // Before issue 12: a challenge and an approval took 9 + 37 on SQLite, 7 + 35 on PostgreSQL
      // (the guard's three reads, the audit head three times a record, a select after every write).
      expect(figures.challenge).toBeLessThanOrEqual(5);
      // One of them is the market's notice (issue 13's outbox), written with the posting by design.
      expect(figures.challenge + figures.approval).toBeLessThanOrEqual(kind.name === 'sqlite' ? 25 : 17);
      expect(figures.preview + figures.submit).toBeLessThanOrEqual(36);
    });
  });
}
