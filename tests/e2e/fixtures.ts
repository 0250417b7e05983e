// Each scenario gets a fresh browser shell (from source, NODE_ENV=test) with a
// fresh embedded service and demo data, in its own temporary user-data folder.
import { test as base, expect, type Page } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recordToasts, scanAccessibility, scanForCodes } from './scans';

export interface Shell {
  launchUrl: string;
  origin: string;
  userDataDir: string;
}

async function launchShell(): Promise<{ shell: Shell; child: ChildProcess; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'sk-e2e-'));
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src-main/shell/main.ts', '--user-data', join(dir, 'user')],
    {
      env: { ...process.env, NODE_ENV: 'test' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    },
  );
  let output = '';
  const launchUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`browser shell did not start:\n${output}`)), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Open: (http:\/\/127\.0\.0\.1:\d+\/launch\?k=[0-9a-f]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`browser shell exited (${code}):\n${output}`)));
  });
  return { shell: { launchUrl, origin: new URL(launchUrl).origin, userDataDir: join(dir, 'user') }, child, dir };
}

export const test = base.extend<{ shell: Shell }>({
  page: async ({ page }, use) => {
    // every toast is kept for the no-codes scan, even one gone before the next screenshot
    await page.addInitScript(recordToasts);
    await use(page);
  },
  shell: async ({}, use) => {
    const { shell, child, dir } = await launchShell();
    await use(shell);
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  },
});

export { expect };

/** Test-mode hook of the shell: the answer of the captcha the page shows now. */
export async function captchaAnswer(page: Page): Promise<string> {
  // After a refused login the page asks for a new captcha while the old image still shows: the
  // hook has no answer for the used one, so it is asked again until the new one is there.
  let answer: string | undefined;
  await expect(async () => {
    answer = await captchaAnswerOnce(page);
    expect(typeof answer).toBe('string');
  }).toPass({ timeout: 15_000 });
  return answer!;
}

async function captchaAnswerOnce(page: Page): Promise<string | undefined> {
  return page.evaluate(async () => {
    const res = await fetch('/__test/captcha', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-settlekey-bridge': '1' },
      body: '{}',
    });
    return ((await res.json()) as { answer?: string }).answer;
  });
}

export async function login(page: Page, loginName: string, password: string): Promise<void> {
  const form = page.getByTestId('login-form');
  await expect(page.getByTestId('captcha-image').locator('img')).toBeVisible();
  await form.locator('input[name="loginName"]').fill(loginName);
  await form.locator('input[name="password"]').fill(password);
  await form.locator('input[name="captchaAnswer"]').fill(await captchaAnswer(page));
  await page.getByTestId('login-submit').click();
}

export const DEMO_TOKEN_PIN = '123456';

/** The USB-KEY step after password and captcha: sign-off the first time, signed login after. */
export async function passCertificate(
  page: Page,
  pin = DEMO_TOKEN_PIN,
  expected?: { holder: string; enterprise: string; issuer?: string },
): Promise<void> {
  const step = page.getByTestId('certificate-step');
  // A scenario's first login waits for the shell's demo USB-KEYs (eight SoftHSM2 keys and
  // certificates made at launch): on two busy cores that alone can take half a minute.
  await expect(step).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('certificate-details')).toBeVisible();
  // The holder's name and enterprise are shown, as the bank's records name them.
  await expect(page.getByTestId('certificate-holder')).not.toBeEmpty();
  await expect(page.getByTestId('certificate-enterprise')).not.toBeEmpty();
  if (expected) {
    await expect(page.getByTestId('certificate-holder')).toHaveText(expected.holder);
    await expect(page.getByTestId('certificate-enterprise')).toHaveText(expected.enterprise);
    if (expected.issuer) await expect(page.getByTestId('certificate-issuer')).toHaveText(expected.issuer);
  }
  const confirm = page.getByTestId('certificate-confirm');
  if (await confirm.isVisible()) await confirm.click();
  await page.getByTestId('certificate-sign').click();
  await page.getByTestId('pin-input').fill(pin);
  await page.getByTestId('sign-submit').click();
  await expect(step).toBeHidden();
}

/** Changes the forced initial password. */
export async function changePassword(page: Page, oldPassword: string, newPassword: string): Promise<void> {
  const pw = page.getByTestId('password-form');
  await pw.locator('input[name="oldPassword"]').fill(oldPassword);
  await pw.locator('input[name="newPassword"]').fill(newPassword);
  await pw.locator('input[name="confirmPassword"]').fill(newPassword);
  await page.getByTestId('password-submit').click();
}

/**
 * Full-page screenshots kept as test artifacts, named by page and language.
 * Every page screenshotted is also scanned: no internal code in its text (the
 * toasts on it included), no serious or critical accessibility violation.
 */
export async function snap(page: Page, name: string): Promise<void> {
  const dir = join('artifacts', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await scanForCodes(page, name);
  // the login page's captcha arrives first: the picture and the scans see the page settled, not
  // its login button turning from disabled to enabled halfway through the contrast check
  if (await page.getByTestId('login-form').isVisible())
    await page
      .getByTestId('captcha-image')
      .locator('img')
      .waitFor({ state: 'visible', timeout: 10_000 })
      .catch(() => undefined);
  // let transitions settle and earlier toasts fade, so each picture shows its own page
  await page
    .locator('.el-message')
    .first()
    .waitFor({ state: 'detached', timeout: 5000 })
    .catch(() => undefined);
  await page.waitForTimeout(250);
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
  await scanForCodes(page, name);
  await scanAccessibility(page, name);
}

export const NEW_PASSWORD = 'Settle2026';

/**
 * Logs a demo user in. The first time (each scenario starts from a fresh
 * service) that is, in the manual's order, the forced password change and then
 * the certificate sign-off.
 */
export async function enter(page: Page, loginName: string, first: boolean): Promise<void> {
  await login(page, loginName, first ? 'Demo1234' : NEW_PASSWORD);
  if (first) await changePassword(page, 'Demo1234', NEW_PASSWORD);
  await passCertificate(page);
  await expect(page.getByTestId('home')).toBeVisible();
}

export async function logout(page: Page): Promise<void> {
  await page.getByTestId('user-menu-trigger').click();
  await page.getByTestId('logout').click();
  await page.locator('.el-message-box__btns .el-button--primary').click();
  await expect(page.getByTestId('login-form')).toBeVisible();
}

/**
 * Client-side navigation (hash router): the session in the main process stays.
 * The page already open is left and entered again, so a wizard starts afresh.
 */
export async function go(page: Page, path: string): Promise<void> {
  await page.evaluate(async (p) => {
    if (location.hash === `#${p}`) {
      location.hash = '#/';
      await new Promise((r) => setTimeout(r, 50));
    }
    location.hash = `#${p}`;
  }, path);
}

/** Types the PIN in the open sign dialog and waits until it has signed. */
export async function signWithToken(page: Page, pin = DEMO_TOKEN_PIN): Promise<void> {
  const dialog = page.getByTestId('sign-dialog');
  await expect(dialog).toBeVisible();
  await page.getByTestId('pin-input').fill(pin);
  await page.getByTestId('sign-submit').click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
}

export async function setLanguage(page: Page, language: 'zh-CN' | 'en'): Promise<void> {
  // dispatched, not clicked: an open drawer's overlay covers the header
  await page
    .getByTestId('language-switch')
    .getByText(language === 'en' ? 'English' : '中文')
    .dispatchEvent('click');
  await expect(page.locator('html')).toHaveAttribute('lang', language);
}

/** The same page in both languages, then back to Chinese. */
export async function snapBoth(page: Page, name: string): Promise<void> {
  await snap(page, `${name}.zh-CN`);
  await setLanguage(page, 'en');
  await snap(page, `${name}.en`);
  await setLanguage(page, 'zh-CN');
}

/** Test-mode hook of the shell: moves the service's clock on. */
export async function advanceClock(page: Page, seconds: number): Promise<{ now: string; today: string }> {
  return page.evaluate(async (advanceSeconds) => {
    const res = await fetch('/__test/clock', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-settlekey-bridge': '1' },
      body: JSON.stringify({ advanceSeconds }),
    });
    return (await res.json()) as { now: string; today: string };
  }, seconds);
}
