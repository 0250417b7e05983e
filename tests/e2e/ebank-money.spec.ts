// The settlement flows of the corporate client (付款业务 → 银商结算通, 交易授权,
// 查询中心) in Chromium through the browser shell, every signature made on the
// demo users' SoftHSM2 tokens, every rule answered by the embedded service.
import type { Locator, Page } from '@playwright/test';
import ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { advanceClock, DEMO_TOKEN_PIN, enter, expect, go, logout, signWithToken, snapBoth, test } from './fixtures';

// The longest scenarios here run past 4 minutes on two busy cores (each takes screenshots in both languages).
test.describe.configure({ timeout: 420_000 });

const SIGN = '/payment/settlement/contract/sign';
const CANCEL = '/payment/settlement/contract/cancel';
const DEPOSIT = '/payment/settlement/deposit';
const WITHDRAW = '/payment/settlement/withdraw';
const MEMBER_ACCOUNTS = '/payment/settlement/member-accounts';
const REVIEW = '/authorization/review';
const TXN_DETAIL = '/query/account/transactions';

// trade.operator and trade.reviewer belong to 示范贸易有限公司 (credit code
// 91110108MA01N8QE57): the markets registered it as EX1002 / AG1002.
const OPERATOR = 'trade.operator';
const REVIEWER = 'trade.reviewer';

async function signContract(page: Page, market: string, memberCode: string, shots?: string) {
  await go(page, SIGN);
  await page.getByTestId(`sign-${market}`).click();
  const form = page.getByTestId('sign-form');
  // the customer service agreement must be agreed to before 下一步
  await form.locator('input[name="memberCode"]').fill(memberCode);
  await page.getByTestId('wizard-next').first().click();
  await expect(form).toContainText('请阅读并同意');
  // ticking the box opens the agreement, unread it cannot be agreed to, and 返回 leaves the box unticked
  await form.getByTestId('agree-customer').click();
  const agreement = page.getByTestId('agreement-dialog').first();
  await expect(agreement).toContainText('客户服务协议');
  await expect(agreement.getByTestId('agreement-agree')).toBeDisabled();
  await agreement.getByTestId('agreement-back').click();
  await expect(form.getByTestId('agree-customer').locator('input')).not.toBeChecked();
  // read with the keyboard alone: the text has the focus, End reaches its last paragraph
  await page.getByTestId('open-customer-agreement').click();
  await expect(agreement.getByTestId('agreement-text')).toBeFocused();
  await page.keyboard.press('End');
  await agreement.getByTestId('agreement-agree').click();
  await expect(form.getByTestId('agree-customer').locator('input')).toBeChecked();
  if (shots) await snapBoth(page, `${shots}-details`);
  await page.getByTestId('wizard-next').first().click();
  // confirmation: the fields exactly as they will be signed
  const fields = page.getByTestId('instruction-fields').first();
  await expect(fields).toContainText(memberCode);
  if (shots) await snapBoth(page, `${shots}-confirm`);
  await page.locator('[data-testid="wizard-next"]:visible').click();
  // the settlement service agreement: agree only once read to the end
  const service = page.locator('[data-testid="agreement-dialog"]:visible');
  await expect(service).toContainText('银商结算通服务使用协议');
  await expect(service.getByTestId('agreement-agree')).toBeDisabled();
  if (shots) await snapBoth(page, `${shots}-service-agreement`);
  await service.getByTestId('agreement-text').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await service.getByTestId('agreement-agree').click();
  await signWithToken(page);
  const result = page.getByTestId('instruction-result');
  await expect(result).toHaveAttribute('data-state', 'pending');
  if (shots) await snapBoth(page, `${shots}-result`);
  return (await result.getByTestId('receipt').getAttribute('data-serial'))!;
}

/** Enters an amount on the deposit or withdraw page and signs it; returns the serial. */
async function moneyInstruction(
  page: Page,
  kind: 'deposit' | 'withdraw',
  yuan: string,
  options: { market?: string; capitals?: string; available?: string; shots?: string; backOnce?: boolean } = {},
) {
  await go(page, kind === 'deposit' ? DEPOSIT : WITHDRAW);
  const wizard = page.getByTestId(`money-${kind}`);
  await expect(wizard).toBeVisible();
  if (options.market) await chooseAccount(page, options.market);
  if (options.available) await expect(wizard.getByTestId('available-balance')).toHaveText(options.available);
  await wizard.locator('input[name="amount"]').fill(yuan);
  if (options.capitals) await expect(wizard.getByTestId('amount-capitals')).toContainText(options.capitals);
  if (options.shots) await snapBoth(page, `${options.shots}-amount`);
  await wizard.locator('input[name="amount"]').press('Enter');
  await expect(wizard.getByTestId('instruction-fields')).toBeVisible();
  if (options.capitals) await expect(wizard.getByTestId('instruction-fields')).toContainText(options.capitals);
  if (options.shots) await snapBoth(page, `${options.shots}-confirm`);
  if (options.backOnce) {
    // 上一步, then 下一步: the draft keeps the 流水号 its first preview reserved
    const serial = /\d{16}/.exec((await wizard.getByTestId('instruction-fields').textContent()) ?? '')?.[0];
    expect(serial).toBeDefined();
    await wizard.getByTestId('wizard-previous').click();
    await wizard.locator('input[name="amount"]').press('Enter');
    await expect(wizard.getByTestId('instruction-fields')).toContainText(serial!);
  }
  await wizard.getByTestId('wizard-confirm').click();
  await signWithToken(page);
  const result = wizard.getByTestId('instruction-result');
  await expect(result).toHaveAttribute('data-state', 'pending');
  if (options.shots) await snapBoth(page, `${options.shots}-result`);
  return (await result.getByTestId('receipt').getAttribute('data-serial'))!;
}

async function chooseAccount(page: Page, marketName: string) {
  await page.getByTestId('member-account-select').click();
  await page.locator('.el-select-dropdown__item:visible', { hasText: marketName }).click();
}

async function openRecord(page: Page, kind: string, serial: string) {
  await go(page, REVIEW);
  await page.getByTestId(`count-${kind}`).click();
  await page.getByTestId(`open-${serial}`).click();
  const drawer = page.getByTestId('review-detail');
  await expect(drawer.getByTestId('maker-signature')).toHaveText('签名验证通过');
  return drawer;
}

async function review(page: Page, kind: string, serial: string, reason?: string, shots?: string) {
  const drawer = await openRecord(page, kind, serial);
  if (shots) await snapBoth(page, `${shots}-detail`);
  if (reason) {
    // 返回 while writing the reason goes back to the decision, not out of the record
    await drawer.getByTestId('reject').click();
    await drawer.getByTestId('review-back').click();
    await expect(drawer.getByTestId('reject-reason')).toBeHidden();
    await expect(drawer.getByTestId('approve')).toBeVisible();
    await drawer.getByTestId('reject').click();
    await drawer.getByTestId('reject-reason').fill(reason);
    await drawer.getByTestId('reject-confirm').click();
  } else {
    await drawer.getByTestId('approve').click();
  }
  await signWithToken(page);
  const result = drawer.getByTestId('instruction-result');
  await expect(result).toHaveAttribute('data-state', reason ? 'rejected' : 'executed');
  if (shots) await snapBoth(page, `${shots}-result`);
  await drawer.getByTestId('result-home').click();
  await expect(drawer).toBeHidden();
}

/** Signs and has approved a contract; the operator is left logged in. */
async function contractInForce(
  page: Page,
  market: string,
  memberCode: string,
  firstLogin: { op: boolean; rev: boolean },
) {
  await enter(page, OPERATOR, firstLogin.op);
  const serial = await signContract(page, market, memberCode);
  await logout(page);
  await enter(page, REVIEWER, firstLogin.rev);
  await review(page, 'sign', serial);
  await logout(page);
  await enter(page, OPERATOR, false);
}

test('sign, deposit 1,000.00, a rejected and an approved withdrawal of 200.00: the queries show 800.00 and every movement, and the export holds them', async ({
  page,
  shell,
}) => {
  await page.goto(shell.launchUrl);
  await enter(page, OPERATOR, true);
  await go(page, SIGN);
  await expect(page.getByTestId('market-table')).toContainText('华东大宗商品交易市场');
  await snapBoth(page, 'contract-sign-markets');
  const signSerial = await signContract(page, 'EXCH01', 'EX1002', 'contract-sign');
  await logout(page);

  await enter(page, REVIEWER, true);
  await go(page, REVIEW);
  await expect(page.getByTestId('count-sign')).toContainText('1');
  await snapBoth(page, 'review-counts');
  await review(page, 'sign', signSerial, undefined, 'review-sign');
  await logout(page);

  await enter(page, OPERATOR, false);
  // the bound settlement account's available balance limits a deposit
  const deposit = await moneyInstruction(page, 'deposit', '1000', {
    capitals: '壹仟元整',
    available: '¥800,000.00',
    shots: 'deposit',
    backOnce: true,
  });
  await logout(page);
  await enter(page, REVIEWER, false);
  await review(page, 'deposit', deposit, undefined, 'review-deposit');
  await logout(page);

  await enter(page, OPERATOR, false);
  const w1 = await moneyInstruction(page, 'withdraw', '200', {
    capitals: '贰佰元整',
    available: '¥1,000.00',
    shots: 'withdraw',
  });
  // a pending withdrawal holds its amount: the next one sees 800.00 available
  await go(page, WITHDRAW);
  await expect(page.getByTestId('available-balance')).toHaveText('¥800.00');
  await logout(page);
  await enter(page, REVIEWER, false);
  await review(page, 'withdraw', w1, '金额与付款申请单不符', 'review-reject');
  await logout(page);

  await enter(page, OPERATOR, false);
  const w2 = await moneyInstruction(page, 'withdraw', '200.00', { capitals: '贰佰元整', available: '¥1,000.00' });
  await logout(page);
  await enter(page, REVIEWER, false);
  await review(page, 'withdraw', w2);

  // 会员账户查询: 800.00, and the deposit and the approved withdrawal (the rejected one moved nothing)
  await go(page, MEMBER_ACCOUNTS);
  await expect(page.getByTestId('available-EX1002')).toHaveText('¥800.00');
  await snapBoth(page, 'member-accounts');
  await page.getByTestId('account-EX1002').click();
  await expect(page.getByTestId('detail-balance')).toHaveText('¥800.00');
  const table = page.getByTestId('transaction-table');
  await expect(table.locator('tbody tr')).toHaveCount(2);
  await expect(table.locator('tbody tr').nth(0)).toContainText('−¥200.00');
  await expect(table.locator('tbody tr').nth(0)).toContainText('¥800.00');
  await expect(table.locator('tbody tr').nth(1)).toContainText('+¥1,000.00');
  await snapBoth(page, 'member-account-detail');
  await table.getByTestId(`detail-${w2}`).click();
  const receipt = page.getByTestId('transaction-detail');
  await expect(receipt).toContainText('贰佰元整');
  await expect(receipt).toContainText(w2);
  await snapBoth(page, 'member-transaction-receipt');
  await receipt.locator('.el-dialog__headerbtn').click();

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-xlsx').click()]);
  const book = new ExcelJS.Workbook();
  await book.xlsx.readFile(await download.path());
  const sheet = book.worksheets[0];
  const rows = sheet
    .getSheetValues()
    .slice(2)
    .map((r) => (r as unknown[]).slice(1).map(String));
  expect(rows).toHaveLength(2);
  expect(rows[0]).toEqual(expect.arrayContaining([w2, '出金', '200.00', '800.00']));
  expect(rows[1]).toEqual(expect.arrayContaining([deposit, '入金', '1000.00', '1000.00']));

  // 交易明细查询: the enterprise's settlement account saw 1,000.00 leave and 200.00 come back
  await go(page, TXN_DETAIL);
  const txns = page.getByTestId('transaction-table');
  await expect(txns).toContainText(deposit);
  await expect(txns).toContainText(w2);
  await expect(txns).not.toContainText(w1);
  // one account at a time (this enterprise has one), and a 入金 says it left for the market
  await expect(page.getByTestId('query-account')).toContainText('11014550000037');
  await expect(txns.locator('tbody tr').filter({ hasText: deposit })).toContainText('转出至交易市场（入金）');
  await expect(txns.locator('tbody tr').filter({ hasText: w2 })).toContainText('转入自交易市场（出金）');
  await snapBoth(page, 'txn-detail');
  await txns.getByTestId(`detail-${deposit}`).click();
  await expect(page.getByTestId('transaction-detail')).toContainText('转出至交易市场');
  await snapBoth(page, 'txn-detail-receipt');
  await page.getByTestId('transaction-detail').locator('.el-dialog__headerbtn').click();
  // the export words a 入金 as the screen does: it left the settlement account for the market
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csvText = readFileSync(await csv.path(), 'utf8');
  expect(csvText.split('\n').find((line) => line.includes(deposit))).toContain('转出至交易市场（入金）');
  expect(csvText.split('\n').find((line) => line.includes(w2))).toContain('转入自交易市场（出金）');
  await page.getByTestId('query-period').getByText('历史交易').click();
  await page.getByTestId('query-submit').click();
  await expect(txns).toContainText(deposit);
});

test('cancel is refused while the balance is not zero and the day money moved; accepted the next business day', async ({
  page,
  shell,
}) => {
  await page.goto(shell.launchUrl);
  await contractInForce(page, 'EXCH01', 'EX1002', { op: true, rev: true });
  const deposit = await moneyInstruction(page, 'deposit', '50');
  await logout(page);
  await enter(page, REVIEWER, false);
  await review(page, 'deposit', deposit);
  await logout(page);

  await enter(page, OPERATOR, false);
  await go(page, CANCEL);
  await page.getByTestId('cancel-EXCH01').click();
  const refusals = page.getByTestId('cancel-refusals');
  await expect(refusals.locator('[data-code="CANCEL_BALANCE_NOT_ZERO"]')).toContainText('余额');
  await expect(page.locator('[data-testid="wizard-next"]:visible')).toBeDisabled();
  await snapBoth(page, 'contract-cancel-refused');

  const out = await moneyInstruction(page, 'withdraw', '50', { available: '¥50.00' });
  await logout(page);
  await enter(page, REVIEWER, false);
  await review(page, 'withdraw', out);
  await logout(page);

  await enter(page, OPERATOR, false);
  await go(page, CANCEL);
  await page.getByTestId('cancel-EXCH01').click();
  await expect(refusals.locator('[data-code="CANCEL_BALANCE_NOT_ZERO"]')).toHaveCount(0);
  await expect(refusals.locator('[data-code="CANCEL_MONEY_MOVED_TODAY"]')).toBeVisible();
  await snapBoth(page, 'contract-cancel-moved-today');
  await logout(page);

  // the next business day (the service's clock, moved by the test-mode hook)
  await advanceClock(page, 86_400);
  // the captcha on the login page was issued yesterday: take a fresh one
  const captcha = page.getByTestId('captcha-image').locator('img');
  const stale = await captcha.getAttribute('src');
  await page.getByTestId('captcha-image').click();
  await expect(captcha).not.toHaveAttribute('src', stale!);
  await enter(page, OPERATOR, false);
  await go(page, CANCEL);
  await expect(page.getByTestId('contract-table')).toContainText('EX1002');
  await snapBoth(page, 'contract-cancel-list');
  await page.getByTestId('cancel-EXCH01').click();
  await expect(page.getByTestId('instruction-fields')).toContainText('EX1002');
  await snapBoth(page, 'contract-cancel-confirm');
  await page.locator('[data-testid="wizard-next"]:visible').click();
  await signWithToken(page);
  const result = page.getByTestId('instruction-result');
  await expect(result).toHaveAttribute('data-state', 'pending');
  const serial = (await result.getByTestId('receipt').getAttribute('data-serial'))!;
  await logout(page);
  await enter(page, REVIEWER, false);
  await review(page, 'cancel', serial);
  await go(page, MEMBER_ACCOUNTS);
  await expect(page.getByTestId('member-account-table')).toContainText('已解约');
});

test('a deposit to a market not signed in is refused before signing; the maker cannot approve their own; five deposits approved with one PIN', async ({
  page,
  shell,
}) => {
  await page.goto(shell.launchUrl);
  // the administrator lets the operator review too: maker ≠ checker must still hold
  await enter(page, 'trade.admin', true);
  await go(page, '/service/internal/operators');
  await page.getByTestId('edit-trade.operator').click();
  await page
    .getByTestId('permission-tree')
    .locator('.el-tree-node__content')
    .filter({ has: page.locator('.el-tree-node__label', { hasText: /^授权人员复核授权$/ }) })
    .locator('.el-checkbox')
    .click();
  await page.getByTestId('submit-menus').click();
  await signWithToken(page);
  await expect(page.getByTestId('instruction-result')).toHaveAttribute('data-state', 'executed');
  await logout(page);

  await enter(page, OPERATOR, true);
  const agri = await signContract(page, 'AGRI03', 'AG1002');
  const exch = await signContract(page, 'EXCH01', 'EX1002');
  await logout(page);
  await enter(page, REVIEWER, true);
  await review(page, 'sign', agri);
  await review(page, 'sign', exch);
  await logout(page);

  await enter(page, OPERATOR, false);
  await go(page, DEPOSIT);
  await chooseAccount(page, '西部农产品交易中心');
  await expect(page.getByTestId('not-signed-in')).toContainText('尚未签到');
  await expect(page.getByTestId('wizard-next')).toBeDisabled();
  await snapBoth(page, 'deposit-not-signed-in');

  const serials: string[] = [];
  for (const yuan of ['100', '200', '300', '400', '500'])
    serials.push(await moneyInstruction(page, 'deposit', yuan, { market: '华东大宗商品交易市场' }));

  // the review page leaves out the maker's own records…
  await go(page, REVIEW);
  await expect(page.getByTestId('count-deposit')).toContainText('0');
  // …and the service refuses them even when the page is bypassed
  const refused = await page.evaluate(async (serial) => {
    const api = (window as unknown as { settlekey: Record<string, (arg?: unknown) => Promise<any>> }).settlekey;
    const list = await api['instructions.list']({ kind: 'deposit', state: 'pending', page: 1, pageSize: 20 });
    const id = list.value.items.find((i: { serial: string }) => i.serial === serial).id;
    const mine = await api['certificates.mine']();
    const active = mine.value.find((c: { status: string }) => c.status === 'activated').serial;
    const certs = await api['token.certificates']();
    const cert = certs.value.find((c: { serial: string }) => c.serial === active);
    const sign = { slotId: cert.slotId, keyId: cert.keyId, certSerial: cert.serial, pin: '123456' };
    return api['instructions.decide']({ ids: [id], decision: 'approve', sign });
  }, serials[0]);
  expect(refused.value.outcomes[0]).toMatchObject({ ok: false, error: { code: 'MAKER_CANNOT_CHECK' } });
  await logout(page);

  await enter(page, REVIEWER, false);
  await go(page, REVIEW);
  await page.getByTestId('count-deposit').click();
  const table = page.getByTestId('review-table');
  await expect(table.locator('tbody tr')).toHaveCount(5);
  await table.locator('thead .el-checkbox').click();
  await expect(page.getByTestId('batch-approve')).toContainText('5');
  await snapBoth(page, 'review-batch');
  await page.getByTestId('batch-approve').click();
  await expect(page.getByTestId('sign-dialog')).toContainText('5');
  await signWithToken(page);
  const summary = page.getByTestId('batch-summary');
  await expect(summary).toBeVisible();
  await expect(summary.locator('tbody tr')).toHaveCount(5);
  for (const serial of serials) await expect(summary).toContainText(serial);
  await expect(summary).toContainText('共 5 笔，执行成功 5 笔');
  await snapBoth(page, 'review-batch-summary');
  await summary.locator('.el-dialog__headerbtn').click();
  await go(page, MEMBER_ACCOUNTS);
  await expect(page.getByTestId('available-EX1002')).toHaveText('¥1,500.00');
});

/** Presses Tab until the target has the focus (the keyboard's way to a control). */
async function tabTo(page: Page, target: Locator, max = 80) {
  for (let i = 0; i < max; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${max} presses of Tab did not reach ${target.toString()}`);
}

test('a deposit made with the keyboard alone: Tab, the amount, Enter, 上一步 and 下一步, confirm, the PIN, Enter', async ({
  page,
  shell,
}) => {
  await page.goto(shell.launchUrl);
  await contractInForce(page, 'EXCH01', 'EX1002', { op: true, rev: true });
  await go(page, DEPOSIT);
  const wizard = page.getByTestId('money-deposit');
  await expect(wizard).toBeVisible();
  await expect(wizard.getByTestId('available-balance')).toHaveText('¥800,000.00');
  // from here on no click: Tab, typing, Enter and Space
  const amount = wizard.locator('input[name="amount"]');
  await tabTo(page, amount);
  await page.keyboard.type('1000');
  await expect(wizard.getByTestId('amount-capitals')).toContainText('壹仟元整');
  await page.keyboard.press('Enter');
  const fields = wizard.getByTestId('instruction-fields');
  await expect(fields).toBeVisible();
  await expect(fields).toContainText('壹仟元整');
  // Enter on a focused 上一步 goes back (not on), Space on 下一步 comes again
  await tabTo(page, wizard.getByTestId('wizard-previous'));
  await page.keyboard.press('Enter');
  await expect(amount).toBeVisible();
  await expect(amount).toHaveValue(/1,?000/);
  await tabTo(page, wizard.getByTestId('wizard-next'));
  await page.keyboard.press('Space');
  await expect(fields).toBeVisible();
  await tabTo(page, wizard.getByTestId('wizard-confirm'));
  await page.keyboard.press('Enter');
  // the PIN dialog takes the focus; Enter signs
  const dialog = page.getByTestId('sign-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('pin-input')).toBeFocused();
  await page.keyboard.type(DEMO_TOKEN_PIN);
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden({ timeout: 30_000 });
  const result = wizard.getByTestId('instruction-result');
  await expect(result).toHaveAttribute('data-state', 'pending');
  await expect(result.getByTestId('receipt')).toContainText('壹仟元整');
});
