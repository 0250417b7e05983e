// Menu assignment (客户服务 → 企业内部维护): dual-admin with review, single-admin without.
import type { Page } from '@playwright/test';
import { enter, expect, go, logout, signWithToken, snapBoth, test } from './fixtures';

test.describe.configure({ timeout: 300_000 });

const OPERATORS = '/service/internal/operators';
const INTERNAL_REVIEW = '/service/internal/review';

function treeNode(page: Page, label: string) {
  return page
    .getByTestId('permission-tree')
    .locator('.el-tree-node__content')
    .filter({ has: page.locator('.el-tree-node__label', { hasText: new RegExp(`^${label}$`) }) });
}

async function openEdit(page: Page, loginName: string) {
  await go(page, OPERATORS);
  await page.getByTestId(`edit-${loginName}`).click();
  await expect(page.getByTestId('permission-tree')).toBeVisible();
}

async function submitMenus(page: Page, loginName: string, tick: string[]) {
  await openEdit(page, loginName);
  return tickAndSubmit(page, tick);
}

async function tickAndSubmit(page: Page, tick: string[]) {
  for (const label of tick) await treeNode(page, label).locator('.el-checkbox').click();
  await page.getByTestId('submit-menus').click();
  await signWithToken(page);
  return page.getByTestId('instruction-result');
}

async function openMenuChange(page: Page, shots?: string) {
  await go(page, INTERNAL_REVIEW);
  await expect(page.getByTestId('count-menu')).toContainText('1');
  if (shots) await snapBoth(page, shots);
  await page.getByTestId('review-table').locator('[data-testid^="open-"]').first().click();
  const drawer = page.getByTestId('review-detail');
  await expect(drawer.getByTestId('maker-signature')).toHaveText('签名验证通过');
  return drawer;
}

test('administrator A assigns deposit and withdraw; B rejects with a reason, then approves; the operator sees them next login', async ({
  page,
  shell,
}) => {
  await page.goto(shell.launchUrl);
  await enter(page, 'demo.admin1', true);
  await go(page, OPERATORS);
  const users = page.getByTestId('user-table');
  await expect(users).toContainText('demo.operator');
  await expect(users).toContainText('demo.admin2');
  await snapBoth(page, 'operators');

  let result = await submitMenus(page, 'demo.operator', ['入金', '出金']);
  await expect(result).toHaveAttribute('data-state', 'pending');
  await expect(result).toContainText('提交成功，等待复核');
  await snapBoth(page, 'operators-submitted');
  // the maker cannot review their own change: the queue hides it, and the service refuses it
  await go(page, INTERNAL_REVIEW);
  await expect(page.getByTestId('count-menu')).toContainText('0');
  await logout(page);

  await enter(page, 'demo.admin2', true);
  let drawer = await openMenuChange(page, 'internal-review');
  const change = drawer.getByTestId('menu-change');
  await expect(change).toContainText('入金');
  await expect(change).toContainText('出金');
  await snapBoth(page, 'internal-review-detail');
  await drawer.getByTestId('reject').click();
  // a rejection needs a reason
  await drawer.getByTestId('reject-confirm').click();
  await expect(page.locator('.el-message')).toContainText('拒绝原因');
  await drawer.getByTestId('reject-reason').fill('出金权限须经财务总监书面同意');
  await drawer.getByTestId('reject-confirm').click();
  await signWithToken(page);
  await expect(drawer.getByTestId('instruction-result')).toHaveAttribute('data-state', 'rejected');
  await expect(drawer.getByTestId('receipt')).toContainText('出金权限须经财务总监书面同意');
  await drawer.getByTestId('result-home').click();
  await expect(drawer).toBeHidden();
  await logout(page);

  // the rejected change left the operator as they were
  await enter(page, 'demo.operator', true);
  await expect(page.locator('[data-menu="deposit"]')).toHaveCount(0);
  await logout(page);

  await enter(page, 'demo.admin1', false);
  result = await submitMenus(page, 'demo.operator', ['入金', '出金']);
  await expect(result).toHaveAttribute('data-state', 'pending');
  await logout(page);

  await enter(page, 'demo.admin2', false);
  drawer = await openMenuChange(page);
  await drawer.getByTestId('approve').click();
  await signWithToken(page);
  await expect(drawer.getByTestId('instruction-result')).toHaveAttribute('data-state', 'executed');
  await snapBoth(page, 'internal-review-result');
  await drawer.getByTestId('result-home').click();
  await logout(page);

  await enter(page, 'demo.operator', false);
  await expect(page.locator('[data-menu="deposit"]')).toHaveCount(1);
  await expect(page.locator('[data-menu="withdraw"]')).toHaveCount(1);
  await go(page, '/payment/settlement/deposit');
  await expect(page.getByTestId('money-deposit')).toBeVisible();
});

test('the single-admin enterprise changes a menu without a review step', async ({ page, shell }) => {
  await page.goto(shell.launchUrl);
  await enter(page, 'trade.admin', true);
  // no internal review page in single-admin mode
  await expect(page.locator('[data-menu="internalReview"]')).toHaveCount(0);
  await openEdit(page, 'trade.reviewer');
  await expect(page.getByTestId('operator-edit')).toContainText('立即生效');
  await snapBoth(page, 'operators-edit-single');
  const result = await tickAndSubmit(page, ['交易明细查询']);
  await expect(result).toHaveAttribute('data-state', 'executed');
  await page.getByTestId('result-home').click();
  await expect(page.getByTestId('user-table').locator('tr', { hasText: 'trade.reviewer' })).not.toContainText(
    '交易明细查询',
  );
  await logout(page);
  await enter(page, 'trade.reviewer', true);
  await expect(page.locator('[data-menu="txnDetail"]')).toHaveCount(0);
});
