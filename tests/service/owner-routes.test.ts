// The owner-resolved routes (src-shared/routes/accounts.ts): a corporate e-banking
// user and a member-system user call the same routes, and each reads only its own
// owner's markets, member accounts and transactions. Another owner's contract does
// not exist for them; each kind of user keeps the permissions it needed before.
import { beforeAll, describe, expect, it } from 'vitest';
import { statusOf } from '../../src-service/http/errors';
import * as events from '../../src-service/markets/events';
import { ownContract } from '../../src-service/markets/contracts';
import { memberPermissions } from '../../src-shared/menu';
import type { Fen } from '../../src-shared/money';
import { accountRoutes } from '../../src-shared/routes/accounts';
import type { RouteSpec } from '../../src-shared/routes/define';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { ZHANG, zhangSignsB2b } from '../support/members';
import { harnessFor } from '../support/service-harness';

const fen = (n: number) => n as Fen;

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`owner-resolved account routes on ${kind.name}`, () => {
    const h = harnessFor(kind);
    let operator: string; // 演示科技's operator: ebank.settle.contract + memberQuery + txnDetail
    let zhang: string; // an individual member
    let corp: string; // a corporate member without a contract
    let enterpriseContract: number;
    let memberContract: number;

    beforeAll(async () => {
      operator = await h.signedIn('demo.operator');
      zhang = await h.signedIn('m.zhangsan');
      corp = await h.signedIn('m.corp');
      const signed = await zhangSignsB2b(h, zhang);
      expect(signed.status, JSON.stringify(signed.body)).toBe(200);
      memberContract = signed.body.contractId;
      enterpriseContract = (await get('/member-accounts', operator))[0].contractId;
      // money on both sides: the member's card pays in, then the member pays the enterprise on 云采 B2B
      const credited = await events.incomingTransfer(h.ctx, {
        marketCode: 'B2B02',
        cardNo: ZHANG.cardNo,
        payerName: '张三',
        amount: fen(50_000),
        key: 'owner-in-1',
      });
      expect(credited.outcome).toBe('credited');
      await events.clearing(h.ctx, {
        marketCode: 'B2B02',
        payerCode: 'B22002',
        payeeCode: 'B21001',
        amount: fen(10_000),
        fee: fen(100),
        key: 'owner-clr-1',
      });
    });

    const request = (url: string, token: string) => h.request({ method: 'GET', url, token, lang: 'en' });
    const get = async (url: string, token: string) => {
      const res = await request(url, token);
      expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
      return res.json();
    };
    const txns = (contract: number, token: string) =>
      get(`/member-accounts/${contract}/transactions?period=today&category=all`, token);

    it('the same routes give each owner its own markets and member accounts', async () => {
      const mine = await get('/member-accounts', operator);
      expect(mine.map((a: any) => [a.contractId, a.memberCode])).toEqual([[enterpriseContract, 'B21001']]);
      expect(mine[0].balance).toBe(10_000);
      const his = await get('/member-accounts', zhang);
      expect(his.map((a: any) => [a.contractId, a.memberCode])).toEqual([[memberContract, 'B22002']]);
      expect(his[0].balance).toBe(50_000 - 10_000 - 100);
      expect(await get('/member-accounts?status=all', corp)).toEqual([]);

      expect((await get(`/member-accounts/${enterpriseContract}`, operator)).memberCode).toBe('B21001');
      expect((await get(`/member-accounts/${memberContract}`, zhang)).memberCode).toBe('B22002');

      const contractOn = (markets: any[]) =>
        Object.fromEntries(markets.filter((m) => m.contract).map((m) => [m.code, m.contract.memberCode]));
      expect(contractOn(await get('/markets/mine', operator))).toEqual({ B2B02: 'B21001' });
      expect(contractOn(await get('/markets/mine', zhang))).toEqual({ B2B02: 'B22002' });
      expect(contractOn(await get('/markets/mine', corp))).toEqual({});
      for (const token of [operator, zhang, corp]) {
        expect((await get('/markets/mine', token)).every((m: any) => m.signPending === false)).toBe(true);
      }
    });

    it('each owner reads only its own transactions', async () => {
      const ours = await txns(enterpriseContract, operator);
      expect(ours.items.map((t: any) => [t.kind, t.direction, t.amount])).toEqual([['clearing', 'in', 10_000]]);
      const his = await txns(memberContract, zhang);
      expect(his.items.map((t: any) => t.direction).sort()).toEqual(['in', 'out']);
      expect(his.items.find((t: any) => t.direction === 'out')).toMatchObject({ kind: 'clearing', amount: 10_100 });

      const ourEntry = ours.items[0].entryId;
      const hisEntry = his.items.find((t: any) => t.direction === 'in').entryId;
      expect(await get(`/member-accounts/${enterpriseContract}/transactions/${ourEntry}`, operator)).toMatchObject({
        entryId: ourEntry,
        direction: 'in',
      });
      expect(await get(`/member-accounts/${memberContract}/transactions/${hisEntry}`, zhang)).toMatchObject({
        entryId: hisEntry,
        direction: 'in',
      });
      // an entry that never touched the owner's account is not found under it
      const foreignEntry = await request(`/member-accounts/${enterpriseContract}/transactions/${hisEntry}`, operator);
      expect(foreignEntry.statusCode).toBe(404);
      expect(foreignEntry.json().error.code).toBe('NOT_FOUND');
    });

    it('交易明细查询 lists one settlement account at a time: the first unless another is chosen, never another enterprise’s', async () => {
      const accounts: { id: number; number: string; balance: number }[] = await get('/ebank/accounts', operator);
      expect(accounts.length).toBe(2);
      const history = `/ebank/transactions?period=history&from=${new Date(Date.parse(h.clock.today()) - 365 * 86_400_000).toISOString().slice(0, 10)}&to=${h.clock.today()}&pageSize=200`;
      const listed = [
        await get(history, operator),
        ...(await Promise.all(accounts.map((a) => get(`${history}&accountId=${a.id}`, operator)))),
      ];
      // Left out, the account is the first; each list holds its own account's rows alone,
      // and its newest row's balance after is that account's balance.
      expect(listed[0]).toEqual(listed[1]);
      accounts.forEach((account, i) => {
        const rows = listed[i + 1].items;
        expect(rows.length, account.number).toBeGreaterThan(0);
        expect(new Set(rows.map((r: any) => r.account.number))).toEqual(new Set([account.number]));
        expect(rows[0].balanceAfter).toBe(account.balance);
      });
      const foreign = await h.ctx.db
        .selectFrom('accounts')
        .select('id')
        .where('number', '=', '11014550000037')
        .executeTakeFirstOrThrow();
      const refused = await request(`${history}&accountId=${foreign.id}`, operator);
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error).toMatchObject({
        code: 'ACCOUNT_NOT_YOURS',
        message: 'Your enterprise has no such settlement account with us',
      });
    });

    it('a history range the manual does not allow is refused, and the refusal says which rule and which dates', async () => {
      const today = h.clock.today();
      const day = (n: number) => new Date(Date.parse(today) + n * 86_400_000).toISOString().slice(0, 10);
      const refused = async (from: string, to: string) =>
        (await request(`/ebank/transactions?period=history&from=${from}&to=${to}`, operator)).json().error;
      expect(await refused(day(-3), day(-5))).toMatchObject({
        code: 'DATE_RANGE_REVERSED',
        message: `The start date ${day(-3)} is after the end date ${day(-5)}`,
      });
      expect(await refused(day(-3), day(1))).toMatchObject({
        code: 'DATE_RANGE_FUTURE',
        message: `The end date ${day(1)} is after today (${today})`,
      });
      expect(await refused(day(-400), day(-1))).toMatchObject({
        code: 'DATE_RANGE_TOO_LONG',
        message: `A query spans at most one year: ${day(-400)} to ${day(-1)}`,
      });
      // the same rules on the member accounts' list
      const member = await request(
        `/member-accounts/${enterpriseContract}/transactions?period=history&from=${day(-400)}&to=${today}`,
        operator,
      );
      expect(member.json().error.code).toBe('DATE_RANGE_TOO_LONG');
      // a year exactly is allowed
      expect(
        (await request(`/ebank/transactions?period=history&from=${day(-365)}&to=${today}`, operator)).statusCode,
      ).toBe(200);
    });

    it('another owner’s contract does not exist for the caller, on every route', async () => {
      // what ownContract says of another owner's contract is what every route says
      await expect(ownContract(h.ctx.db, memberContract, { enterpriseId: 1 }, false)).rejects.toMatchObject({
        code: 'CONTRACT_NOT_FOUND',
      });
      const hisEntry = (await txns(memberContract, zhang)).items[0].entryId;
      const ourEntry = (await txns(enterpriseContract, operator)).items[0].entryId;
      const asked: [string, string][] = [
        [`/member-accounts/${memberContract}`, operator],
        [`/member-accounts/${memberContract}/cancel-check`, operator],
        [`/member-accounts/${memberContract}/transactions?period=today&category=all`, operator],
        [`/member-accounts/${memberContract}/transactions/${hisEntry}`, operator],
        [`/member-accounts/${enterpriseContract}`, zhang],
        [`/member-accounts/${enterpriseContract}/cancel-check`, zhang],
        [`/member-accounts/${enterpriseContract}/transactions?period=today&category=all`, zhang],
        [`/member-accounts/${enterpriseContract}/transactions/${ourEntry}`, zhang],
        [`/member-accounts/${memberContract}`, corp],
      ];
      for (const [url, token] of asked) {
        const res = await request(url, token);
        expect(res.statusCode, url).toBe(statusOf('CONTRACT_NOT_FOUND'));
        expect(res.json().error, url).toMatchObject({ code: 'CONTRACT_NOT_FOUND', message: 'No such contract' });
      }
    });

    it('the cancel check answers both kinds of owner in one shape', async () => {
      const ours = await get(`/member-accounts/${enterpriseContract}/cancel-check`, operator);
      const his = await get(`/member-accounts/${memberContract}/cancel-check`, zhang);
      for (const check of [ours, his]) {
        expect(check.ok).toBe(false);
        expect(check.refusals[0]).toMatchObject({
          code: 'CANCEL_BALANCE_NOT_ZERO',
          message: expect.stringContaining(check === ours ? '100.00' : '399.00'),
          params: expect.any(Object),
        });
      }
    });

    it('an enterprise user without the permission is refused; the table lists each kind’s permission', async () => {
      const admin = await h.signedIn('demo.admin1'); // ebank.admin.* only
      for (const url of [
        '/member-accounts',
        `/member-accounts/${enterpriseContract}`,
        `/member-accounts/${enterpriseContract}/cancel-check`,
        `/member-accounts/${enterpriseContract}/transactions`,
        `/member-accounts/${enterpriseContract}/transactions/1`,
      ]) {
        const res = await request(url, admin);
        expect(res.statusCode, url).toBe(403);
        expect(res.json().error.code, url).toBe('FORBIDDEN');
      }
      // the markets need no permission, as before
      expect((await get('/markets/mine', admin)).find((m: any) => m.code === 'B2B02').contract).toMatchObject({
        memberCode: 'B21001',
      });
      // a reviewer reads member accounts but does not cancel contracts
      const reviewer = await h.signedIn('demo.reviewer');
      await get(`/member-accounts/${enterpriseContract}`, reviewer);
      expect((await request(`/member-accounts/${enterpriseContract}/cancel-check`, reviewer)).statusCode).toBe(403);
      expect(accountRoutes['accounts.list'].perm).toEqual(['ebank.settle.memberQuery', 'member.ledger']);
    });

    it('every member user holds the member permissions the routes list, so none lost a route', async () => {
      const memberPerms = new Set(
        (Object.values(accountRoutes) as RouteSpec[]).flatMap((r) =>
          (r.perm === undefined ? [] : [r.perm].flat()).filter((p) => p.startsWith('member.')),
        ),
      );
      expect([...memberPerms].sort()).toEqual(['member.contract', 'member.ledger']);
      // each route with a permission lists a member one (before, the member's routes had none)
      for (const [key, spec] of Object.entries(accountRoutes) as [string, RouteSpec][]) {
        if (spec.perm)
          expect(
            [spec.perm].flat().some((p) => p.startsWith('member.')),
            key,
          ).toBe(true);
      }
      for (const type of ['corporate', 'individual'] as const) {
        for (const p of memberPerms) expect(memberPermissions(type)).toContain(p);
      }
      // and what the database holds for every member user now, demo or registered
      const users = await h.ctx.db.selectFrom('users').select('id').where('member_id', 'is not', null).execute();
      expect(users.length).toBeGreaterThanOrEqual(2);
      for (const u of users) {
        const held = (
          await h.ctx.db.selectFrom('user_permissions').select('code').where('user_id', '=', u.id).execute()
        ).map((r) => r.code);
        for (const p of memberPerms) expect(held).toContain(p);
      }
      for (const token of [zhang, corp]) {
        await get('/member-accounts', token);
        await get('/markets/mine', token);
      }
      await get(`/member-accounts/${memberContract}/transactions`, zhang);
    });
  });
}
