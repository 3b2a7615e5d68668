// Runs in the `no-js` project: provider sign-in is links and redirects, and finishing a new
// account is a plain form post.
import { test, expect } from './fixtures';
import { button, expectPath, field, visit } from './helpers';

test('without JavaScript: a new person signs up through the provider', async ({ page }) => {
  const email = `oidc-nojs-${Date.now()}@example.com`;
  await visit(page, '/login');
  await page.getByRole('link', { name: 'Continue with Test ID' }).click();
  await page.getByPlaceholder('Enter any login').fill(email);
  await page.getByPlaceholder('and password').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await expectPath(page, '/signup/provider');
  await field(page, 'Organization name').fill('No Script Org');
  await button(page, 'Create account').click();
  await expectPath(page, '/');
  await expect(page.locator('.org-slot')).toContainText('No Script Org');
});
