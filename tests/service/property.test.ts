// Property-based: random sequences of sign, deposit, withdraw, approve, reject,
// expire, incoming transfer, clearing with fees, freeze, B2B trade, cancel,
// suspense and re-credit, run through the service's own domain functions. After
// every step: every entry balanced and every balance the sum of its lines (no
// customer account below zero or below its holds), every executed instruction
// posted exactly once and no other, every market's reconciliation tied to the
// ledger. Each sequence runs in one transaction that is rolled back.
// Amounts include the extremes: 0.01, the maximum single amount, amounts and
// fees just past it and at 2^53−1 (refused by rule), and floods of maximum
// transfers that take a balance to its 2^53−1 bound and a control total past
// it — refused, if at all, as a business rule (AppError), never as a crash.
import fc from 'fast-check';
import type { Transaction } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { permissionsOf } from '../../src-service/auth/users';
import type { ServiceContext } from '../../src-service/context';
import {
  decideInstruction,
  decisionChallenge,
  expireStale,
  previewInstruction,
  submitInstruction,
} from '../../src-service/instructions/service';
import { verifyLedger } from '../../src-service/ledger/verify';
import { atomically } from '../../src-service/store/tx';
import { closeContract, openContract } from '../../src-service/markets/contracts';
import * as events from '../../src-service/markets/events';
import { setSignedIn } from '../../src-service/markets/markets';
import { reconciliation } from '../../src-service/markets/reconciliation';
import { creditFromSuspense } from '../../src-service/markets/suspense';
import { approveTrade } from '../../src-service/markets/trades';
import type { Database } from '../../src-service/store/schema';
import { AppError } from '../../src-shared/errors';
import { verifyAudit } from '../../src-service/audit/verify';
import { MAX_BALANCE, MAX_FEN, type Fen } from '../../src-shared/money';
import { checkAvailable, DATABASE_KINDS } from '../support/databases';
import { payloadOf } from '../support/instructions';
import { harnessFor } from '../support/service-harness';
import { issueSoftKey, signEnvelope, type SoftKey } from '../support/soft-certificates';

const RUNS = Number(process.env.SETTLEKEY_PROPERTY_RUNS ?? 1000);
const MARKETS = ['EXCH01', 'B2B02'];
const ROLLBACK = new Error('rollback');

type Command =
  | { t: 'sign'; market: number }
  | { t: 'deposit'; contract: number; amount: number }
  | { t: 'withdraw'; contract: number; amount: number }
  | { t: 'decide'; pending: number; approve: boolean }
  | { t: 'nextDay' }
  | { t: 'memberSign'; member: number; market: number }
  | { t: 'incoming'; market: number; bound: boolean; amount: number; signedOut: boolean }
  | { t: 'marketMoney'; contract: number; deposit: boolean; amount: number }
  | { t: 'clearing'; payer: number; payee: number; amount: number; fee: number }
  | { t: 'freeze'; contract: number; amount: number }
  | { t: 'unfreeze'; freeze: number }
  | { t: 'trade'; payer: number; payee: number; amount: number; fee: number }
  | { t: 'approveTrade'; trade: number }
  | { t: 'recredit'; record: number }
  | { t: 'cancel'; contract: number }
  | { t: 'flood'; market: number; bound: boolean; times: number };

const MAX = Number(MAX_FEN);
const SAFE = Number(MAX_BALANCE);
// mostly everyday amounts; the extremes often enough to meet each other
const amount = fc.oneof(
  { arbitrary: fc.integer({ min: 1, max: 2_000_000 }), weight: 12 },
  { arbitrary: fc.constantFrom(1, MAX, MAX - 1), weight: 3 },
  { arbitrary: fc.constantFrom(MAX + 1, SAFE), weight: 1 },
);
const fee = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 500 }), weight: 6 },
  { arbitrary: fc.constantFrom(1, MAX), weight: 2 },
  { arbitrary: fc.constantFrom(MAX + 1, SAFE), weight: 1 },
);
const idx = fc.nat({ max: 7 });
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ t: fc.constant('sign' as const), market: fc.nat({ max: 1 }) }),
  fc.record({ t: fc.constant('deposit' as const), contract: idx, amount }),
  fc.record({ t: fc.constant('withdraw' as const), contract: idx, amount }),
  fc.record({ t: fc.constant('decide' as const), pending: idx, approve: fc.boolean() }),
  fc.record({ t: fc.constant('decide' as const), pending: idx, approve: fc.constant(true) }),
  fc.record({ t: fc.constant('nextDay' as const) }),
  fc.record({ t: fc.constant('memberSign' as const), member: fc.nat({ max: 1 }), market: fc.nat({ max: 1 }) }),
  fc.record({
    t: fc.constant('incoming' as const),
    market: fc.nat({ max: 1 }),
    bound: fc.boolean(),
    amount,
    signedOut: fc.boolean(),
  }),
  fc.record({ t: fc.constant('marketMoney' as const), contract: idx, deposit: fc.boolean(), amount }),
  fc.record({
    t: fc.constant('clearing' as const),
    payer: idx,
    payee: idx,
    amount,
    fee,
  }),
  // small freezes too: most sub-accounts hold little, and a freeze that always fails proves nothing
  fc.record({
    t: fc.constant('freeze' as const),
    contract: idx,
    amount: fc.oneof(fc.integer({ min: 1, max: 100 }), amount),
  }),
  fc.record({ t: fc.constant('unfreeze' as const), freeze: idx }),
  fc.record({
    t: fc.constant('trade' as const),
    payer: idx,
    payee: idx,
    amount,
    fee,
  }),
  fc.record({ t: fc.constant('approveTrade' as const), trade: idx }),
  fc.record({ t: fc.constant('recredit' as const), record: idx }),
  fc.record({ t: fc.constant('cancel' as const), contract: idx }),
  // the maximum many times over: the 91st on one account passes 2^53−1, and
  // four more to another account of the market take its control total past it
  fc.record({
    t: fc.constant('flood' as const),
    market: fc.nat({ max: 1 }),
    bound: fc.boolean(),
    times: fc.oneof(
      { arbitrary: fc.constant(95), weight: 1 },
      { arbitrary: fc.integer({ min: 1, max: 5 }), weight: 19 },
    ),
  }),
);

const pick = <T>(list: T[], i: number): T | undefined => (list.length ? list[i % list.length] : undefined);

for (const kind of DATABASE_KINDS) {
  const run = await checkAvailable(kind);
  describe.skipIf(!run)(`ledger properties on ${kind.name}`, () => {
    const h = harnessFor(kind);
    const keys = new Map<string, SoftKey>();

    beforeAll(async () => {
      // EC keys sign fastest; certificates activated as a sign-off would.
      for (const login of ['trade.operator', 'trade.reviewer'])
        keys.set(login, await issueSoftKey(h.ctx, login, { keyType: 'ec' }));
      await h.ctx.db.updateTable('certificates').set({ status: 'activated' }).execute();
    });

    it(`keeps the ledger right over ${RUNS} random sequences`, async () => {
      // How often each command got through: a property whose steps are all refused proves nothing.
      const succeeded = new Map<string, number>();
      const user = async (db: Transaction<Database>, login: string) => {
        const u = await db.selectFrom('users').selectAll().where('login_name', '=', login).executeTakeFirstOrThrow();
        return { user: u, permissions: await permissionsOf(db, u.id) };
      };

      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 3, maxLength: 12 }), async (commands) => {
          await h.ctx.db
            .transaction()
            .execute(async (trx) => {
              const ctx: ServiceContext = { ...h.ctx, db: trx };
              for (const code of MARKETS) await setSignedIn(ctx, code, true);
              const maker = await user(trx, 'trade.operator');
              const checker = await user(trx, 'trade.reviewer');
              const account = (
                await trx
                  .selectFrom('accounts')
                  .select('id')
                  .where('number', '=', '11014550000037')
                  .executeTakeFirstOrThrow()
              ).id;
              const marketIds = await Promise.all(
                MARKETS.map(
                  async (c) =>
                    (await trx.selectFrom('markets').select('id').where('code', '=', c).executeTakeFirstOrThrow()).id,
                ),
              );
              const members = await trx.selectFrom('members').selectAll().orderBy('id').execute();
              const cards = await trx.selectFrom('cards').selectAll().orderBy('id').execute();
              const pending: number[] = [];
              const freezes: string[] = [];
              const trades: number[] = [];
              const records: number[] = [];
              let n = 0;

              const sign = async (
                kindName: string,
                fields: Record<string, string | number>,
                challenge: string,
                login: string,
              ) => signEnvelope(keys.get(login)!, payloadOf(kindName, fields, challenge, ctx.clock.nowIso()));
              const submit = async (draft: any) => {
                const p = await previewInstruction(ctx, maker, draft, 'en');
                const row = await submitInstruction(ctx, maker, {
                  draft,
                  idempotencyKey: p.serial,
                  signature: await sign(draft.kind, p.fields, p.challenge, 'trade.operator'),
                });
                if (row.state === 'pending') pending.push(row.id);
              };
              const contracts = async () =>
                trx.selectFrom('contracts').selectAll().where('status', '=', 'active').orderBy('id').execute();

              for (const c of commands) {
                n += 1;
                try {
                  const live = await contracts();
                  // the trade enterprise's own (the demo's seeded contract belongs to another enterprise)
                  const corporate = live.filter((x) => x.enterprise_id === maker.user.enterprise_id);
                  // Under a savepoint, as every route runs its work: a step refused halfway (a
                  // domain function called here directly) undoes its own writes and nothing else.
                  await atomically(trx, async () => {
                    switch (c.t) {
                      case 'sign': {
                        const code = MARKETS[c.market] === 'EXCH01' ? 'EX1002' : 'B21002';
                        await submit({
                          kind: 'sign',
                          marketId: marketIds[c.market],
                          memberCode: code,
                          boundAccountId: account,
                        });
                        break;
                      }
                      case 'deposit':
                      case 'withdraw': {
                        const target = pick(corporate, c.contract);
                        if (target) await submit({ kind: c.t, contractId: target.id, amount: c.amount });
                        break;
                      }
                      case 'decide': {
                        const id = pick(pending, c.pending);
                        if (!id) break;
                        const decision = c.approve ? 'approve' : 'reject';
                        const ch = await decisionChallenge(ctx, checker, id, {
                          decision,
                          reason: c.approve ? undefined : 'no',
                        });
                        await decideInstruction(ctx, checker, id, {
                          decision,
                          reason: c.approve ? undefined : 'no',
                          signature: await sign('decision', ch.fields, ch.challenge, 'trade.reviewer'),
                        });
                        break;
                      }
                      case 'nextDay': {
                        h.clock.advance(86_400_000);
                        await expireStale(ctx);
                        for (const code of MARKETS) await setSignedIn(ctx, code, true);
                        break;
                      }
                      case 'memberSign': {
                        const member = members[c.member];
                        const code = `${MARKETS[c.market] === 'EXCH01' ? 'EX' : 'B2'}${member.member_type === 'corporate' ? '2001' : '2002'}`;
                        const card = cards.find((x) => x.member_id === member.id)!;
                        await openContract(trx, ctx, {
                          marketId: marketIds[c.market],
                          memberCode: code,
                          owner: { memberId: member.id },
                          boundCardId: card.id,
                        });
                        break;
                      }
                      case 'incoming': {
                        const code = MARKETS[c.market];
                        if (c.signedOut) await setSignedIn(ctx, code, false);
                        const result = await events.incomingTransfer(ctx, {
                          marketCode: code,
                          cardNo: c.bound ? cards[0].card_no : '6217000000000014',
                          payerName: 'x',
                          amount: c.amount as Fen,
                          key: `in-${n}-${Math.random()}`,
                        });
                        if (result.outcome === 'suspense') records.push(result.suspenseId);
                        if (c.signedOut) await setSignedIn(ctx, code, true);
                        break;
                      }
                      case 'marketMoney': {
                        const target = pick(live, c.contract);
                        if (!target) break;
                        const market = MARKETS[marketIds.indexOf(target.market_id)];
                        await events.marketMoney(ctx, {
                          direction: c.deposit ? 'deposit' : 'withdraw',
                          marketCode: market,
                          memberCode: target.member_code,
                          amount: c.amount as Fen,
                          key: `mm-${n}-${Math.random()}`,
                        });
                        break;
                      }
                      case 'clearing':
                      case 'trade': {
                        const payer = pick(live, c.payer);
                        const payee = pick(
                          live.filter((x) => x.market_id === payer?.market_id && x.id !== payer?.id),
                          c.payee,
                        );
                        if (!payer || !payee) break;
                        const market = MARKETS[marketIds.indexOf(payer.market_id)];
                        const args = {
                          marketCode: market,
                          payerCode: payer.member_code,
                          payeeCode: payee.member_code,
                          amount: c.amount as Fen,
                          fee: c.fee as Fen,
                          key: `${c.t}-${n}-${Math.random()}`,
                        };
                        if (c.t === 'clearing') await events.clearing(ctx, args);
                        else trades.push((await events.b2bTrade(ctx, { ...args, description: 'p' })).tradeId);
                        break;
                      }
                      case 'freeze': {
                        const target = pick(live, c.contract);
                        if (!target) break;
                        const key = `fz-${n}-${Math.random()}`;
                        await events.freeze(ctx, {
                          marketCode: MARKETS[marketIds.indexOf(target.market_id)],
                          memberCode: target.member_code,
                          amount: c.amount as Fen,
                          key,
                        });
                        freezes.push(`${MARKETS[marketIds.indexOf(target.market_id)]}|${key}`);
                        break;
                      }
                      case 'unfreeze': {
                        const f = pick(freezes, c.freeze);
                        if (!f) break;
                        const [code, key] = f.split('|');
                        await events.unfreeze(ctx, {
                          marketCode: code,
                          freezeKey: key,
                          key: `uf-${n}-${Math.random()}`,
                        });
                        break;
                      }
                      case 'approveTrade': {
                        const id = pick(trades, c.trade);
                        if (id)
                          await approveTrade(trx, ctx, id, await ctx.serials.next(trx, ctx.clock.today()), 'test');
                        break;
                      }
                      case 'recredit': {
                        const id = pick(records, c.record);
                        if (!id) break;
                        const record = await trx
                          .selectFrom('suspense_records')
                          .selectAll()
                          .where('id', '=', id)
                          .executeTakeFirstOrThrow();
                        const target = live.find(
                          (x) =>
                            x.market_id === record.market_id &&
                            (record.member_id === null || x.member_id === record.member_id),
                        );
                        if (target)
                          await creditFromSuspense(trx, ctx, {
                            recordId: id,
                            contract: target,
                            how: record.member_id ? 'recredited' : 'allocated',
                            serial: await ctx.serials.next(trx, ctx.clock.today()),
                            actor: 'test',
                          });
                        break;
                      }
                      case 'flood': {
                        // each transfer stands alone: the one that would pass the bound is refused, the others are not
                        let through = 0;
                        for (let i = 0; i < c.times; i++) {
                          try {
                            const result = await events.incomingTransfer(ctx, {
                              marketCode: MARKETS[c.market],
                              cardNo: c.bound === i < 91 ? cards[0].card_no : '6217000000000014',
                              payerName: 'x',
                              amount: MAX as Fen,
                              key: `fl-${n}-${i}-${Math.random()}`,
                            });
                            if (result.outcome === 'suspense') records.push(result.suspenseId);
                            through += 1;
                          } catch (error) {
                            if (!(error instanceof Error && error.name === 'AppError')) throw error;
                            expect((error as { code?: string }).code).toBe('BALANCE_OUT_OF_RANGE');
                            extremes.refusedPastBound += 1;
                          }
                        }
                        if (through === 0) throw new AppError('BALANCE_OUT_OF_RANGE');
                        break;
                      }
                      case 'cancel': {
                        const target = pick(live, c.contract);
                        if (!target) break;
                        if (target.enterprise_id) await submit({ kind: 'cancel', contractId: target.id });
                        else await closeContract(trx, ctx, target);
                        break;
                      }
                    }
                  });
                  succeeded.set(c.t, (succeeded.get(c.t) ?? 0) + 1);
                } catch (error) {
                  // Business refusals are expected; anything else is a failure of the property.
                  if (!(error instanceof Error && error.name === 'AppError')) throw error;
                }
                await checkInvariants(trx, ctx, `after step ${n} (${c.t}) of ${JSON.stringify(commands)}`);
              }
              throw ROLLBACK;
            })
            .catch((error) => {
              if (error !== ROLLBACK) throw error;
            });
        }),
        {
          numRuns: RUNS,
          endOnFailure: true,
          // A failure prints its seed and path: SETTLEKEY_PROPERTY_SEED=… SETTLEKEY_PROPERTY_PATH=… replays it.
          ...(process.env.SETTLEKEY_PROPERTY_SEED
            ? { seed: Number(process.env.SETTLEKEY_PROPERTY_SEED), path: process.env.SETTLEKEY_PROPERTY_PATH }
            : {}),
          // Chance alone may never take a balance to its bound and a control total past 2^53 in
          // one run: this sequence always does, before the random ones.
          examples: [
            [
              [
                // both card-holding members sign B2B02, so the first card is a bound card there: 90
                // reach its member's bound, the 91st is refused, 4 go to suspense and take the
                // market's control total past 2^53
                { t: 'memberSign', member: 0, market: 1 },
                { t: 'memberSign', member: 1, market: 1 },
                { t: 'flood', market: 1, bound: true, times: 95 },
                { t: 'flood', market: 0, bound: false, times: 2 },
              ],
            ],
          ],
        },
      );
      const executed = await h.ctx.db.selectFrom('instructions').select('id').execute();
      expect(executed).toEqual([]); // every sequence was rolled back
      for (const t of [
        'sign',
        'deposit',
        'withdraw',
        'decide',
        'memberSign',
        'incoming',
        'clearing',
        'freeze',
        'trade',
        'approveTrade',
        'recredit',
        'cancel',
        'flood',
      ]) {
        expect(succeeded.get(t) ?? 0, `${t} never got through: ${JSON.stringify([...succeeded])}`).toBeGreaterThan(
          RUNS / 100,
        );
      }
      if (RUNS >= 200) {
        expect(extremes.refusedPastBound, 'no balance ever reached its bound').toBeGreaterThan(0);
        expect(extremes.largestSummary, 'no control total ever passed 2^53').toBeGreaterThan(BigInt(SAFE));
      }
    }, 600_000);

    it('verify-audit passes on the database after extreme amounts are committed', async () => {
      // The sequences above are rolled back; these stay, as a real day's would.
      const ctx = h.ctx;
      for (const code of MARKETS) await setSignedIn(ctx, code, true);
      const card = (await ctx.db.selectFrom('cards').select('card_no').orderBy('id').executeTakeFirstOrThrow()).card_no;
      for (let i = 0; i < 92; i++) {
        await events
          .incomingTransfer(ctx, {
            marketCode: MARKETS[i % 2],
            cardNo: i % 3 ? card : '6217000000000014',
            payerName: 'x',
            amount: (i % 5 ? MAX : 1) as Fen,
            key: `commit-${i}`,
          })
          .catch((error: unknown) => {
            if (!(error instanceof AppError)) throw error;
          });
      }
      const report = await verifyAudit(ctx.db);
      expect(report.breaks).toEqual([]);
      expect(report.journalEntries).toBeGreaterThan(90);
    }, 120_000);
  });
}

/** How far the extremes went: a property whose balances never reach their bound proves nothing about it. */
const extremes = { refusedPastBound: 0, largestSummary: 0n };

async function checkInvariants(trx: Transaction<Database>, ctx: ServiceContext, where: string) {
  const ledger = await verifyLedger(trx);
  expect(ledger.breaks, where).toEqual([]);
  const instructions = await trx.selectFrom('instructions').select(['serial', 'kind', 'state']).execute();
  const postings = await trx
    .selectFrom('journal_entries')
    .select(['reference'])
    .where('reference', 'like', 'instruction:%')
    .execute();
  for (const i of instructions) {
    const count = postings.filter((p) => p.reference === `instruction:${i.serial}`).length;
    const moves = i.kind === 'deposit' || i.kind === 'withdraw';
    expect(count, `${where}: instruction ${i.serial} (${i.kind}, ${i.state}) posted ${count} times`).toBe(
      moves && i.state === 'executed' ? 1 : 0,
    );
  }
  for (const code of MARKETS) {
    const file = await reconciliation(ctx, code, ctx.clock.today(), trx);
    expect(file.ties, `${where}: ${code} reconciliation`).toBe(true);
    if (BigInt(file.totals.summary) > extremes.largestSummary) extremes.largestSummary = BigInt(file.totals.summary);
  }
}
