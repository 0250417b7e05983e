import {
  advanceClock,
  changePassword,
  DEMO_TOKEN_PIN,
  enter,
  expect,
  login,
  logout,
  NEW_PASSWORD,
  setLanguage,
  signWithToken,
  snap,
  snapBoth,
  test,
} from './fixtures';

test('the demo reviewer signs off the certificate at first login, and logs in signed with it next time', async ({
  page,
  shell,
}) => {
  await page.goto(shell.launchUrl);
  await login(page, 'demo.reviewer', 'Demo1234');
  // first login, in the manual's order: the new password, then the certificate's sign-off
  await expect(page.getByRole('heading', { name: '修改登录密码' })).toBeVisible();
  await changePassword(page, 'Demo1234', 'Review2026');

  // the certificate the bank issued, read from the SoftHSM2 token
  const step = page.getByTestId('certificate-step');
  await expect(step.getByRole('heading', { name: '证书签收' })).toBeVisible();
  const details = page.getByTestId('certificate-details');
  await expect(details).toContainText('demo.reviewer');
  await expect(details).toContainText('演示科技有限公司');
  await expect(details).toContainText('SK demo.reviewer');
  await snapBoth(page, 'certificate-signoff');
  await expect(page.getByTestId('certificate-sign')).toBeDisabled();
  await page.getByTestId('certificate-confirm').click();
  await page.getByTestId('certificate-sign').click();

  // a wrong PIN: the token's own state comes back
  const dialog = page.getByTestId('sign-dialog');
  await expect(dialog).toBeVisible();
  await expect(page.getByTestId('certificate-picker')).toContainText('demo.reviewer');
  await page.getByTestId('pin-input').fill('000000');
  await page.getByTestId('sign-submit').click();
  await expect(page.getByTestId('sign-error')).toContainText('USB-KEY 密码错误');
  await expect(dialog).toContainText('密码已输错过');
  await snapBoth(page, 'pin-dialog');
  await page.getByTestId('pin-input').fill(DEMO_TOKEN_PIN);
  await page.getByTestId('sign-submit').click();
  await expect(page.getByTestId('home')).toBeVisible();
  await expect(page.getByTestId('token-indicator')).toHaveAttribute('data-state', 'ok');
  await expect(page.getByTestId('token-indicator')).toContainText('SK demo.reviewer');

  // the certificate test: a signature the service verifies
  await page.getByTestId('certificate-test').click();
  await page.getByTestId('pin-input').fill(DEMO_TOKEN_PIN);
  await page.getByTestId('sign-submit').click();
  await expect(page.getByText('证书测试通过')).toBeVisible();

  await page.getByTestId('user-menu-trigger').click();
  await page.getByTestId('logout').click();
  await page.getByRole('button', { name: '确定' }).click();

  // next login: signed with the activated certificate, no sign-off any more
  await page.getByTestId('language-switch').getByText('English').click();
  await login(page, 'demo.reviewer', 'Review2026');
  await expect(step.getByRole('heading', { name: 'USB-KEY login' })).toBeVisible();
  await expect(page.getByTestId('certificate-confirm')).toHaveCount(0);
  await snap(page, 'certificate-signin.en');
  await setLanguage(page, 'zh-CN');
  await snap(page, 'certificate-signin.zh-CN');
  await setLanguage(page, 'en');
  await page.getByTestId('certificate-sign').click();
  await page.getByTestId('pin-input').fill(DEMO_TOKEN_PIN);
  await page.getByTestId('sign-submit').click();
  await expect(page.getByTestId('home')).toBeVisible();
  await expect(page.getByText('Welcome to SettleKey')).toBeVisible();
  await snapBoth(page, 'home.reviewer');
});

test('an SM2 USB-KEY (国密, on the SKF simulator): first login with sign-off, a signed certificate test, the libraries looked for, and the PIN changed on the key', async ({
  page,
  shell,
}) => {
  await page.goto(shell.launchUrl);
  // the USB-KEY tools: the SKF library the demo loaded is listed, and "test this library" tells what it is
  await page.getByTestId('open-settings').click();
  await page.getByText('找不到 USB-KEY？查看已查找的驱动库').click();
  const libraries = page.getByTestId('token-libraries');
  await expect(libraries).toContainText('SettleKey SKF 模拟器');
  await expect(libraries).toContainText('libsettlekey-skf-soft.so');
  const simulator = (await libraries.locator('code', { hasText: 'libsettlekey-skf-soft.so' }).first().textContent())!;
  await page.getByTestId('library-path').fill(simulator.trim());
  await page.getByTestId('library-test').click();
  await expect(page.getByTestId('library-result')).toContainText('可以使用：这是 SKF 驱动库');
  await snapBoth(page, 'settings-libraries');
  await page.getByTestId('library-path').fill('/etc/hostname');
  await page.getByTestId('library-test').click();
  await expect(page.getByTestId('library-result')).toContainText('无法使用');
  await page.goBack();

  await login(page, 'trade.reviewer', 'Demo1234');
  await changePassword(page, 'Demo1234', 'Review2026');
  const details = page.getByTestId('certificate-details');
  await expect(details).toContainText('trade.reviewer');
  await expect(details).toContainText('示范贸易有限公司');
  await expect(details).toContainText('SK trade.reviewer');
  await page.getByTestId('certificate-confirm').click();
  await page.getByTestId('certificate-sign').click();
  await page.getByTestId('pin-input').fill(DEMO_TOKEN_PIN);
  await page.getByTestId('sign-submit').click();
  await expect(page.getByTestId('home')).toBeVisible();
  await expect(page.getByTestId('token-indicator')).toContainText('SK trade.reviewer');
  await page.getByTestId('certificate-test').click();
  await page.getByTestId('pin-input').fill(DEMO_TOKEN_PIN);
  await page.getByTestId('sign-submit').click();
  await expect(page.getByText('证书测试通过')).toBeVisible();
  await page.getByTestId('user-menu-trigger').click();
  await page.getByTestId('logout').click();
  await page.getByRole('button', { name: '确定' }).click();

  // 修改 USB-KEY 密码: a wrong current PIN is refused by the key; the right one changes it
  await page.getByTestId('open-settings').click();
  await page.getByText('修改 USB-KEY 密码').click();
  const form = page.getByTestId('change-pin');
  await form.getByTestId('change-pin-key').click();
  await page.getByRole('option', { name: /SK trade\.reviewer/ }).click();
  await form.getByTestId('change-pin-old').fill('000000');
  await form.getByTestId('change-pin-new').fill('654321');
  await form.getByTestId('change-pin-confirm').fill('654321');
  await form.getByTestId('change-pin-submit').click();
  await expect(form).toContainText('USB-KEY 密码错误');
  await form.getByTestId('change-pin-old').fill(DEMO_TOKEN_PIN);
  await form.getByTestId('change-pin-new').fill('654321');
  await form.getByTestId('change-pin-confirm').fill('654321');
  await form.getByTestId('change-pin-submit').click();
  await expect(page.getByText('USB-KEY 密码已修改')).toBeVisible();
  await snapBoth(page, 'settings-change-pin');
  await page.goBack();

  // the next signed login takes the new PIN only
  await login(page, 'trade.reviewer', 'Review2026');
  await page.getByTestId('certificate-sign').click();
  await page.getByTestId('pin-input').fill(DEMO_TOKEN_PIN);
  await page.getByTestId('sign-submit').click();
  await expect(page.getByTestId('sign-error')).toContainText('USB-KEY 密码错误');
  await page.getByTestId('pin-input').fill('654321');
  await page.getByTestId('sign-submit').click();
  await expect(page.getByTestId('home')).toBeVisible();
});

test('the PIN policy keeps an SM2 USB-KEY logged in until it is locked or the user logs out, and 证书更新 renews the certificate on the key', async ({
  page,
  shell,
}) => {
  test.setTimeout(300_000);
  await page.goto(shell.launchUrl);
  // 密码策略: keep the USB-KEY logged in for 10 minutes after a signature
  await page.getByTestId('open-settings').click();
  await page.getByTestId('pin-policy').getByText('签名后保持登录').click();
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.getByText('设置已保存')).toBeVisible();
  await snapBoth(page, 'settings-pin-policy');
  await page.goBack();

  await enter(page, 'trade.operator', true); // the sign-off typed the PIN once
  // within the window the next signature needs no PIN
  await page.getByTestId('certificate-test').click();
  await expect(page.getByTestId('pin-held')).toBeVisible();
  await expect(page.getByTestId('pin-input')).toBeHidden();
  await snapBoth(page, 'sign-held');
  await page.getByTestId('sign-submit').click();
  await expect(page.getByText('证书测试通过')).toBeVisible();
  // 锁定 USB-KEY: the next signature asks for the PIN again
  await page.getByTestId('token-indicator').click();
  await expect(page.getByTestId('token-held')).toBeVisible();
  // the popover in each language: switching the language closes it, so it is opened again
  await snap(page, 'token-held.zh-CN');
  await setLanguage(page, 'en');
  await expect(page.getByTestId('token-lock')).toBeHidden();
  await page.getByTestId('token-indicator').click();
  await expect(page.getByTestId('token-lock')).toBeVisible();
  await snap(page, 'token-held.en');
  await setLanguage(page, 'zh-CN');
  await expect(page.getByTestId('token-lock')).toBeHidden();
  await page.getByTestId('token-indicator').click();
  await page.getByTestId('token-lock').click();
  await expect(page.getByTestId('token-held')).toBeHidden();
  await page.getByTestId('certificate-test').click();
  await signWithToken(page);
  await expect(page.getByText('证书测试通过').first()).toBeVisible();

  // 705 days on: the certificate (valid 730) expires in 25 days; logging out ended the kept login
  await logout(page);
  await advanceClock(page, 360 * 86_400);
  await advanceClock(page, 345 * 86_400);
  // the captcha on the login page was issued 705 days ago: take a fresh one
  const captcha = page.getByTestId('captcha-image').locator('img');
  const stale = await captcha.getAttribute('src');
  await page.getByTestId('captcha-image').click();
  await expect(captcha).not.toHaveAttribute('src', stale!);
  await login(page, 'trade.operator', NEW_PASSWORD);
  await expect(page.getByTestId('certificate-step')).toBeVisible({ timeout: 60_000 });
  await page.getByTestId('certificate-sign').click();
  await expect(page.getByTestId('pin-input')).toBeVisible();
  await page.getByTestId('pin-input').fill(DEMO_TOKEN_PIN);
  await page.getByTestId('sign-submit').click();
  await expect(page.getByTestId('certificate-notice')).toContainText(/还剩 2[45] 天/);
  await snapBoth(page, 'home-renewal-notice');

  // 证书更新: a new key on the USB-KEY; the PIN is asked even while the key is kept logged in
  await page.getByTestId('certificate-renew').click();
  await expect(page.getByTestId('pin-input')).toBeVisible();
  await snapBoth(page, 'renew-dialog');
  await signWithToken(page);
  await expect(page.getByText('证书已更新')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('certificate-notice')).toBeHidden();
  await snap(page, 'home-renewed.zh-CN');

  // the next login signs with the new certificate
  await logout(page);
  await enter(page, 'trade.operator', false);
  await expect(page.getByTestId('certificate-notice')).toBeHidden();
});
