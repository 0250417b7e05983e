// The corporate flow through the HTTP API, and every rule the service enforces
// on instructions whatever the client sends.
import { beforeAll, describe, expect, it } from 'vitest';
import { addDays } from '../../src-service/clock';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { decide, payloadOf, submitInstruction } from '../support/instructions';
import { harnessFor } from '../support/service-harness';
import { signEnvelope } from '../support/soft-certificates';

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`instructions on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let op: string;
    let rev: string;
    let exch: number;
    let agri: number;
    let account: number;
    let contract: number;

    beforeAll(async () => {
      // trade.operator holds contract, deposit and withdraw permissions in the demo
      op = await h.signedIn('trade.operator');
      rev = await h.signedIn('trade.reviewer');
      const markets = (await h.request({ method: 'GET', url: '/markets/mine', token: op })).json();
      exch = markets.find((m: any) => m.code === 'EXCH01').id;
      agri = markets.find((m: any) => m.code === 'AGRI03').id;
      account = (await h.request({ method: 'GET', url: '/ebank/accounts', token: op })).json()[0].id;
    });

    const get = async (url: string, token = op) => (await h.request({ method: 'GET', url, token, lang: 'en' })).json();

    it('signs a contract through maker and checker: the member code must be registered and be ours', async () => {
      const unknown = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: exch,
        memberCode: 'NOPE',
        boundAccountId: account,
      });
      expect(unknown.body.error.code).toBe('MEMBER_CODE_UNKNOWN');
      const notOurs = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: exch,
        memberCode: 'EX1001',
        boundAccountId: account,
      });
      expect(notOurs.body.error.code).toBe('MEMBER_CODE_NOT_YOURS');
      const demoAccount = await h.ctx.db
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', '11014550000011')
        .executeTakeFirstOrThrow();
      const foreignAccount = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: exch,
        memberCode: 'EX1002',
        boundAccountId: demoAccount.id,
      });
      expect(foreignAccount.body.error.code).toBe('BOUND_ACCOUNT_INVALID');

      const signed = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: exch,
        memberCode: 'EX1002',
        boundAccountId: account,
      });
      expect(signed.status).toBe(200);
      expect(signed.body).toMatchObject({
        kind: 'sign',
        state: 'pending',
        serial: signed.preview.serial,
        makerSignature: { verified: true },
      });
      // only one pending sign per enterprise and market
      const second = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: exch,
        memberCode: 'EX1002',
        boundAccountId: account,
      });
      expect(second.body.error.code).toBe('CONTRACT_SIGN_PENDING');

      expect(await get('/instructions/pending-counts', rev)).toMatchObject({ sign: 1, deposit: 0 });
      const approved = await decide(h, rev, 'trade.reviewer', signed.body.id, 'approve');
      expect(approved.body).toMatchObject({ state: 'executed', checker: { loginName: 'trade.reviewer' } });
      expect(approved.body.history.map((e: any) => e.toState)).toEqual(['pending', 'approved', 'executed']);
      const accounts = await get('/member-accounts');
      expect(accounts).toHaveLength(1);
      expect(accounts[0]).toMatchObject({
        memberCode: 'EX1002',
        balance: 0,
        market: { code: 'EXCH01' },
        virtualAccountNo: expect.any(String),
        seatNo: expect.any(String),
      });
      contract = accounts[0].contractId;
      const again = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: exch,
        memberCode: 'EX1002',
        boundAccountId: account,
      });
      expect(again.body.error.code).toBe('CONTRACT_EXISTS');
    });

    it('deposits and withdraws with review; a pending withdrawal holds its amount; rejection needs a reason', async () => {
      const before = (await get('/ebank/accounts'))[0].balance;
      const dep = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: contract,
        amount: 100_000,
      });
      expect(dep.body.state).toBe('pending');
      // the maker cannot approve their own instruction — whatever the client sends
      const self = await decide(h, op, 'trade.operator', dep.body.id, 'approve');
      expect(self.body.error.code).toMatch(/FORBIDDEN|MAKER_CANNOT_CHECK/);
      const ok = await decide(h, rev, 'trade.reviewer', dep.body.id, 'approve');
      expect(ok.body.state).toBe('executed');
      expect((await get('/ebank/accounts'))[0].balance).toBe(before - 100_000);
      expect((await get(`/member-accounts/${contract}`)).balance).toBe(100_000);

      const w1 = await submitInstruction(h, op, 'trade.operator', {
        kind: 'withdraw',
        contractId: contract,
        amount: 60_000,
      });
      expect(w1.body.state).toBe('pending');
      expect(await get(`/member-accounts/${contract}`)).toMatchObject({
        balance: 100_000,
        available: 40_000,
        pendingWithdrawals: 60_000,
      });
      // two pending withdrawals cannot spend the same money
      const w2 = await submitInstruction(h, op, 'trade.operator', {
        kind: 'withdraw',
        contractId: contract,
        amount: 60_000,
      });
      expect(w2.body.error.code).toBe('INSUFFICIENT_FUNDS');
      const noReason = await decide(h, rev, 'trade.reviewer', w1.body.id, 'reject');
      expect(noReason.body.error.code).toBe('REJECT_REASON_REQUIRED');
      const rejected = await decide(
        h,
        rev,
        'trade.reviewer',
        w1.body.id,
        'reject',
        'amount does not match the contract',
      );
      expect(rejected.body).toMatchObject({ state: 'rejected', rejectReason: 'amount does not match the contract' });
      expect(await get(`/member-accounts/${contract}`)).toMatchObject({
        available: 100_000,
        pendingWithdrawals: 0,
      });
      const twice = await decide(h, rev, 'trade.reviewer', w1.body.id, 'approve');
      expect(twice.body.error.code).toBe('INSTRUCTION_ALREADY_HANDLED');

      const w3 = await submitInstruction(h, op, 'trade.operator', {
        kind: 'withdraw',
        contractId: contract,
        amount: 20_000,
      });
      expect((await decide(h, rev, 'trade.reviewer', w3.body.id, 'approve')).body.state).toBe('executed');
      expect((await get(`/member-accounts/${contract}`)).balance).toBe(80_000);
      const txns = await get(`/member-accounts/${contract}/transactions?period=today&category=depositWithdraw`);
      expect(txns.items.map((t: any) => [t.kind, t.direction, t.amount])).toEqual([
        ['withdraw', 'out', 20_000],
        ['deposit', 'in', 100_000],
      ]);
      expect(txns.items[0].balanceAfter).toBe(80_000);
    });

    it('keeps a draft’s serial when it is previewed again (上一步, 下一步), only its maker’s unused one of the same kind', async () => {
      const preview = async (body: unknown, serial?: string) =>
        (
          await h.request({
            method: 'POST',
            url: serial ? `/instructions/preview/${serial}` : '/instructions/preview',
            token: op,
            body,
            lang: 'en',
          })
        ).json();
      const draft = { kind: 'deposit', contractId: contract, amount: 1_00 };
      const first = await preview(draft);
      // back to the form, the amount corrected, forward again: the same serial, a new challenge
      const corrected = { ...draft, amount: 2_00 };
      const again = await preview(corrected, first.serial);
      expect(again.serial).toBe(first.serial);
      expect(again.challenge).not.toBe(first.challenge);
      expect(again.fields).toMatchObject({ serial: first.serial });
      // a draft of another kind does not take it
      const withdraw = await preview({
        draft: { kind: 'withdraw', contractId: contract, amount: 1_00 },
        serial: first.serial,
      });
      expect(withdraw.serial).not.toBe(first.serial);
      // signed and submitted under it; once used, a preview naming it gets a new one
      const key = await h.keyOf('trade.operator');
      const submitted = await h.request({
        method: 'POST',
        url: '/instructions',
        token: op,
        body: {
          draft: corrected,
          idempotencyKey: again.serial,
          signature: signEnvelope(key, payloadOf('deposit', again.fields, again.challenge, h.clock.nowIso())),
        },
      });
      expect(submitted.statusCode, submitted.body).toBe(200);
      expect(submitted.json()).toMatchObject({ serial: first.serial, amount: 2_00 });
      const after = await preview(draft, first.serial);
      expect(after.serial).not.toBe(first.serial);
      // a serial that is not of this shape is refused by the route, naming the field
      const bad = await h.request({
        method: 'POST',
        url: '/instructions/preview/12',
        token: op,
        body: draft,
        lang: 'en',
      });
      expect(bad.statusCode).toBe(400);
      expect(bad.json().error.fields[0].field).toBe('serial');
      await decide(h, rev, 'trade.reviewer', submitted.json().id, 'reject', 'a test of serials');
    });

    it('refuses a deposit to a market that has not signed in, before anything is signed', async () => {
      await h.ctx.db
        .insertInto('market_members')
        .values({
          market_id: agri,
          member_code: 'AGX',
          cert_no: '91110108MA01N8QE57',
          name: '示范贸易有限公司',
          virtual_account_no: 'V',
          seat_no: 'S',
          created_at: h.clock.nowIso(),
        })
        .execute();
      const sign = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: agri,
        memberCode: 'AGX',
        boundAccountId: account,
      });
      await decide(h, rev, 'trade.reviewer', sign.body.id, 'approve');
      const agriContract = (await get('/member-accounts')).find((a: any) => a.market.code === 'AGRI03').contractId;
      const preview = await h.request({
        method: 'POST',
        url: '/instructions/preview',
        token: op,
        body: { kind: 'deposit', contractId: agriContract, amount: 100 },
        lang: 'en',
      });
      expect(preview.json().refusals).toEqual([
        expect.objectContaining({
          code: 'MARKET_NOT_SIGNED_IN',
          message: expect.stringContaining('Western Agricultural Produce Exchange'),
        }),
      ]);
      const res = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: agriContract,
        amount: 100,
      });
      expect(res.body.error.code).toBe('MARKET_NOT_SIGNED_IN');
    });

    it('refuses to cancel while the balance is not zero, and the same day money moved; accepts the next business day', async () => {
      const check = await get(`/member-accounts/${contract}/cancel-check`);
      expect(check.ok).toBe(false);
      expect(check.refusals.map((r: any) => r.code)).toEqual(['CANCEL_BALANCE_NOT_ZERO', 'CANCEL_MONEY_MOVED_TODAY']);
      const refused = await submitInstruction(h, op, 'trade.operator', { kind: 'cancel', contractId: contract });
      expect(refused.body.error.code).toBe('CANCEL_BALANCE_NOT_ZERO');
      const out = await submitInstruction(h, op, 'trade.operator', {
        kind: 'withdraw',
        contractId: contract,
        amount: 80_000,
      });
      await decide(h, rev, 'trade.reviewer', out.body.id, 'approve');
      expect((await get(`/member-accounts/${contract}/cancel-check`)).refusals.map((r: any) => r.code)).toEqual([
        'CANCEL_MONEY_MOVED_TODAY',
      ]);
      h.clock.advance(86_400_000);
      const rev2 = await h.signedIn('trade.reviewer');
      const op2 = await h.signedIn('trade.operator');
      expect((await get(`/member-accounts/${contract}/cancel-check`, op2)).ok).toBe(true);
      const cancel = await submitInstruction(h, op2, 'trade.operator', { kind: 'cancel', contractId: contract });
      expect((await decide(h, rev2, 'trade.reviewer', cancel.body.id, 'approve')).body.state).toBe('executed');
      expect(await get('/member-accounts?status=all', op2)).toEqual(
        expect.arrayContaining([expect.objectContaining({ contractId: contract, status: 'cancelled' })]),
      );
      op = op2;
      rev = rev2;
    });

    it('expires an instruction not reviewed on its business day and voids its hold', async () => {
      const sign = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: exch,
        memberCode: 'EX1002',
        boundAccountId: account,
      });
      const newContract = await decide(h, rev, 'trade.reviewer', sign.body.id, 'approve');
      expect(newContract.body.state).toBe('executed');
      const c = (await get('/member-accounts')).find((a: any) => a.market.code === 'EXCH01').contractId;
      const dep = await submitInstruction(h, op, 'trade.operator', { kind: 'deposit', contractId: c, amount: 5_000 });
      await decide(h, rev, 'trade.reviewer', dep.body.id, 'approve');
      const w = await submitInstruction(h, op, 'trade.operator', { kind: 'withdraw', contractId: c, amount: 5_000 });
      expect((await get(`/member-accounts/${c}`)).available).toBe(0);
      h.clock.advance(86_400_000);
      op = await h.signedIn('trade.operator');
      rev = await h.signedIn('trade.reviewer');
      const late = await decide(h, rev, 'trade.reviewer', w.body.id, 'approve');
      expect(late.body.error.code).toBe('INSTRUCTION_EXPIRED');
      expect((await get(`/instructions/${w.body.id}`, rev)).state).toBe('expired');
      expect(await get(`/member-accounts/${c}`)).toMatchObject({ available: 5_000, pendingWithdrawals: 0 });
    });

    it('refuses to approve an instruction of yesterday that another instance, its clock behind, made after today’s expiry ran', async () => {
      const c = (await get('/member-accounts')).find((a: any) => a.market.code === 'EXCH01').contractId;
      // Today's expiry has run for the enterprise (and is remembered for the day).
      await get('/instructions/pending-counts', rev);
      const w = await submitInstruction(h, op, 'trade.operator', { kind: 'withdraw', contractId: c, amount: 1_00 });
      expect(w.status).toBe(200);
      await h.ctx.db
        .updateTable('instructions')
        .set({ business_date: addDays(h.clock.today(), -1) })
        .where('id', '=', w.body.id)
        .execute();
      const late = await decide(h, rev, 'trade.reviewer', w.body.id, 'approve');
      expect(late.body.error.code).toBe('INSTRUCTION_EXPIRED');
      expect((await get(`/instructions/${w.body.id}`, rev)).state).toBe('expired');
      expect((await get(`/member-accounts/${c}`)).pendingWithdrawals).toBe(0);
    });

    it('re-validates at approval: a market signed out, a contract no longer cancellable — the instruction fails with the reason', async () => {
      const { setSignedIn } = await import('../../src-service/markets/markets');
      const events = await import('../../src-service/markets/events');
      const c = (await get('/member-accounts')).find((a: any) => a.market.code === 'EXCH01').contractId;
      const dep = await submitInstruction(h, op, 'trade.operator', { kind: 'deposit', contractId: c, amount: 300 });
      await setSignedIn(h.ctx, 'EXCH01', false);
      const failed = await decide(h, rev, 'trade.reviewer', dep.body.id, 'approve');
      expect(failed.body).toMatchObject({
        state: 'failed',
        failure: { code: 'MARKET_NOT_SIGNED_IN', message: expect.stringContaining('East China') },
      });
      expect(failed.body.history.map((e: any) => e.toState)).toEqual(['pending', 'approved', 'failed']);
      await setSignedIn(h.ctx, 'EXCH01', true);
      // signed in again: a corporate 入金 has no acceptance step (the manual) — the bank executes it
      const again = await submitInstruction(h, op, 'trade.operator', { kind: 'deposit', contractId: c, amount: 300 });
      expect((await decide(h, rev, 'trade.reviewer', again.body.id, 'approve')).body.state).toBe('executed');
      // a cancel that was fine when entered, but money arrived before the review
      h.clock.advance(86_400_000);
      op = await h.signedIn('trade.operator');
      rev = await h.signedIn('trade.reviewer');
      const w = (await get(`/member-accounts/${c}`)).balance;
      if (w > 0) {
        const out = await submitInstruction(h, op, 'trade.operator', { kind: 'withdraw', contractId: c, amount: w });
        await decide(h, rev, 'trade.reviewer', out.body.id, 'approve');
        h.clock.advance(86_400_000);
        op = await h.signedIn('trade.operator');
        rev = await h.signedIn('trade.reviewer');
      }
      const cancel = await submitInstruction(h, op, 'trade.operator', { kind: 'cancel', contractId: c });
      expect(cancel.body.state).toBe('pending');
      await events.marketMoney(h.ctx, {
        direction: 'deposit',
        marketCode: 'EXCH01',
        memberCode: 'EX1002',
        amount: 100 as never,
        key: 'late-money',
      });
      const late = await decide(h, rev, 'trade.reviewer', cancel.body.id, 'approve');
      expect(late.body.failure.code).toBe('CANCEL_BALANCE_NOT_ZERO');
      // a reason longer than 200 characters is refused field by field
      const other = await submitInstruction(h, op, 'trade.operator', { kind: 'deposit', contractId: c, amount: 100 });
      const long = await h.request({
        method: 'POST',
        url: `/instructions/${other.body.id}/decision-challenge`,
        token: rev,
        body: { decision: 'reject', reason: 'x'.repeat(201) },
        lang: 'en',
      });
      expect(long.statusCode).toBe(400);
      expect(long.json().error.fields[0].field).toBe('reason');
      // a reviewer of another enterprise does not see it at all
      const stranger = await h.signedIn('demo.reviewer');
      const peek = await h.request({
        method: 'POST',
        url: `/instructions/${other.body.id}/decision-challenge`,
        token: stranger,
        body: { decision: 'approve' },
      });
      expect(peek.json().error.code).toBe('INSTRUCTION_NOT_FOUND');
    });

    it('answers the same idempotency key with the first result, and another body with 409', async () => {
      const c = (await get('/member-accounts')).find((a: any) => a.market.code === 'EXCH01').contractId;
      const first = await submitInstruction(
        h,
        op,
        'trade.operator',
        { kind: 'deposit', contractId: c, amount: 1_000 },
        { idempotencyKey: 'client-key-0001' },
      );
      const again = await submitInstruction(
        h,
        op,
        'trade.operator',
        { kind: 'deposit', contractId: c, amount: 1_000 },
        { idempotencyKey: 'client-key-0001' },
      );
      expect(again.body.id).toBe(first.body.id);
      const other = await submitInstruction(
        h,
        op,
        'trade.operator',
        { kind: 'deposit', contractId: c, amount: 2_000 },
        { idempotencyKey: 'client-key-0001' },
      );
      expect(other.status).toBe(409);
      expect(other.body.error.code).toBe('IDEMPOTENCY_MISMATCH');
    });

    it('refuses what the client might forge: unsigned, tampered, a draft the maker may not make, a stranger’s contract', async () => {
      const c = (await get('/member-accounts')).find((a: any) => a.market.code === 'EXCH01').contractId;
      const unsigned = await submitInstruction(
        h,
        op,
        'trade.operator',
        { kind: 'deposit', contractId: c, amount: 1_00 },
        { unsigned: true },
      );
      expect(unsigned.body.error.code).toBe('SIGNATURE_MISSING');
      const tampered = await submitInstruction(
        h,
        op,
        'trade.operator',
        { kind: 'deposit', contractId: c, amount: 1_00 },
        { tamper: (f) => (f.amount = 1) },
      );
      expect(tampered.body.error.code).toBe('SIGNATURE_INVALID');
      // the reviewer holds no deposit permission
      const byReviewer = await submitInstruction(h, rev, 'trade.reviewer', {
        kind: 'deposit',
        contractId: c,
        amount: 100,
      });
      expect(byReviewer.status).toBe(403);
      // another enterprise's operator cannot touch this contract
      const demoOp = await h.signedIn('demo.operator');
      const stranger = await h.request({
        method: 'POST',
        url: '/instructions/preview',
        token: demoOp,
        body: { kind: 'cancel', contractId: c },
      });
      expect(stranger.json().error.code).toBe('CONTRACT_NOT_FOUND');
      const peek = await h.request({ method: 'GET', url: `/member-accounts/${c}`, token: demoOp });
      expect(peek.json().error.code).toBe('CONTRACT_NOT_FOUND');
      // amounts: zero, negative, fractional, too large, as strings
      for (const amount of [0, -5, 1.5, 10_000_000_000_000_000, '100']) {
        const bad = await h.request({
          method: 'POST',
          url: '/instructions/preview',
          token: op,
          body: { kind: 'deposit', contractId: c, amount },
        });
        expect(bad.statusCode, String(amount)).toBe(400);
        expect(bad.json().error.fields[0].field).toBe('amount');
      }
    });

    // last: it leaves one deposit pending that nobody else in the enterprise may decide
    it('shows a maker who also reviews only what others entered, and still refuses their own', async () => {
      // an administrator may give one person both rights; maker ≠ checker still holds
      const reviewer = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'trade.reviewer')
        .executeTakeFirstOrThrow();
      await h.ctx.db
        .insertInto('user_permissions')
        .values({ user_id: reviewer.id, code: 'ebank.settle.deposit' })
        .execute();
      const both = await h.signedIn('trade.reviewer');
      const b2b = (await get('/markets/mine')).find((m: any) => m.code === 'B2B02').id;
      const signed = await submitInstruction(h, op, 'trade.operator', {
        kind: 'sign',
        marketId: b2b,
        memberCode: 'B21002',
        boundAccountId: account,
      });
      expect((await decide(h, rev, 'trade.reviewer', signed.body.id, 'approve')).body.state).toBe('executed');
      const own = (await get('/member-accounts')).find((a: any) => a.market.code === 'B2B02').contractId;
      const before = (await get('/instructions/pending-counts', both)).deposit;
      const mine = await submitInstruction(h, both, 'trade.reviewer', {
        kind: 'deposit',
        contractId: own,
        amount: 1_000,
      });
      const theirs = await submitInstruction(h, op, 'trade.operator', {
        kind: 'deposit',
        contractId: own,
        amount: 2_000,
      });
      expect([mine.body.state, theirs.body.state]).toEqual(['pending', 'pending']);
      expect((await get('/instructions/pending-counts', both)).deposit).toBe(before + 1);
      const reviewable = await get('/instructions?kind=deposit&reviewable=true', both);
      const serials = reviewable.items.map((i: any) => i.serial);
      expect(serials).toContain(theirs.body.serial);
      expect(serials).not.toContain(mine.body.serial);
      expect(reviewable.total).toBe(before + 1);
      const all = await get('/instructions?kind=deposit&state=pending', both);
      expect(all.total).toBe(before + 2);
      const self = await decide(h, both, 'trade.reviewer', mine.body.id, 'approve');
      expect(self.body.error.code).toBe('MAKER_CANNOT_CHECK');
      const theirsRejected = await decide(h, both, 'trade.reviewer', theirs.body.id, 'reject', 'wrong amount');
      expect(theirsRejected.body.state).toBe('rejected');
    });
  });
}
