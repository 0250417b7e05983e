// Markets and the member-management operations: incoming transfers, suspense
// and re-credit, clearing with fees, freezes, B2B trades, cancel refusals,
// transfer-out and closure; menu changes in both admin modes; reconciliation
// and verify-audit.
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from '../../src-service/audit/verify';
import * as events from '../../src-service/markets/events';
import { categoryKinds } from '../../src-service/accounts/routes';
import { resolveRange, statement } from '../../src-service/ledger/queries';
import { reconciliation } from '../../src-service/markets/reconciliation';
import type { Transaction } from '../../src-shared/api/settlement';
import type { Fen } from '../../src-shared/money';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { decide, submitInstruction } from '../support/instructions';
import { memberOperation } from '../support/members';
import { harnessFor, startHarness } from '../support/service-harness';

const ZHANG_PHONE = '13800138002';
const ZHANG_CARD = '6225880000000019';
const fen = (n: number) => n as Fen;

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`markets and member operations on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let zhang: string;
    let corp: string;
    let markets: Record<string, number>;
    let zhangCard: number;

    beforeAll(async () => {
      zhang = await h.signedIn('m.zhangsan');
      corp = await h.signedIn('m.corp');
      const list = (await h.request({ method: 'GET', url: '/markets/mine', token: zhang })).json();
      markets = Object.fromEntries(list.map((m: any) => [m.code, m.id]));
      zhangCard = (await h.request({ method: 'GET', url: '/member/cards', token: zhang })).json()[0].id;
    });
    const get = async (url: string, token = zhang) =>
      (await h.request({ method: 'GET', url, token, lang: 'en' })).json();

    it('an individual signs a market with an SMS code; without it, or with a wrong one, nothing happens', async () => {
      const missing = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'signContract',
        { marketId: markets.B2B02, memberCode: 'B22002', cardId: zhangCard },
        { skipProof: true },
      );
      expect(missing.body.error.code).toBe('VERIFICATION_REQUIRED');
      h.clock.advance(61_000);
      const wrong = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'signContract',
        { marketId: markets.B2B02, memberCode: 'B22002', cardId: zhangCard },
        { code: '000000' },
      );
      expect(wrong.body.error.code).toMatch(/OTP_WRONG/);
      expect(wrong.body.error.message).toMatch(/4 tries left/);
      expect(await get('/member-accounts')).toEqual([]);
      // the resend window is 60 seconds
      const soon = await h.request({
        method: 'POST',
        url: '/member/operations/signContract/prepare',
        token: zhang,
        body: { marketId: markets.B2B02, memberCode: 'B22002', cardId: zhangCard },
        lang: 'en',
      });
      expect(soon.json().error).toMatchObject({ code: 'OTP_RESEND_TOO_SOON' });
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      const ok = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'signContract',
        { marketId: markets.B2B02, memberCode: 'B22002', cardId: zhangCard },
        { phone: ZHANG_PHONE },
      );
      expect(ok.status).toBe(200);
      expect(ok.body).toMatchObject({
        virtualAccountNo: expect.any(String),
        seatNo: expect.any(String),
        serial: expect.stringMatching(/^\d{16}$/),
      });
      const op = await h.ctx.db
        .selectFrom('member_operations')
        .selectAll()
        .where('serial', '=', ok.body.serial)
        .executeTakeFirstOrThrow();
      expect(op).toMatchObject({ kind: 'signContract', verified_by: 'otp' });
    });

    it('the bound card of a signed market changes only to an authenticated card of the member, verified', async () => {
      const [account] = await get('/member-accounts');
      expect(account.boundCard).toMatchObject({ cardNo: '6225 **** **** 0019', bankNameEn: 'China Merchants Bank' });
      const corpCard = (await get('/member/cards', corp))[0].id;
      h.clock.advance(61_000);
      const foreign = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'changeBoundCard',
        { contractId: account.contractId, cardId: corpCard },
        { phone: ZHANG_PHONE },
      );
      expect(foreign.body.error.code).toBe('BOUND_CARD_INVALID');
      const authenticated = await h.request({
        method: 'POST',
        url: '/member/cards/authenticate',
        token: zhang,
        body: {
          card: { cardNo: '6222020000000015', bankCode: '102', branchCode: '102100000001', phone: ZHANG_PHONE },
          purpose: 'bound',
        },
        lang: 'en',
      });
      expect(authenticated.statusCode, authenticated.body).toBe(200);
      const icbc = authenticated.json().id;
      h.clock.advance(61_000);
      const unverified = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'changeBoundCard',
        { contractId: account.contractId, cardId: icbc },
        { code: '000000' },
      );
      expect(unverified.body.error.code).toMatch(/OTP_WRONG/);
      expect((await get('/member-accounts'))[0].boundCard.cardNo).toBe('6225 **** **** 0019');
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      const changed = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'changeBoundCard',
        { contractId: account.contractId, cardId: icbc },
        { phone: ZHANG_PHONE },
      );
      expect(changed.status, JSON.stringify(changed.body)).toBe(200);
      expect((await get('/member-accounts'))[0].boundCard).toMatchObject({
        cardNo: '6222 **** **** 0015',
        bankName: '中国工商银行',
        bankNameEn: 'Industrial and Commercial Bank of China',
      });
      // back to the first card, for the transfers below
      h.clock.advance(61_000);
      const back = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'changeBoundCard',
        { contractId: account.contractId, cardId: zhangCard },
        { phone: ZHANG_PHONE },
      );
      expect(back.status, JSON.stringify(back.body)).toBe(200);
    });

    it('a corporate member signs with the USB-KEY; an SMS code does not do for it', async () => {
      const corpCard = (await get('/member/cards', corp))[0].id;
      const otpForCorp = await h.request({
        method: 'POST',
        url: '/member/operations/signContract',
        token: corp,
        body: {
          input: { marketId: markets.B2B02, memberCode: 'B22001', cardId: corpCard },
          proof: { otp: { codeId: 'x', code: '123456' } },
        },
      });
      expect(otpForCorp.json().error.code).toBe('VERIFICATION_REQUIRED');
      const ok = await memberOperation(h, corp, 'm.corp', 'signContract', {
        marketId: markets.B2B02,
        memberCode: 'B22001',
        cardId: corpCard,
      });
      expect(ok.status).toBe(200);
      expect(ok.prepared.method).toBe('usbkey');
      const transferOut = await memberOperation(h, corp, 'm.corp', 'setTransferOutCard', { cardId: corpCard });
      expect(transferOut.status).toBe(200);
      const op = await h.ctx.db
        .selectFrom('member_operations')
        .selectAll()
        .where('serial', '=', transferOut.body.serial)
        .executeTakeFirstOrThrow();
      expect(op).toMatchObject({ kind: 'setTransferOutCard', verified_by: 'usbkey' });
    });

    it('an incoming transfer from the bound card credits the member; while the market is signed out it goes to suspense, re-credited once', async () => {
      const credited = await events.incomingTransfer(h.ctx, {
        marketCode: 'B2B02',
        cardNo: ZHANG_CARD,
        payerName: '张三',
        amount: fen(50_000),
        key: 'in-1',
      });
      expect(credited.outcome).toBe('credited');
      const repeat = await events.incomingTransfer(h.ctx, {
        marketCode: 'B2B02',
        cardNo: ZHANG_CARD,
        payerName: '张三',
        amount: fen(50_000),
        key: 'in-1',
      });
      expect(repeat).toEqual(credited);
      await expect(
        events.incomingTransfer(h.ctx, {
          marketCode: 'B2B02',
          cardNo: ZHANG_CARD,
          payerName: '张三',
          amount: fen(1),
          key: 'in-1',
        }),
      ).rejects.toMatchObject({ code: 'IDEMPOTENCY_MISMATCH' });
      const { setSignedIn } = await import('../../src-service/markets/markets');
      await setSignedIn(h.ctx, 'B2B02', false);
      const parked = await events.incomingTransfer(h.ctx, {
        marketCode: 'B2B02',
        cardNo: ZHANG_CARD,
        payerName: '张三',
        amount: fen(30_000),
        key: 'in-2',
      });
      expect(parked).toMatchObject({ outcome: 'suspense', reason: 'notSignedIn' });
      const stranger = await events.incomingTransfer(h.ctx, {
        marketCode: 'B2B02',
        cardNo: '6217000000000014',
        payerName: '李四',
        amount: fen(7_000),
        key: 'in-3',
      });
      expect(stranger).toMatchObject({ outcome: 'suspense', reason: 'unboundCard' });
      await setSignedIn(h.ctx, 'B2B02', true);

      const records = await get(`/member/suspense?marketId=${markets.B2B02}`);
      expect(records).toHaveLength(1); // only the member's own
      expect(records[0]).toMatchObject({ amount: 30_000, reason: 'notSignedIn', status: 'open' });
      const theirs = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'recreditSuspense',
        { recordId: (stranger as any).suspenseId },
        { phone: ZHANG_PHONE },
      );
      expect(theirs.body.error.code).toBe('SUSPENSE_NOT_YOURS');
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      const recredit = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'recreditSuspense',
        { recordId: records[0].id },
        { phone: ZHANG_PHONE },
      );
      expect(recredit.status).toBe(200);
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      const twice = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'recreditSuspense',
        { recordId: records[0].id },
        { phone: ZHANG_PHONE },
      );
      expect(twice.body.error.code).toBe('SUSPENSE_ALREADY_RESOLVED');
      const account = (await get('/member-accounts'))[0];
      expect(account.balance).toBe(80_000);
      // the market allocates the stranger's money
      await events.allocateSuspense(h.ctx, {
        marketCode: 'B2B02',
        suspenseId: (stranger as any).suspenseId,
        memberCode: 'B22001',
        key: 'alloc-1',
      });
      expect((await get('/member-accounts', corp))[0].balance).toBe(7_000);
    });

    it('clearing with a fee, a freeze and a B2B trade held until the payer reviews it', async () => {
      await events.clearing(h.ctx, {
        marketCode: 'B2B02',
        payerCode: 'B22002',
        payeeCode: 'B22001',
        amount: fen(10_000),
        fee: fen(100),
        key: 'clr-1',
      });
      expect((await get('/member-accounts'))[0]).toMatchObject({ balance: 69_900 });
      await events.freeze(h.ctx, { marketCode: 'B2B02', memberCode: 'B22002', amount: fen(9_900), key: 'frz-1' });
      expect((await get('/member-accounts'))[0]).toMatchObject({ balance: 69_900, frozen: 9_900, available: 60_000 });
      const trade = await events.b2bTrade(h.ctx, {
        marketCode: 'B2B02',
        payerCode: 'B22002',
        payeeCode: 'B22001',
        amount: fen(40_000),
        fee: fen(200),
        description: '钢材 20 吨',
        key: 'trd-1',
      });
      expect((await get('/member-accounts'))[0]).toMatchObject({ available: 19_800, frozen: 50_100 });
      await expect(
        events.b2bTrade(h.ctx, {
          marketCode: 'B2B02',
          payerCode: 'B22002',
          payeeCode: 'B22001',
          amount: fen(40_000),
          fee: fen(0),
          description: 'too much',
          key: 'trd-2',
        }),
      ).rejects.toMatchObject({ code: 'INSUFFICIENT_FUNDS' });
      const pending = await get('/member/trades');
      expect(pending).toEqual([
        expect.objectContaining({
          id: trade.tradeId,
          amount: 40_000,
          fee: 200,
          status: 'pending',
          description: '钢材 20 吨',
        }),
      ]);
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      const review = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'approveTrade',
        { tradeId: trade.tradeId },
        { phone: ZHANG_PHONE },
      );
      expect(review.status).toBe(200);
      expect((await get('/member-accounts'))[0]).toMatchObject({ balance: 29_700, frozen: 9_900 });
      expect((await get('/member-accounts', corp))[0].balance).toBe(7_000 + 10_000 + 40_000);
      expect(await get('/member/trades?status=approved')).toEqual([
        expect.objectContaining({ id: trade.tradeId, status: 'approved' }),
      ]);
      // the corporate member is not the payer: the trade does not exist for them
      const notPayer = await memberOperation(h, corp, 'm.corp', 'approveTrade', { tradeId: trade.tradeId });
      expect(notPayer.body.error.code).toBe('TRADE_NOT_FOUND');
    });

    it('a trade not reviewed within 30 days expires and releases its hold; the date is limited to 30 days back', async () => {
      const trade = await events.b2bTrade(h.ctx, {
        marketCode: 'B2B02',
        payerCode: 'B22002',
        payeeCode: 'B22001',
        amount: fen(1_000),
        fee: fen(0),
        description: 'late',
        key: 'trd-3',
      });
      h.clock.advance(31 * 86_400_000);
      zhang = await h.signedIn('m.zhangsan');
      corp = await h.signedIn('m.corp');
      expect(await get('/member/trades')).toEqual([]);
      const row = await h.ctx.db
        .selectFrom('b2b_trades')
        .select('status')
        .where('id', '=', trade.tradeId)
        .executeTakeFirstOrThrow();
      expect(row.status).toBe('expired');
      // The market is told, through the outbox, in the payer's line of notices.
      const notice = await h.ctx.db
        .selectFrom('market_notices')
        .select(['member_code', 'payload'])
        .where('kind', '=', 'trade.expired')
        .executeTakeFirstOrThrow();
      expect(notice.member_code).toBe('B22002');
      expect(JSON.parse(notice.payload)).toMatchObject({ payerCode: 'B22002', amount: 1_000 });
      expect((await get('/member-accounts'))[0]).toMatchObject({ frozen: 9_900 });
      const tooOld = await h.request({
        method: 'GET',
        url: '/member/trades?date=2000-01-01',
        token: zhang,
        lang: 'en',
      });
      expect(tooOld.json().error.code).toBe('TRADE_DATE_RANGE');
    });

    it('refuses cancellation for each reason, moves the balance out, closes the account only when nothing remains', async () => {
      const account = (await get('/member-accounts'))[0];
      const refusal = async () =>
        (
          await memberOperation(
            h,
            zhang,
            'm.zhangsan',
            'cancelContract',
            { contractId: account.contractId },
            { phone: ZHANG_PHONE },
          )
        ).body.error?.code;
      expect(await refusal()).toBe('CANCEL_BALANCE_NOT_ZERO');
      await events.unfreeze(h.ctx, { marketCode: 'B2B02', freezeKey: 'frz-1', key: 'ufz-1' });
      // the closure page's list: what remains, as data the client words in its own language
      expect(await get('/member/closure-check')).toEqual({
        ok: false,
        remaining: [
          { kind: 'balance', market: expect.objectContaining({ code: 'B2B02' }), amount: 29_700 },
          {
            kind: 'contract',
            market: expect.objectContaining({ code: 'B2B02', nameEn: 'CloudProcure B2B Marketplace' }),
          },
        ],
      });
      const closeEarly = await memberOperation(h, zhang, 'm.zhangsan', 'closeAccount', {}, { phone: ZHANG_PHONE });
      expect(closeEarly.body.error.code).toBe('CLOSE_REFUSED');
      expect(closeEarly.body.error.message).toMatch(
        /balance ¥297\.00 at CloudProcure B2B Marketplace; contract with CloudProcure B2B Marketplace not cancelled/,
      );
      const noCard = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'transferOut',
        { contractId: account.contractId },
        { phone: ZHANG_PHONE },
      );
      expect(noCard.body.error.code).toBe('TRANSFER_OUT_CARD_MISSING');
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      expect(
        (
          await memberOperation(
            h,
            zhang,
            'm.zhangsan',
            'setTransferOutCard',
            { cardId: zhangCard },
            { phone: ZHANG_PHONE },
          )
        ).status,
      ).toBe(200);
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      const out = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'transferOut',
        { contractId: account.contractId },
        { phone: ZHANG_PHONE },
      );
      expect(out.body).toMatchObject({ amount: 29_700 });
      await events.memberState(h.ctx, { marketCode: 'B2B02', memberCode: 'B22002', openPositions: 2, key: 'st-1' });
      h.clock.advance(86_400_000);
      zhang = await h.signedIn('m.zhangsan');
      expect(await refusal()).toBe('CANCEL_UNFINISHED_TRADES');
      await events.memberState(h.ctx, {
        marketCode: 'B2B02',
        memberCode: 'B22002',
        openPositions: 0,
        disputeOpen: true,
        key: 'st-2',
      });
      h.clock.advance(61_000);
      expect(await refusal()).toBe('CANCEL_DISPUTE');
      await events.memberState(h.ctx, {
        marketCode: 'B2B02',
        memberCode: 'B22002',
        disputeEvidence: true,
        key: 'st-3',
      });
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      const cancel = await memberOperation(
        h,
        zhang,
        'm.zhangsan',
        'cancelContract',
        { contractId: account.contractId },
        { phone: ZHANG_PHONE },
      );
      expect(cancel.status).toBe(200);
      h.clock.advance(61_000);
      zhang = await h.signedIn('m.zhangsan');
      const closed = await memberOperation(h, zhang, 'm.zhangsan', 'closeAccount', {}, { phone: ZHANG_PHONE });
      expect(closed.body).toMatchObject({ closed: true });
      // closing ends the member's sessions and the login with them
      const after = await h.request({ method: 'GET', url: '/member-accounts', token: zhang });
      expect(after.statusCode).toBe(401);
      const relogin = await h.request({
        method: 'POST',
        url: '/auth/login',
        body: { loginName: 'm.zhangsan', password: 'Ready2026go', ...(await h.captcha()) },
      });
      expect(relogin.json().error.code).toBe('AUTH_USER_DISABLED');
    });

    it('menu changes: dual-admin waits for the other administrator; single-admin takes effect at once; revoked at once', async () => {
      const admin1 = await h.signedIn('demo.admin1');
      const admin2 = await h.signedIn('demo.admin2');
      const operator = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'demo.operator')
        .executeTakeFirstOrThrow();
      const perms = [
        'ebank.settle.contract',
        'ebank.settle.deposit',
        'ebank.settle.memberQuery',
        'ebank.settle.withdraw',
        'ebank.query.txnDetail',
      ];
      const change = await submitInstruction(h, admin1, 'demo.admin1', {
        kind: 'menu',
        targetUserId: operator.id,
        permissions: perms,
      });
      expect(change.body).toMatchObject({ kind: 'menu', state: 'pending' });
      expect(change.preview.needsReview).toBe(true);
      const selfReview = await decide(h, admin1, 'demo.admin1', change.body.id, 'approve');
      expect(selfReview.body.error.code).toBe('MAKER_CANNOT_CHECK');
      const rejected = await decide(
        h,
        admin2,
        'demo.admin2',
        change.body.id,
        'reject',
        'withdraw is for the reviewer only',
      );
      expect(rejected.body.state).toBe('rejected');
      const again = await submitInstruction(h, admin1, 'demo.admin1', {
        kind: 'menu',
        targetUserId: operator.id,
        permissions: perms,
      });
      expect((await decide(h, admin2, 'demo.admin2', again.body.id, 'approve')).body.state).toBe('executed');
      const rows = await h.ctx.db
        .selectFrom('user_permissions')
        .select('code')
        .where('user_id', '=', operator.id)
        .execute();
      expect(rows.map((r) => r.code).sort()).toEqual(perms.sort());
      // an operator cannot grant menus, an admin cannot be given operator menus
      const byOperator = await submitInstruction(h, await h.signedIn('demo.operator'), 'demo.operator', {
        kind: 'menu',
        targetUserId: operator.id,
        permissions: [],
      });
      expect(byOperator.status).toBe(403);

      const tradeAdmin = await h.signedIn('trade.admin');
      const tradeOperator = await h.ctx.db
        .selectFrom('users')
        .select('id')
        .where('login_name', '=', 'trade.operator')
        .executeTakeFirstOrThrow();
      const opToken = await h.signedIn('trade.operator');
      const single = await submitInstruction(h, tradeAdmin, 'trade.admin', {
        kind: 'menu',
        targetUserId: tradeOperator.id,
        permissions: ['ebank.query.txnDetail'],
      });
      expect(single.preview.needsReview).toBe(false);
      expect(single.body).toMatchObject({ state: 'executed', checker: null });
      // revoked at once: the live session of the operator loses deposit at its next request
      const denied = await h.request({ method: 'GET', url: '/member-accounts', token: opToken });
      expect(denied.statusCode).toBe(403);
    });

    it("every movement of a member's account is in its list, and each row's balance after chains to the account's balance", async () => {
      const seen = new Set<string>();
      const from = new Date(Date.parse(h.clock.today()) - 365 * 86_400_000).toISOString().slice(0, 10);
      // Every contract the tests above moved money on (some members have closed since, so
      // their sessions are gone): the statement their lists are read from, every category.
      const contracts = await h.ctx.db
        .selectFrom('contracts')
        .innerJoin('accounts', 'accounts.id', 'contracts.detail_account_id')
        .select(['contracts.member_code', 'contracts.detail_account_id', 'accounts.balance'])
        .execute();
      expect(contracts.length).toBeGreaterThan(2);
      for (const contract of contracts) {
        const rows: Transaction[] = [];
        for (let page = 1; ; page++) {
          const reply = await statement(h.ctx.db, [contract.detail_account_id], {
            ...resolveRange(h.ctx, { period: 'history', from, to: h.clock.today() }),
            kinds: categoryKinds('all'),
            page,
            pageSize: 200,
          });
          rows.push(...reply.items);
          if (rows.length >= reply.total) break;
        }
        const where = contract.member_code;
        expect(rows[0]?.balanceAfter ?? 0, `${where}: the newest row is the balance`).toBe(Number(contract.balance));
        rows.forEach((row, i) => {
          seen.add(row.kind);
          const before = row.balanceAfter! - (row.direction === 'in' ? row.amount : -row.amount);
          expect(before, `${where}: row ${i} (${row.kind}) follows the row before it`).toBe(
            rows[i + 1]?.balanceAfter ?? 0,
          );
        });
      }
      // The kinds of movement the tests above made, each of which must be listed.
      for (const kind of ['incomingTransfer', 'recredit', 'clearing', 'trade', 'transferOut'])
        expect([...seen], kind).toContain(kind);
    });

    it('reconciliation ties to the ledger for every market, and verify-audit passes — and catches tampering', async () => {
      for (const code of ['EXCH01', 'B2B02', 'AGRI03']) {
        for (const day of [
          ...new Set(
            (await h.ctx.db.selectFrom('journal_entries').select('business_date').execute()).map(
              (r) => r.business_date,
            ),
          ),
        ]) {
          const file = await reconciliation(h.ctx, code, day);
          expect(file.ties, `${code} ${day}`).toBe(true);
        }
      }
      const b2b = await reconciliation(h.ctx, 'B2B02', h.clock.today());
      expect(b2b.totals.summary).toBe(b2b.ledgerSummary);
      const report = await verifyAudit(h.ctx.db);
      expect(report.breaks).toEqual([]);
      expect(report.auditRecords).toBeGreaterThan(20);

      // A line of an account that keeps a balance (a contra account's figure is its lines alone).
      const line = await h.ctx.db
        .selectFrom('journal_lines')
        .innerJoin('accounts', 'accounts.id', 'journal_lines.account_id')
        .select(['journal_lines.id', 'journal_lines.credit'])
        .where('journal_lines.credit', '>', 0)
        .where('accounts.allow_negative', '=', 0)
        .orderBy('journal_lines.id', 'desc')
        .executeTakeFirstOrThrow();
      await h.ctx.db
        .updateTable('journal_lines')
        .set({ credit: Number(line.credit) + 1 } as never)
        .where('id', '=', line.id)
        .execute();
      const audit = await h.ctx.db
        .selectFrom('audit_log')
        .select(['id', 'details'])
        .orderBy('id')
        .executeTakeFirstOrThrow();
      await h.ctx.db
        .updateTable('audit_log')
        .set({ details: audit.details.replace('}', ',"x":1}') })
        .where('id', '=', audit.id)
        .execute();
      const broken = await verifyAudit(h.ctx.db);
      expect(broken.breaks.join('\n')).toMatch(/not balanced/);
      expect(broken.breaks.join('\n')).toMatch(/its lines sum to/);
      expect(broken.breaks.join('\n')).toMatch(/audit record 1: its hash does not match/);
    });
  });
}

describe('the bank back office over HTTP', () => {
  it('is closed without the bank key, and with it answers reconciliation and the custody account', async () => {
    const { sqlite } = await import('../support/databases');
    const h = await startHarness(sqlite, { bankKey: 'test-bank-key-0123456789' });
    try {
      const noKey = await h.request({ method: 'GET', url: '/bank/markets/EXCH01/custody' });
      expect(noKey.statusCode).toBe(403);
      const wrongKey = await h.request({
        method: 'GET',
        url: '/bank/markets/EXCH01/custody',
        headers: { 'x-bank-key': 'x'.repeat(24) },
      });
      expect(wrongKey.statusCode).toBe(403);
      const headers = { 'x-bank-key': 'test-bank-key-0123456789' };
      // The bank key opens only the bank's own routes: a market signs in through the market API.
      const signIn = await h.request({
        method: 'POST',
        url: '/market-api/v1/markets/AGRI03/sign-in',
        headers,
        body: {},
      });
      expect(signIn.statusCode).toBe(401);
      const custody = (await h.request({ method: 'GET', url: '/bank/markets/EXCH01/custody', headers })).json();
      // a control total travels as a decimal string of fen: it may pass 2^53
      expect(custody).toMatchObject({ market: { code: 'EXCH01' }, ties: true, summaryBalance: '0' });
      expect(custody.subAccounts.map((a: any) => a.kind)).toEqual(['suspense', 'fee']);
      const file = (await h.request({ method: 'GET', url: '/bank/markets/EXCH01/reconciliation', headers })).json();
      expect(file).toMatchObject({ ties: true, deposits: [], withdrawals: [] });
    } finally {
      await h.close();
    }
  });
});
