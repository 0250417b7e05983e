// The member system (电商平台会员管理系统) end to end in Chromium through the
// browser shell: codes read from the demo SMS inbox, the card network and the
// markets simulated by the demo tools, the bank counter through its own CLI.
import type { Locator, Page } from '@playwright/test';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeZip } from '../support/zip';
import {
  advanceClock,
  captchaAnswer,
  changePassword,
  DEMO_TOKEN_PIN,
  expect,
  go,
  logout,
  passCertificate,
  setLanguage,
  signWithToken,
  snapBoth,
  test,
} from './fixtures';

test.describe.configure({ timeout: 420_000 });

/** Opens an SMS drawer (the login page's inbox, or the demo tools), and returns the newest message to a phone. */
async function newestSms(
  page: Page,
  phone: string,
  after: number,
  open: () => Promise<Locator>,
  screenshot?: string,
): Promise<{ id: number; text: string }> {
  const drawer = await open();
  const message = drawer.locator(`[data-testid="sms-message"][data-phone="${phone}"]`).first();
  await expect
    .poll(async () => Number((await message.getAttribute('data-id').catch(() => '0')) ?? 0), { timeout: 20_000 })
    .toBeGreaterThan(after);
  if (screenshot) await snapBoth(page, screenshot);
  const found = {
    id: Number(await message.getAttribute('data-id')),
    text: (await message.locator('.sms-text').innerText()).trim(),
  };
  // A click that lands while the drawer is still opening can be lost (seen once in a fresh clone's CI): clicked again until it closes.
  await expect(async () => {
    if (await drawer.isVisible()) await drawer.locator('.el-drawer__close-btn').click({ timeout: 2_000 });
    await expect(drawer).toBeHidden({ timeout: 2_000 });
  }).toPass({ timeout: 15_000 });
  return found;
}

const inboxOnPublicPage = (page: Page) => async () => {
  await page.getByTestId('open-sms-inbox').click();
  const drawer = page.locator('[data-testid="sms-inbox"]:visible');
  await expect(drawer).toBeVisible();
  return drawer;
};

/** The inbox link beside a code that has been sent (it works inside a dialog too). */
const inboxBesideCode = (page: Page, scope: Locator) => async () => {
  await scope.getByTestId('otp-inbox').click();
  const drawer = page.locator('[data-testid="sms-inbox"]:visible');
  await expect(drawer).toBeVisible();
  return drawer;
};

const codeOf = (text: string) => /动态码 (\d{6})/.exec(text)![1];

/**
 * Picks an option of an Element Plus select, and makes sure it took: a click that lands while the
 * dropdown is still opening can leave the select empty (seen once: the pay-in then had no market).
 */
async function choose(page: Page, select: Locator, option: string | RegExp) {
  for (let attempt = 1; ; attempt++) {
    await select.click();
    await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: option }).first().click();
    try {
      await expect(select).toContainText(option, { timeout: 2_000 });
      return;
    } catch (error) {
      if (attempt >= 3) throw error;
    }
  }
}

async function loginMember(page: Page, loginName: string, password: string, memberType: 'corporate' | 'individual') {
  const form = page.getByTestId('login-form');
  await page.getByTestId('login-system').getByText('会员管理系统').click();
  await page
    .getByTestId('login-member-type')
    .getByText(memberType === 'corporate' ? '企业会员' : '个人会员')
    .click();
  await form.locator('input[name="loginName"]').fill(loginName);
  await form.locator('input[name="password"]').fill(password);
  await form.locator('input[name="captchaAnswer"]').fill(await captchaAnswer(page));
  await page.getByTestId('login-submit').click();
}

/** Prepares a member operation (the SMS goes out), reads the code from the demo tools, confirms it. */
async function verifyBySms(page: Page, phone: string, after: number): Promise<number> {
  const dialog = page.getByTestId('member-verify');
  await expect(dialog.getByTestId('otp-sent')).toBeVisible();
  const sms = await newestSms(page, phone, after, inboxBesideCode(page, dialog));
  await dialog.getByTestId('otp-code').fill(codeOf(sms.text));
  await dialog.getByTestId('verify-submit').click();
  await expect(dialog).toBeHidden();
  return sms.id;
}

/** An individual's first login (and the first after a reset): the SMS code to the registered phone. */
async function passFirstLoginCode(page: Page, phone: string, after: number): Promise<number> {
  const step = page.getByTestId('phone-code-step');
  await expect(step).toContainText(`${phone.slice(0, 3)}****${phone.slice(-4)}`);
  await step.getByTestId('otp-send').click();
  const sms = await newestSms(page, phone, after, inboxOnPublicPage(page));
  await step.getByTestId('otp-code').fill(codeOf(sms.text));
  await snapBoth(page, 'member-first-login-code');
  await step.getByTestId('otp-submit').click();
  return sms.id;
}

test('an individual registers, signs a market, re-credits from suspense, reviews a trade, moves the money out, cancels and closes', async ({
  page,
  shell,
}) => {
  const PHONE = '13900139001';
  let lastSms = 0;
  await page.goto(shell.launchUrl);
  await expect(page.getByTestId('login-form')).toBeVisible();

  // a market's registration link
  await go(page, '/register?market=B2B02');
  await expect(page.getByTestId('register-market')).toContainText('云采 B2B 电子商务平台');
  await page.getByTestId('type-individual').click();
  await snapBoth(page, 'register-type');
  await page.getByTestId('wizard-next').click();
  const form = page.getByTestId('register-form');
  await form.locator('input[name="name"]').fill('李四');
  await form.locator('input[name="idNo"]').fill('110105198511223012');
  await form.locator('input[name="cardNo"]').fill('6225 8800 0000 0035');
  // the bank comes from the card number's BIN
  await expect(page.getByTestId('card-bank')).toContainText('招商银行');
  await choose(page, page.getByTestId('card-province'), '北京市');
  await choose(page, page.getByTestId('card-branch'), '招商银行北京分行营业部');
  await form.locator('input[name="cardPhone"]').fill(PHONE);
  await page.getByTestId('wizard-next').click();
  // a wrong check digit is named before anything is sent
  await expect(form).toContainText('居民身份证号码须为 18 位');
  // a language switch re-words the message shown, and flags nothing else
  await setLanguage(page, 'en');
  await expect(form.locator('.el-form-item__error')).toHaveCount(1);
  await expect(form.locator('.el-form-item__error')).toContainText('A resident ID number has 18 characters');
  await setLanguage(page, 'zh-CN');
  await form.locator('input[name="idNo"]').fill('110105198511223011');
  await snapBoth(page, 'register-individual-form');
  await page.getByTestId('wizard-next').click();
  const confirm = page.getByTestId('register-confirm');
  await expect(confirm).toContainText('6225880000000035');
  await confirm.getByTestId('otp-send').click();
  await expect(confirm.getByTestId('otp-sent')).toContainText('139****9001');
  let sms = await newestSms(page, PHONE, lastSms, inboxOnPublicPage(page), 'demo-sms-inbox');
  lastSms = sms.id;
  await confirm.getByTestId('otp-code').fill(codeOf(sms.text));
  await snapBoth(page, 'register-confirm');
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('register-result')).toHaveAttribute('data-status', 'approved');
  await snapBoth(page, 'register-result');
  sms = await newestSms(page, PHONE, lastSms, inboxOnPublicPage(page));
  lastSms = sms.id;
  const [, loginName, initialPassword] = /登录名 (\S+)，初始密码 (\S+)，/.exec(sms.text)!;

  // first login: the SMS code, then the forced password change
  await page.getByTestId('result-login').click();
  await loginMember(page, loginName, initialPassword, 'individual');
  lastSms = await passFirstLoginCode(page, PHONE, lastSms);
  await changePassword(page, initialPassword, 'Lisi2026ok');
  await expect(page.getByTestId('home')).toBeVisible();
  await snapBoth(page, 'member-home');

  // sign 云采 B2B with the card authenticated at registration
  await go(page, '/member/contract/sign');
  await snapBoth(page, 'member-sign-markets');
  await page.getByTestId('sign-B2B02').click();
  await page.getByTestId('m-sign-form').locator('input[name="memberCode"]').fill('B23001');
  await expect(page.getByTestId('card-existing')).toContainText('6225 **** **** 0035');
  await snapBoth(page, 'member-sign-details');
  // the 动态口令 on this page, as the manual's step two has it: none typed, none sent, no 下一步
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('wizard-error')).toContainText('动态口令');
  const otp = page.getByTestId('otp-field');
  await otp.getByTestId('otp-send').click();
  await expect(otp.getByTestId('otp-sent')).toBeVisible();
  const signSms = await newestSms(page, PHONE, lastSms, inboxBesideCode(page, otp));
  lastSms = signSms.id;
  await otp.getByTestId('otp-code').fill(codeOf(signSms.text));
  await snapBoth(page, 'member-sign-code');
  await page.getByTestId('wizard-next').click();
  await page.getByTestId('agree-service').click();
  const agreement = page.locator('[data-testid="agreement-dialog"]:visible');
  await expect(agreement).toContainText('银商结算通服务使用协议');
  await agreement.getByTestId('agreement-text').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await agreement.getByTestId('agreement-agree').click();
  // 签约: the code typed on the form is the verification — no dialog asks for it again
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('member-verify')).toBeHidden();
  const signed = page.getByTestId('member-result');
  await expect(signed).toContainText('签约成功');
  await expect(page.getByTestId('member-result-lines')).toContainText('B2B02');
  await snapBoth(page, 'member-sign-result');

  // the market signs out; 李四 pays in from his card: it goes to suspense
  await page.getByTestId('open-demo-tools').click();
  const tools = page.getByTestId('demo-tools');
  await tools.getByRole('tab', { name: '市场签到' }).click();
  await tools.getByTestId('demo-signin-B2B02').click();
  await expect(page.locator('.el-message')).toContainText('已签退');
  await tools.getByRole('tab', { name: '他行卡转账入金' }).click();
  await choose(page, tools.getByTestId('demo-pay-market'), '云采 B2B');
  const payIn = tools.getByTestId('demo-pay-in');
  await payIn.locator('input[name="payerCard"]').fill('6225880000000035');
  await payIn.locator('input[name="payerName"]').fill('李四');
  await payIn.locator('input[name="amount"]').fill('300');
  await snapBoth(page, 'demo-tools-pay-in');
  await tools.getByTestId('demo-pay-submit').click();
  // the reason in words, never its code
  await expect(page.locator('.el-message').last()).toContainText('已挂账（市场未签到）');
  await tools.getByRole('tab', { name: '市场签到' }).click();
  await tools.getByTestId('demo-signin-B2B02').click();
  await tools.locator('.el-drawer__close-btn').click();

  // 挂账处理: re-credit it, once
  await go(page, '/member/suspense');
  const suspense = page.getByTestId('suspense-table');
  await expect(suspense.locator('tbody tr')).toHaveCount(1);
  await expect(suspense).toContainText('市场未签到');
  await snapBoth(page, 'member-suspense');
  await suspense.locator('[data-testid^="recredit-"]').click();
  await page.getByTestId('wizard-next').click();
  // the SMS confirmation shows the amount with its capitals
  await expect(page.getByTestId('member-verify').getByTestId('otp-sent')).toBeVisible();
  await expect(page.getByTestId('verify-amount')).toContainText('叁佰元整');
  await snapBoth(page, 'member-verify-sms');
  lastSms = await verifyBySms(page, PHONE, lastSms);
  await expect(page.getByTestId('member-result')).toContainText('已重新入账');
  await snapBoth(page, 'member-recredit-result');
  await page.getByTestId('result-again').click();
  await expect(suspense).toContainText('已重新入账');
  await expect(suspense.locator('[data-testid^="recredit-"]')).toHaveCount(0);

  // the market posts a B2B trade; 李四 reviews it
  await page.getByTestId('open-demo-tools').click();
  await tools.getByRole('tab', { name: 'B2B 交易' }).click();
  const trade = tools.getByTestId('demo-trade');
  await trade.locator('input[name="payerCode"]').fill('B23001');
  await trade.locator('input[name="payeeCode"]').fill('B21001');
  await trade.locator('input[name="amount"]').fill('100');
  await trade.locator('input[name="description"]').fill('办公用品采购');
  await tools.getByTestId('demo-trade-submit').click();
  await expect(page.locator('.el-message').last()).toContainText('等待付款会员复核');
  await tools.locator('.el-drawer__close-btn').click();
  await go(page, '/member/trade/pending');
  const trades = page.getByTestId('trade-table');
  await expect(trades).toContainText('办公用品采购');
  await snapBoth(page, 'member-trades');
  await trades.locator('[data-testid^="review-"]').click();
  await page.getByTestId('wizard-next').click();
  lastSms = await verifyBySms(page, PHONE, lastSms);
  await expect(page.getByTestId('member-result')).toContainText('交易复核成功');
  await snapBoth(page, 'member-trade-review-result');
  await go(page, '/member/trade/history');
  await expect(page.getByTestId('trade-table')).toContainText('办公用品采购');
  await snapBoth(page, 'member-trade-history');
  await go(page, '/member/contract/bound-card');
  await expect(page.getByTestId('bound-card-table')).toContainText('6225 **** **** 0035');
  await snapBoth(page, 'member-bound-card');

  // 会员附属台帐: 300.00 in, 100.00 paid
  await go(page, '/member/query/ledger');
  await expect(page.getByTestId('balance-B23001')).toHaveText('¥200.00');
  await expect(page.getByTestId('ledger-table')).toContainText('11015000000202');
  await snapBoth(page, 'member-ledger');
  await page.getByTestId('ledger-B23001').click();
  const movements = page.getByTestId('transaction-table');
  await expect(movements).toContainText('300.00');
  // Every movement is listed, the trade the member approved too: the newest row's
  // balance after is the account's balance, the one before it 100.00 more.
  const rows = movements.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toContainText('−¥100.00');
  await expect(rows.nth(0)).toContainText('¥200.00');
  await expect(rows.nth(1)).toContainText('+¥300.00');
  await snapBoth(page, 'member-ledger-transactions');

  // the transfer-out account: a second card, authenticated; then move the balance out
  await go(page, '/member/account/transfer-out');
  await page.getByTestId('transfer-out-edit').click();
  await page.getByTestId('card-mode').getByText('绑定新的银行卡').click();
  const cardForm = page.getByTestId('card-form');
  await cardForm.locator('input[name="cardNo"]').fill('6222020000000023');
  await expect(page.getByTestId('card-bank')).toContainText('中国工商银行');
  await choose(page, page.getByTestId('card-branch'), /北京/);
  await cardForm.locator('input[name="cardPhone"]').fill(PHONE);
  await page.getByTestId('card-authenticate').click();
  await expect(page.getByTestId('card-authenticated')).toContainText('鉴权通过');
  await snapBoth(page, 'member-transfer-out-card');
  await page.getByTestId('transfer-out-save').click();
  lastSms = await verifyBySms(page, PHONE, lastSms);
  await page.getByTestId('result-again').click();
  await expect(page.getByTestId('transfer-out-card')).toContainText('6222 **** **** 0023');
  await page.getByTestId('move-out-B2B02').click();
  lastSms = await verifyBySms(page, PHONE, lastSms);
  await expect(page.getByTestId('member-result-lines')).toContainText('¥200.00');

  // closing is refused while the contract stands
  await go(page, '/member/account/close');
  await expect(page.getByTestId('close-contract-B2B02')).toContainText('未解约');
  await expect(page.getByTestId('close-submit')).toBeDisabled();
  await snapBoth(page, 'member-close-refused');

  // the next business day: cancel, then close
  await logout(page);
  await advanceClock(page, 86_400);
  await page.getByTestId('captcha-image').click();
  await loginMember(page, loginName, 'Lisi2026ok', 'individual');
  await expect(page.getByTestId('home')).toBeVisible();
  await go(page, '/member/contract/cancel');
  await page.getByTestId('cancel-B2B02').click();
  await expect(page.getByTestId('cancel-refusals')).toHaveCount(0);
  await snapBoth(page, 'member-cancel');
  await page.getByTestId('wizard-next').click();
  lastSms = await verifyBySms(page, PHONE, lastSms);
  await expect(page.getByTestId('member-result')).toContainText('解约成功');
  await go(page, '/member/account/close');
  await expect(page.getByTestId('close-submit')).toBeEnabled();
  await page.getByTestId('close-submit').click();
  lastSms = await verifyBySms(page, PHONE, lastSms);
  await expect(page.getByTestId('member-result')).toContainText('销户成功');
  await snapBoth(page, 'member-closed');
  await page.getByTestId('close-logout').click();
  await loginMember(page, loginName, 'Lisi2026ok', 'individual');
  await expect(page.getByTestId('login-error')).toBeVisible();
});

test('a corporate member registers with its documents, the counter approves, it signs off the USB-KEY and signs a market', async ({
  page,
  shell,
}) => {
  const PHONE = '13900139003';
  let lastSms = 0;
  const dir = mkdtempSync(join(tmpdir(), 'sk-docs-'));
  const archive = join(dir, '星河示范供应链-注册资料.zip');
  writeFileSync(
    archive,
    makeZip([
      { name: '营业执照（三证合一）.pdf', content: 'licence scan' },
      { name: '法定代表人身份证.jpg', content: 'id scan' },
      { name: '法人授权书.pdf', content: 'authorization' },
    ]),
  );
  const renamed = join(dir, 'docs.zip');
  writeFileSync(renamed, Buffer.concat([Buffer.from('MZ'), Buffer.alloc(64, 1)]));

  await page.goto(shell.launchUrl);
  await page.getByTestId('login-system').getByText('会员管理系统').click();
  await page.getByTestId('go-register').click();
  await page.getByTestId('wizard-next').click();
  const form = page.getByTestId('register-form');
  await form.locator('input[name="name"]').fill('星河示范供应链有限公司');
  await form.locator('input[name="certNo"]').fill('91330100MA2H4K7Q2K');
  await form.locator('input[name="contactName"]').fill('陈晓');
  await form.locator('input[name="phone"]').fill(PHONE);
  await form.locator('input[name="address"]').fill('浙江省杭州市西湖区文三路 100 号');
  await expect(page.getByTestId('documents').locator('li')).toHaveCount(7);
  // a renamed executable passes the browser's file picker, not the service
  await page.getByTestId('archive-upload').locator('input[type="file"]').setInputFiles(renamed);
  await expect(page.getByTestId('archive-chosen')).toContainText('docs.zip');
  await page.getByTestId('wizard-next').click();
  const confirm = page.getByTestId('register-confirm');
  await confirm.getByTestId('otp-send').click();
  let sms = await newestSms(page, PHONE, lastSms, inboxOnPublicPage(page));
  lastSms = sms.id;
  await confirm.getByTestId('otp-code').fill(codeOf(sms.text));
  await page.getByTestId('wizard-next').click();
  await expect(page.getByTestId('wizard-error')).toContainText('zip 或 rar');
  // back to the form: the real archive
  await page.locator('.form-actions').getByRole('button', { name: '返回' }).click();
  await page.getByTestId('archive-upload').locator('input[type="file"]').setInputFiles(archive);
  await expect(page.getByTestId('archive-chosen')).toContainText('注册资料.zip');
  await snapBoth(page, 'register-corporate-form');
  await page.getByTestId('wizard-next').click();
  // the refused archive did not use the code up
  await confirm.getByTestId('otp-code').fill(codeOf(sms.text));
  await page.getByTestId('wizard-next').click();
  const result = page.getByTestId('register-result');
  await expect(result).toHaveAttribute('data-status', 'pending');
  await snapBoth(page, 'register-corporate-result');
  const serial = /申请号 (\d{16})/.exec(await result.innerText())![1];

  // the bank counter: the files inside the archive, then approval
  const counter = (...args: string[]) =>
    spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'src-service/commands/counter/cli.ts',
        '--db',
        join(shell.userDataDir, 'settlement.sqlite'),
        'registrations',
        ...args,
      ],
      { encoding: 'utf8' },
    );
  const shown = counter('show', serial);
  expect(shown.status, shown.stderr).toBe(0);
  expect(shown.stdout).toContain('营业执照（三证合一）.pdf');
  expect(shown.stdout).toContain('法人授权书.pdf');
  const approved = counter('approve', serial);
  expect(approved.status, approved.stderr).toBe(0);
  const loginName = /login name (\S+);/.exec(approved.stdout)![1];
  sms = await newestSms(page, PHONE, lastSms, inboxOnPublicPage(page));
  lastSms = sms.id;
  const password = /初始密码 (\S+)，/.exec(sms.text)![1];

  // first login: the USB-KEY the bank issued (the demo delivers it onto SoftHSM2), signed off
  await page.getByTestId('result-login').click();
  await loginMember(page, loginName, password, 'corporate');
  await changePassword(page, password, 'Xinghe2026');
  await passCertificate(page);
  await expect(page.getByTestId('home')).toBeVisible();
  await expect(page.getByTestId('token-indicator')).toContainText(`SK ${loginName}`);

  // sign 华东大宗 with the company's account at another bank, signed on the USB-KEY
  await go(page, '/member/contract/sign');
  await page.getByTestId('sign-EXCH01').click();
  await page.getByTestId('m-sign-form').locator('input[name="memberCode"]').fill('EX3003');
  const cardForm = page.getByTestId('card-form');
  await cardForm.locator('input[name="cardNo"]').fill('6228480000000049');
  await expect(page.getByTestId('card-bank')).toContainText('中国农业银行');
  await choose(page, page.getByTestId('card-province'), '浙江省');
  await choose(page, page.getByTestId('card-branch'), /杭州/);
  await cardForm.locator('input[name="cardPhone"]').fill(PHONE);
  await page.getByTestId('card-authenticate').click();
  await expect(page.getByTestId('card-authenticated')).toBeVisible();
  await page.getByTestId('wizard-next').click();
  await page.getByTestId('agree-service').click();
  const agreement = page.locator('[data-testid="agreement-dialog"]:visible');
  await agreement.getByTestId('agreement-text').evaluate((el) => el.scrollTo(0, el.scrollHeight));
  await agreement.getByTestId('agreement-agree').click();
  await page.getByTestId('wizard-next').click();
  const verify = page.getByTestId('member-verify');
  await expect(verify.getByTestId('verify-fields')).toContainText('EX3003');
  await expect(verify.getByTestId('verify-fields')).toContainText('6228480000000049');
  await snapBoth(page, 'member-verify-usbkey');
  await verify.getByTestId('verify-sign').click();
  await signWithToken(page, DEMO_TOKEN_PIN);
  await expect(page.getByTestId('member-result')).toContainText('签约成功');
  await expect(page.getByTestId('member-result-lines')).toContainText('EXCH01');
});

test('an individual recovers the login name, keeps contact details and changes the phone with a new card', async ({
  page,
  shell,
}) => {
  const PHONE = '13800138002';
  const NEW_PHONE = '13800138012';
  let lastSms = 0;
  await page.goto(shell.launchUrl);
  await page.getByTestId('login-system').getByText('会员管理系统').click();
  await page.getByTestId('login-member-type').getByText('个人会员').click();
  await snapBoth(page, 'login-member');
  // switching the language flags none of the empty fields
  await expect(page.getByTestId('login-form').locator('.el-form-item__error')).toHaveCount(0);
  await page.getByTestId('go-recover').click();
  // 2.3.3: 选择客户类型为“个人”
  await page.getByTestId('recover-type').getByText('个人', { exact: true }).click();
  const form = page.getByTestId('recover-form');
  await form.locator('input[name="name"]').fill('张三');
  await form.locator('input[name="idNo"]').fill('110105199003071239');
  await choose(page, page.getByTestId('recover-bank'), '招商银行');
  await form.locator('input[name="cardNo"]').fill('6225880000000019');
  await form.locator('input[name="phone"]').fill(PHONE);
  await form.getByTestId('otp-send').click();
  let sms = await newestSms(page, PHONE, lastSms, inboxBesideCode(page, form));
  lastSms = sms.id;
  await form.getByTestId('otp-code').fill(codeOf(sms.text));
  await snapBoth(page, 'member-recover');
  await page.getByTestId('recover-submit').click();
  await expect(page.getByTestId('recovered-login-name')).toHaveText('m.zhangsan');
  await snapBoth(page, 'member-recover-result');
  sms = await newestSms(page, PHONE, lastSms, inboxOnPublicPage(page));
  lastSms = sms.id;
  const password = /登录密码已重置为 (\S+)，/.exec(sms.text)![1];

  // the reset password forces the code and a change, as a first login does
  await page.getByTestId('recover-login').click();
  await loginMember(page, 'm.zhangsan', password, 'individual');
  lastSms = await passFirstLoginCode(page, PHONE, lastSms);
  await changePassword(page, password, 'Zhangsan2026');
  await expect(page.getByTestId('home')).toBeVisible();

  // contact details: identity locked, the rest changed with a code
  await go(page, '/member/self/info');
  await expect(page.getByTestId('identity')).toContainText('110105199003071239');
  const info = page.getByTestId('m-info');
  await info.locator('input[name="email"]').fill('not-an-address');
  await page.getByTestId('info-submit').click();
  await expect(info.getByText('电子邮箱格式不正确')).toBeVisible();
  await info.locator('input[name="email"]').fill('zhangsan@example.com');
  await info.locator('input[name="address"]').fill('北京市朝阳区建国路 88 号');
  await snapBoth(page, 'member-info');
  await page.getByTestId('info-submit').click();
  // the manual's confirmation page comes first: no code has been sent yet
  const confirmInfo = page.getByTestId('info-confirm');
  await expect(confirmInfo).toContainText('北京市朝阳区建国路 88 号');
  await expect(page.getByTestId('member-verify')).toBeHidden();
  await snapBoth(page, 'member-info-confirm');
  await confirmInfo.getByTestId('info-confirm-submit').click();
  lastSms = await verifyBySms(page, PHONE, lastSms);
  await expect(page.getByTestId('member-result')).toBeVisible();
  await page.getByTestId('result-again').click();
  await expect(info.locator('input[name="email"]')).toHaveValue('zhangsan@example.com');

  await go(page, '/member/self/credentials');
  await expect(page.getByTestId('name-form')).toBeVisible();
  await snapBoth(page, 'member-credentials');

  // a new phone comes with a new card reserved to it; the code goes to the new phone
  await go(page, '/member/self/phone');
  await expect(page.getByTestId('m-phone')).toContainText(PHONE);
  const cardForm = page.getByTestId('card-form');
  await cardForm.locator('input[name="cardNo"]').fill('6227000000000012');
  await expect(page.getByTestId('card-bank')).toContainText('中国建设银行');
  await choose(page, page.getByTestId('card-branch'), /北京/);
  await cardForm.locator('input[name="cardPhone"]').fill(NEW_PHONE);
  await page.getByTestId('card-authenticate').click();
  await expect(page.getByTestId('card-authenticated')).toBeVisible();
  await page.getByTestId('new-phone').fill(NEW_PHONE);
  await snapBoth(page, 'member-phone');
  await page.getByTestId('phone-submit').click();
  lastSms = await verifyBySms(page, NEW_PHONE, lastSms);
  await expect(page.getByTestId('member-result')).toContainText(NEW_PHONE);
});
