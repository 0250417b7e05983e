// Electron end to end: the real Electron binary drives the same renderer through
// the preload. Runs wherever the binary is installed; skipped, with the reason,
// where its download is impossible (as on our CI).
import { _electron as electron, expect, test } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(__filename);

function electronBinary(): string | null {
  try {
    const path = require('electron') as unknown as string;
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

const binary = electronBinary();

test.describe('Electron shell', () => {
  test.skip(
    binary === null,
    'Electron binary not installed: its postinstall download is blocked on this machine (run `node node_modules/electron/install.js` where there is internet)',
  );

  test('the demo reviewer logs in through the preload bridge and must change the password', async () => {
    execFileSync('node', ['scripts/build-electron.mjs'], {
      stdio: 'inherit',
      env: { ...process.env, NODE_ENV: 'test' },
    });
    const userData = mkdtempSync(join(tmpdir(), 'sk-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: ['.', `--user-data-dir=${userData}`],
      env: { ...process.env, NODE_ENV: 'test' },
    });
    try {
      const page = await app.firstWindow();
      await expect(page.getByRole('heading', { name: '用户登录' })).toBeVisible();
      // The page has the contract and nothing of Node.
      expect(await page.evaluate(() => typeof (window as any).require)).toBe('undefined');
      expect(await page.evaluate(() => typeof (window as any).settlekey['auth.login'])).toBe('function');
      await expect(page.getByTestId('captcha-image').locator('img')).toBeVisible();
      const answer = await app.evaluate(async () => {
        const hook = (globalThis as any).__settlekeyTest;
        return (await hook.captchaAnswer()).answer as string;
      });
      const form = page.getByTestId('login-form');
      await form.locator('input[name="loginName"]').fill('demo.reviewer');
      await form.locator('input[name="password"]').fill('Demo1234');
      await form.locator('input[name="captchaAnswer"]').fill(answer);
      await page.getByTestId('login-submit').click();
      await expect(page.getByRole('heading', { name: '修改登录密码' })).toBeVisible();
      // Navigation away and new windows are refused.
      await page.evaluate(() => window.open('https://example.com'));
      expect(app.windows()).toHaveLength(1);
    } finally {
      await app.close();
      rmSync(userData, { recursive: true, force: true });
    }
  });
});
