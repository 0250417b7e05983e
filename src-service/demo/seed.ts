// Seeds the demo world once (a settings row remembers it). Opening balances are
// real journal entries from the bank's funding account, so the ledger ties out.
import type { Insertable } from 'kysely';
import { fen } from '../../src-shared/money';
import type { MarketMembersTable } from '../store/schema';
import { hashPassword } from '../auth/passwords';
import type { ServiceContext } from '../context';
import { postEntry } from '../ledger/post';
import { openContract } from '../markets/contracts';
import { recordCard } from '../members/cards';
import { insertMember } from '../members/store';
import { DEMO_B2B_COUNTERPARTY, DEMO_BANK, DEMO_ENTERPRISES, DEMO_MARKETS, DEMO_MEMBERS, DEMO_PASSWORD } from './data';

export async function seedDemo(ctx: ServiceContext): Promise<boolean> {
  const { db, clock } = ctx;
  const done = await db.selectFrom('settings').select('value').where('key', '=', 'demo_seeded').executeTakeFirst();
  if (done) return false;
  const now = clock.nowIso();
  const today = clock.today();
  // One hash for all demo users: scrypt is slow on purpose, and they share the password.
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  const registers: Insertable<MarketMembersTable>[] = [];
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('settings')
      .values([
        { key: 'bank_name', value: DEMO_BANK.name },
        { key: 'bank_name_en', value: DEMO_BANK.nameEn },
      ])
      .execute();

    const funding = await trx
      .insertInto('accounts')
      .values({
        number: '99990000000001',
        name: '本行往来（演示开户资金）',
        kind: 'bank_funding',
        balance: 0,
        held: 0,
        allow_negative: 1,
        opened_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('accounts')
      .values({
        number: '99990000000002',
        name: '他行清算往来',
        kind: 'other_banks',
        balance: 0,
        held: 0,
        allow_negative: 1,
        opened_at: now,
      })
      .execute();

    for (const market of DEMO_MARKETS) {
      const row = await trx
        .insertInto('markets')
        .values({
          code: market.code,
          name: market.name,
          name_en: market.nameEn,
          requires_trade_review: market.requiresTradeReview ? 1 : 0,
          signed_in_date: market.signedInToday ? today : null,
          // the simulated markets that trade every day sign in by themselves
          auto_sign_in: market.signedInToday ? 1 : 0,
          summary_account_no: market.summaryAccountNo,
          summary_account_name: market.summaryAccountName,
          summary_account_branch: market.summaryAccountBranch,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('accounts')
        .values([
          {
            number: `${market.summaryAccountNo}-GZ`,
            name: `${market.name}挂账子账户`,
            kind: 'suspense',
            market_id: row.id,
            balance: 0,
            held: 0,
            allow_negative: 0,
            opened_at: now,
          },
          {
            number: `${market.summaryAccountNo}-SX`,
            name: `${market.name}手续费子账户`,
            kind: 'fee',
            market_id: row.id,
            balance: 0,
            held: 0,
            allow_negative: 0,
            opened_at: now,
          },
        ])
        .execute();
      market.register.forEach((r, i) => {
        registers.push({
          market_id: row.id,
          member_code: r.memberCode,
          cert_no: r.certNo,
          name: r.name,
          virtual_account_no: `${market.code}${String(i + 1).padStart(6, '0')}`,
          seat_no: `${market.code.slice(0, 2)}${String(i + 1).padStart(4, '0')}`,
          created_at: now,
        });
      });
    }

    await trx.insertInto('market_members').values(registers).execute();

    let serial = 0;
    for (const enterprise of DEMO_ENTERPRISES) {
      const row = await trx
        .insertInto('enterprises')
        .values({
          name: enterprise.name,
          name_en: enterprise.nameEn,
          credit_code: enterprise.creditCode,
          admin_mode: enterprise.adminMode,
          created_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const account of enterprise.accounts) {
        const acc = await trx
          .insertInto('accounts')
          .values({
            number: account.number,
            name: account.name,
            kind: 'settlement',
            enterprise_id: row.id,
            balance: 0,
            held: 0,
            allow_negative: 0,
            opened_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        serial += 1;
        await postEntry(trx, {
          serial: `DEMO${String(serial).padStart(6, '0')}`,
          kind: 'opening',
          businessDate: today,
          createdAt: now,
          memo: 'demo opening balance',
          lines: [
            { accountId: funding.id, debit: fen(account.openingFen) },
            { accountId: acc.id, credit: fen(account.openingFen) },
          ],
        });
      }
      for (const user of enterprise.users) {
        const u = await trx
          .insertInto('users')
          .values({
            login_name: user.loginName,
            display_name: user.displayName,
            role: user.role,
            system: 'ebank',
            enterprise_id: row.id,
            member_id: null,
            password_hash: passwordHash,
            must_change_password: 1,
            failed_attempts: 0,
            locked: 0,
            status: 'active',
            created_at: now,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        if (user.permissions.length > 0) {
          await trx
            .insertInto('user_permissions')
            .values(user.permissions.map((code) => ({ user_id: u.id, code })))
            .execute();
        }
      }
    }

    for (const member of DEMO_MEMBERS) {
      const { memberId } = await insertMember(trx, {
        memberType: member.memberType,
        name: member.name,
        certType: member.certType,
        certNo: member.certNo,
        phone: member.phone,
        loginName: member.loginName,
        passwordHash,
        at: now,
      });
      const bank = ctx.branches.bankByCode(member.card.bankCode)!;
      const branch = ctx.branches
        .branches({ bankCode: bank.code, keyword: member.card.branchName })
        .find((b) => b.name === member.card.branchName)!;
      await recordCard(trx, {
        memberId,
        holder: member.name,
        card: { cardNo: member.card.cardNo, bankCode: bank.code, branchCode: branch.cnaps, phone: member.phone },
        bank,
        branch,
        purpose: 'bound',
        status: 'active',
        at: now,
      });
    }

    // 演示科技 already trades on 云采 B2B: the counterparty of members' B2B trades in the demo.
    const demoEnterprise = await trx
      .selectFrom('enterprises')
      .select('id')
      .where('credit_code', '=', DEMO_B2B_COUNTERPARTY.creditCode)
      .executeTakeFirstOrThrow();
    const demoAccount = await trx
      .selectFrom('accounts')
      .select('id')
      .where('number', '=', DEMO_B2B_COUNTERPARTY.accountNo)
      .executeTakeFirstOrThrow();
    const b2b = await trx
      .selectFrom('markets')
      .select('id')
      .where('code', '=', DEMO_B2B_COUNTERPARTY.marketCode)
      .executeTakeFirstOrThrow();
    await openContract(
      trx,
      { ...ctx, db: trx },
      {
        marketId: b2b.id,
        memberCode: DEMO_B2B_COUNTERPARTY.memberCode,
        owner: { enterpriseId: demoEnterprise.id },
        boundAccountId: demoAccount.id,
      },
    );

    await trx.insertInto('settings').values({ key: 'demo_seeded', value: now }).execute();
  });
  return true;
}
