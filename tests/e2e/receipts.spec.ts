// The bank-signed receipt (回单) as a clerk and a stranger holding it see it: a
// transaction's receipt carries the bank's signature, a QR code holding the signed
// content and a verification code; the receipt file downloads; on the public
// 回单验证 page a receipt with one changed figure fails and names it, and the code
// finds the receipt with its account numbers masked.
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import { enter, expect, go, logout, snapBoth, test } from './fixtures';

test.describe.configure({ timeout: 240_000 });

const TXN_DETAIL = '/query/account/transactions';

test('a transaction’s receipt is signed by the bank; a changed figure is named on 回单验证, and the code finds it masked', async ({
  page,
  shell,
}) => {
  await page.goto(shell.launchUrl);
  // demo.operator's enterprise (演示科技): its settlement account's opening credit is a transaction
  await enter(page, 'demo.operator', true);
  await go(page, TXN_DETAIL);
  const txns = page.getByTestId('transaction-table');
  await txns.locator('[data-testid^="detail-"]').first().click();
  const result = page.getByTestId('transaction-detail');
  const amountText = (await result.getByTestId('receipt-amount').textContent())!.trim();
  const fen = amountText.replace(/[¥,.]/g, '');

  // the bank's signature: a verification code of 20 base32 characters (100 bits) and the QR code
  const signature = result.getByTestId('receipt-signature');
  await expect(signature).toBeVisible();
  const code = (await signature.getByTestId('receipt-code').textContent())!.trim();
  expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){4}$/);
  await snapBoth(page, 'receipt-signed');

  // the QR code, read back from the screen, holds the signed content: the amount in fen and the code
  const png = PNG.sync.read(await signature.getByTestId('receipt-qr').screenshot());
  const qr = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
  expect(qr, 'the QR code reads').not.toBeNull();
  const content = JSON.parse(qr!.data) as { c: string; f: [string, string][]; g: string };
  expect(content.c).toBe(code);
  expect(content.f).toContainEqual(['amount', fen]);
  expect(content.g.length).toBeGreaterThan(300);

  // the receipt file, and the same with one figure changed
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    signature.getByTestId('receipt-download').click(),
  ]);
  const file = JSON.parse(readFileSync(await download.path(), 'utf8')) as { lines: { key: string; value: string }[] };
  expect(file.lines).toContainEqual({ key: 'amount', value: fen });
  const dir = mkdtempSync(join(tmpdir(), 'sk-receipt-e2e-'));
  const genuine = join(dir, 'genuine.json');
  const tampered = join(dir, 'tampered.json');
  writeFileSync(genuine, JSON.stringify(file));
  writeFileSync(
    tampered,
    JSON.stringify({ ...file, lines: file.lines.map((l) => (l.key === 'amount' ? { ...l, value: `9${fen}` } : l)) }),
  );

  // 回单验证 needs no login
  await result.locator('.el-dialog__headerbtn').click();
  await logout(page);
  await page.getByTestId('go-verify-receipt').click();
  const verify = page.getByTestId('receipt-verify');
  await expect(verify).toBeVisible();
  await verify.getByTestId('verify-by-file').click();
  await verify.getByTestId('receipt-file').locator('input[type="file"]').setInputFiles(tampered);
  const verdict = verify.getByTestId('receipt-verdict');
  await expect(verdict).toHaveAttribute('data-valid', 'false');
  await expect(verdict).toContainText('以下内容与银行签发的不一致：金额');
  await expect(verify.getByTestId('line-amount')).toHaveAttribute('data-status', 'changed');
  await expect(verify.getByTestId('receipt-lines')).toContainText(amountText.replace('¥', '¥9'));
  await snapBoth(page, 'receipt-verify-tampered');

  await verify.getByTestId('receipt-file').locator('input[type="file"]').setInputFiles(genuine);
  await expect(verdict).toHaveAttribute('data-valid', 'true');
  await expect(verdict).toContainText('回单真实有效');
  await expect(verify.getByTestId('line-amount')).toHaveAttribute('data-status', 'ok');

  // by code, typed as a person would (lower case, spaces): the account numbers come masked
  await verify.getByTestId('verify-by-code').click();
  await verify.getByTestId('receipt-code-input').fill(code.toLowerCase().replace(/-/g, ' '));
  await verify.getByTestId('receipt-verify-submit').click();
  await expect(verdict).toHaveAttribute('data-valid', 'true');
  await expect(verify.getByTestId('line-account')).toHaveAttribute('data-status', 'masked');
  await expect(verify.getByTestId('receipt-lines')).toContainText('1101******0011');
  await expect(verify.getByTestId('receipt-lines')).not.toContainText('11014550000011');
  await expect(verify.getByTestId('receipt-lines')).toContainText(amountText);
  await snapBoth(page, 'receipt-verify-code');

  // a code that is not one gets a reason, not a lookup
  await verify.getByTestId('receipt-code-input').fill('1234');
  await verify.getByTestId('receipt-verify-submit').click();
  await expect(verify.getByTestId('receipt-verify-error')).toContainText('20 位');
});
