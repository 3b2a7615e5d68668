// Runs in the `no-js` project only: pages load with JavaScript disabled, so every form is a plain
// HTML form post and nothing hydrates.
import { expect, test } from './fixtures';
import {
  INVALID_CREDENTIALS,
  alertWith,
  expectPath,
  newAccount,
  signOut,
  signUp,
  submitSignIn,
  visit,
} from './helpers';

test.describe('without JavaScript', () => {
  test('sign-up works', async ({ page }) => {
    const account = newAccount();
    await signUp(page, account);

    await expect(page.locator('body')).not.toHaveAttribute('data-hydrated');
    await expect(page.getByRole('banner')).toContainText(account.organization);
    await expect(
      page.getByRole('heading', { level: 1, name: `Welcome, ${account.name}`, exact: true }),
    ).toBeVisible();
    await expect(page.getByText('Your role: Owner')).toBeVisible();
  });

  test('signing out and in again lands on the home page', async ({ page }) => {
    const account = newAccount();
    await signUp(page, account);

    await signOut(page);
    await submitSignIn(page, account.email, account.password);

    await expectPath(page, '/');
    await expect(
      page.getByRole('heading', { level: 1, name: `Welcome, ${account.name}`, exact: true }),
    ).toBeVisible();
  });

  test('a wrong password shows the error on the sign-in page', async ({ page }) => {
    const account = newAccount();
    await signUp(page, account);
    await page.context().clearCookies();

    await visit(page, '/login');
    await submitSignIn(page, account.email, 'Wrong-Password-1!');

    await expectPath(page, '/login');
    await expect(alertWith(page, INVALID_CREDENTIALS)).toBeVisible();
  });

  test('another session can be revoked and a profile saved with plain form posts', async ({
    page,
    browser,
  }) => {
    const account = newAccount();
    await signUp(page, account);
    const other = await browser.newContext({ javaScriptEnabled: false });
    const otherPage = await other.newPage();
    await visit(otherPage, '/login');
    await submitSignIn(otherPage, account.email, account.password);
    await expectPath(otherPage, '/');

    await visit(page, '/settings/profile');
    const rows = page.locator('ul.session-list > li.session');
    await expect(rows).toHaveCount(2);
    const otherRow = rows.filter({ hasNotText: 'This device' });
    await otherRow.getByRole('button', { name: /^Revoke / }).click();

    await expectPath(page, '/settings/profile');
    await expect(page.getByRole('status').filter({ hasText: 'Session revoked' })).toBeVisible();
    await expect(rows).toHaveCount(1);
    await expect(rows.first()).toContainText('This device');

    await page.getByLabel('Name', { exact: true }).fill('Renamed Without Script');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Profile saved' })).toBeVisible();
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('Renamed Without Script');

    await visit(otherPage, '/settings/profile');
    await expect(otherPage).toHaveURL(/\/login\?signed_out=revoked$/);
    await expect(otherPage.getByText('You were signed out from another device.')).toBeVisible();
    await other.close();
  });
});
