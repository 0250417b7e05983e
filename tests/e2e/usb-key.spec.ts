import { changePassword, DEMO_TOKEN_PIN, expect, login, setLanguage, snap, snapBoth, test } from './fixtures';

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
