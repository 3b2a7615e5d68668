// Runs in the `no-js` project: the organization chooser at sign-in is a plain HTML form, after a
// password sign-in and after the second step alike.
import { expect, test } from './fixtures';
import { button, expectPath, field, newAccount, signUp, submitSignIn, visit } from './helpers';
import {
  CHOOSER,
  accountInTwoOrganizations,
  choices,
  currentOrganization,
  expectChoices,
} from './organizations';
import { totp } from './totp';

test.describe('without JavaScript', () => {
  test('the organization chooser after sign-in with two organizations', async ({ page, browser }) => {
    const { account, home, other } = await accountInTwoOrganizations(browser);

    await visit(page, '/login?next=/settings/organization');
    await submitSignIn(page, account.email, account.password);
    await expectPath(page, CHOOSER);
    await expect(page).toHaveURL(/\?next=%2Fsettings%2Forganization$/);
    await expectChoices(page, { ...home, role: 'Owner' }, { ...other, role: 'Admin' });
    await choices(page).getByRole('radio', { name: other.name }).check();
    await button(page, 'Continue').click();
    await expectPath(page, '/settings/organization');
    await expect(page.getByRole('banner')).toContainText(other.name);
    expect(await currentOrganization(page)).toBe(other.id);

    // A sign-in link names the organization: no question.
    await page.context().clearCookies();
    await visit(page, `/login?org=${home.id}&next=/settings/profile`);
    await submitSignIn(page, account.email, account.password);
    await expectPath(page, '/settings/profile');
    expect(await currentOrganization(page)).toBe(home.id);
  });

  test('the second step of an account with MFA goes on to the chooser', async ({ page, browser }) => {
    const { account, home, other, secret } = await accountInTwoOrganizations(browser, { mfa: true });

    await visit(page, '/login');
    await submitSignIn(page, account.email, account.password);
    await expectPath(page, '/login/mfa');
    await field(page, 'Authentication code').fill(totp(secret!, 1));
    await button(page, 'Verify').click();
    await expectPath(page, CHOOSER);
    await expectChoices(page, { ...home, role: 'Owner' }, { ...other, role: 'Admin' });
    // The one used last is chosen already.
    await button(page, 'Continue').click();
    await expectPath(page, '/');
    expect(await currentOrganization(page)).toBe(home.id);
  });

  test('an account in one organization is not asked', async ({ page }) => {
    const account = newAccount();
    await signUp(page, account);
    await page.context().clearCookies();
    await visit(page, '/login?next=/settings/profile');
    await submitSignIn(page, account.email, account.password);
    await expectPath(page, '/settings/profile');
    // Signed out, the chooser's page signs in first, then goes on (nothing to choose).
    await page.context().clearCookies();
    await visit(page, `${CHOOSER}?next=/settings/security`);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
    await submitSignIn(page, account.email, account.password);
    await expectPath(page, '/settings/security');
  });
});
