import { expect, test, type Page } from './fixtures';
import {
  INVALID_CREDENTIALS,
  NEW_PASSWORD,
  alertWith,
  apiSignIn,
  button,
  checkA11y,
  expectFieldError,
  expectPath,
  field,
  newAccount,
  openAccountMenu,
  signIn,
  signOut,
  signUp,
  statusWith,
  submitSignIn,
  visit,
  waitForHydration,
} from './helpers';

function welcome(page: Page, name: string) {
  return page.getByRole('heading', { level: 1, name: `Welcome, ${name}`, exact: true });
}

async function changePassword(page: Page, current: string, next: string): Promise<void> {
  await field(page, 'Current password').fill(current);
  await field(page, 'New password').fill(next);
  await button(page, 'Change password').click();
}

test.describe('profile', () => {
  test('a saved name survives a reload and shows on the home page', async ({ page }) => {
    const account = newAccount();
    await signUp(page, account);

    const menu = await openAccountMenu(page);
    await menu.getByRole('link', { name: 'Profile', exact: true }).click();
    await expectPath(page, '/settings/profile');
    await expect(page.getByRole('heading', { level: 1, name: 'Profile', exact: true })).toBeVisible();
    await expect(
      page
        .getByRole('navigation', { name: 'Settings', exact: true })
        .getByRole('link', { name: 'Profile', exact: true }),
    ).toBeVisible();

    await expect(field(page, 'Name')).toHaveValue(account.name);
    const newName = `Grace ${Date.now()}`;
    await field(page, 'Name').fill(newName);
    await button(page, 'Save changes').click();
    await expect(statusWith(page, 'Profile saved')).toBeVisible();

    await page.reload();
    await waitForHydration(page);
    await expect(field(page, 'Name')).toHaveValue(newName);

    await visit(page, '/');
    await expect(welcome(page, newName)).toBeVisible();
  });

  test('changing the password signs out other sessions and retires the old password', async ({
    page,
    browser,
  }) => {
    const account = newAccount();
    await signUp(page, account);

    // A second browser, signed in before the change.
    const otherContext = await browser.newContext();
    try {
      const otherPage = await otherContext.newPage();
      await signIn(otherPage, account.email, account.password);
      await expect(welcome(otherPage, account.name)).toBeVisible();

      await visit(page, '/settings/profile');
      await changePassword(page, account.password, NEW_PASSWORD);
      await expect(
        statusWith(page, 'Password changed. Other sessions were signed out.'),
      ).toBeVisible();

      await otherPage.goto('/');
      await expectPath(otherPage, '/login');
    } finally {
      await otherContext.close();
    }

    // The session that made the change stays signed in.
    await visit(page, '/');
    await expect(welcome(page, account.name)).toBeVisible();

    await signOut(page);
    await submitSignIn(page, account.email, account.password);
    await expect(alertWith(page, INVALID_CREDENTIALS)).toBeVisible();
    await expectPath(page, '/login');

    await submitSignIn(page, account.email, NEW_PASSWORD);
    await expectPath(page, '/');
    await expect(welcome(page, account.name)).toBeVisible();
  });

  test('a wrong current password is refused on its field and changes nothing', async ({
    page,
    request,
  }) => {
    const account = newAccount();
    await signUp(page, account);
    await visit(page, '/settings/profile');

    await changePassword(page, 'Not-The-Password-9!', NEW_PASSWORD);

    await expectFieldError(field(page, 'Current password'), 'Current password is incorrect');
    await expect(statusWith(page, 'Password changed')).toHaveCount(0);
    expect((await apiSignIn(request, account.email, account.password)).status()).toBe(200);
    expect((await apiSignIn(request, account.email, NEW_PASSWORD)).status()).toBe(401);
  });

  test('the profile page passes the accessibility checks', async ({ page }) => {
    await signUp(page, newAccount());
    await visit(page, '/settings/profile');
    await expect(page.getByRole('heading', { level: 1, name: 'Profile', exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Profile details', exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Change password', exact: true })).toBeVisible();
    await checkA11y(page);
  });
});
