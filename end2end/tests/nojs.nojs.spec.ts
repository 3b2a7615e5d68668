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
});
