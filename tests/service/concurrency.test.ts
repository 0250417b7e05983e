// Many clients at once: one instruction approved 100 times in parallel executes
// once; 50 parallel withdrawals that together exceed the balance never take it
// below zero and the refused ones say why; one idempotency key sent 20 times
// in parallel makes one instruction.
import { beforeAll, describe, expect, it } from 'vitest';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { decide, payloadOf, submitInstruction, tradeDesk } from '../support/instructions';
import { harnessFor } from '../support/service-harness';
import { signEnvelope } from '../support/soft-certificates';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`concurrency on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let op: string;
    let rev: string;
    let contract: number;

    beforeAll(async () => {
      ({ op, rev, contract } = await tradeDesk(h));
      const dep = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: contract,
        amount: 100_000,
      });
      await decide(h, rev, 'trade.reviewer', dep.body.id, 'approve');
    });

    it('100 parallel approvals of one instruction: exactly one executes, the others hear it was handled', async () => {
      const dep = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: contract,
        amount: 1_00,
      });
      const key = await h.keyOf('trade.reviewer');
      const signed = [];
      for (let i = 0; i < 100; i++) {
        const ch = (
          await h.request({
            method: 'POST',
            url: `/instructions/${dep.body.id}/decision-challenge`,
            token: rev,
            body: { decision: 'approve' },
          })
        ).json();
        signed.push(signEnvelope(key, payloadOf('decision', ch.fields, ch.challenge, h.clock.nowIso())));
      }
      const replies = await Promise.all(
        signed.map((signature) =>
          h.request({
            method: 'POST',
            url: `/instructions/${dep.body.id}/decision`,
            token: rev,
            lang: 'en',
            body: { decision: 'approve', signature },
          }),
        ),
      );
      const ok = replies.filter((r) => r.statusCode === 200);
      expect(ok).toHaveLength(1);
      expect(ok[0].json().state).toBe('executed');
      const others = replies.filter((r) => r.statusCode !== 200).map((r) => r.json().error.code);
      expect(new Set(others)).toEqual(new Set(['INSTRUCTION_ALREADY_HANDLED']));
      const entries = await h.ctx.db
        .selectFrom('journal_entries')
        .select('id')
        .where('reference', '=', `instruction:${dep.body.serial}`)
        .execute();
      expect(entries).toHaveLength(1);
    });

    it('50 parallel withdrawals exceeding the balance: holds never overdraw, refusals say why, approvals keep it above zero', async () => {
      const before = (await h.request({ method: 'GET', url: `/member-accounts/${contract}`, token: op })).json();
      const key = await h.keyOf('trade.operator');
      const prepared = [];
      for (let i = 0; i < 50; i++) {
        const draft = { kind: 'withdraw', contractId: contract, amount: 3_000 };
        const p = (await h.request({ method: 'POST', url: '/instructions/preview', token: op, body: draft })).json();
        prepared.push({
          draft,
          idempotencyKey: p.serial,
          signature: signEnvelope(key, payloadOf('withdraw', p.fields, p.challenge, h.clock.nowIso())),
        });
      }
      const replies = await Promise.all(
        prepared.map((body) => h.request({ method: 'POST', url: '/instructions', token: op, lang: 'en', body })),
      );
      const accepted = replies.filter((r) => r.statusCode === 200).map((r) => r.json());
      const refused = replies.filter((r) => r.statusCode !== 200).map((r) => r.json().error);
      expect(accepted.length).toBe(Math.floor(before.available / 3_000));
      expect(refused.length).toBe(50 - accepted.length);
      for (const e of refused)
        expect(e).toMatchObject({ code: 'INSUFFICIENT_FUNDS', message: 'The available balance is not enough' });
      const held = (await h.request({ method: 'GET', url: `/member-accounts/${contract}`, token: op })).json();
      expect(held.available).toBeGreaterThanOrEqual(0);
      expect(held.pendingWithdrawals).toBe(accepted.length * 3_000);

      const reviewerKey = await h.keyOf('trade.reviewer');
      const decisions = [];
      for (const a of accepted) {
        const ch = (
          await h.request({
            method: 'POST',
            url: `/instructions/${a.id}/decision-challenge`,
            token: rev,
            body: { decision: 'approve' },
          })
        ).json();
        decisions.push({
          id: a.id,
          signature: signEnvelope(reviewerKey, payloadOf('decision', ch.fields, ch.challenge, h.clock.nowIso())),
        });
      }
      const approved = await Promise.all(
        decisions.map((d) =>
          h.request({
            method: 'POST',
            url: `/instructions/${d.id}/decision`,
            token: rev,
            body: { decision: 'approve', signature: d.signature },
          }),
        ),
      );
      expect(approved.every((r) => r.json().state === 'executed')).toBe(true);
      const after = (await h.request({ method: 'GET', url: `/member-accounts/${contract}`, token: op })).json();
      expect(after.balance).toBe(before.balance - accepted.length * 3_000);
      expect(after.balance).toBeGreaterThanOrEqual(0);
      expect(after.pendingWithdrawals).toBe(0);
    });

    it('the same idempotency key sent 20 times in parallel makes one instruction', async () => {
      const key = await h.keyOf('trade.operator');
      const draft = { kind: 'deposit', contractId: contract, amount: 500 };
      const p = (await h.request({ method: 'POST', url: '/instructions/preview', token: op, body: draft })).json();
      const body = {
        draft,
        idempotencyKey: 'parallel-key-01',
        signature: signEnvelope(key, payloadOf('deposit', p.fields, p.challenge, h.clock.nowIso())),
      };
      const replies = await Promise.all(
        Array.from({ length: 20 }, () => h.request({ method: 'POST', url: '/instructions', token: op, body })),
      );
      expect(replies.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
      expect(new Set(replies.map((r) => r.json().id)).size).toBe(1);
      const rows = await h.ctx.db
        .selectFrom('instructions')
        .select('id')
        .where('idempotency_key', '=', 'parallel-key-01')
        .execute();
      expect(rows).toHaveLength(1);
    });
  });
}
