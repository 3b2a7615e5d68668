import { expect, test } from './fixtures';
import {
  checkA11y,
  expectFieldError,
  expectPath,
  field,
  fillSignUp,
  newAccount,
  sameOriginHeaders,
  signUp,
  visit,
} from './helpers';

test.describe('sign-up', () => {
  test('a new account lands in its new organization as its owner', async ({ page }) => {
    const account = newAccount();
    await signUp(page, account);

    await expect(page.getByRole('banner')).toContainText(account.organization);
    await expect(
      page.getByRole('heading', { level: 1, name: `Welcome, ${account.name}`, exact: true }),
    ).toBeVisible();
    await expect(page.getByText('Your role: Owner')).toBeVisible();

    // The API agrees with the page.
    const response = await page.request.post('/api/current_user', { headers: sameOriginHeaders() });
    expect(response.status()).toBe(200);
    expect(await response.json()).toMatchObject({
      user: { name: account.name, email: account.email, mfa_enabled: false },
      organization: { name: account.organization, role: 'owner' },
    });

    await checkA11y(page);
  });

  test('an email that already has an account is refused with a way to sign in', async ({ page }) => {
    const existing = newAccount();
    await signUp(page, existing);
    await page.context().clearCookies();

    await visit(page, '/signup');
    await fillSignUp(page, newAccount({ email: existing.email }));

    await expect(
      page.getByText('An account with this email already exists. Sign in instead.').first(),
    ).toBeVisible();
    await expectPath(page, '/signup');
  });

  test('a weak password names every rule it fails', async ({ page }) => {
    await visit(page, '/signup');
    await fillSignUp(page, newAccount({ password: 'abc' }));

    const password = field(page, 'Password');
    for (const message of [
      'Use at least 8 characters',
      'Add an upper-case letter',
      'Add a digit',
      'Add a special character such as ! # % or ?',
    ]) {
      await expectFieldError(password, message);
    }
    // "abc" has lower-case letters, so that rule is not named.
    await expect(page.getByText('Add a lower-case letter')).toHaveCount(0);
    await expectPath(page, '/signup');
    await checkA11y(page);
  });

  test('a common password is refused even when it meets the other rules', async ({ page }) => {
    await visit(page, '/signup');
    await fillSignUp(page, newAccount({ password: 'Password1!' }));

    await expectFieldError(
      field(page, 'Password'),
      'This password is too common: choose one that is harder to guess',
    );
    await expectPath(page, '/signup');
  });

  test('the sign-up page passes the accessibility checks', async ({ page }) => {
    await visit(page, '/signup');
    await expect(
      page.getByRole('heading', { name: 'Create your account', exact: true }),
    ).toBeVisible();
    await expect(page.getByRole('link', { name: 'Sign in', exact: true })).toHaveAttribute(
      'href',
      /\/login$/,
    );
    await checkA11y(page);
  });
});
