// Runs in the `no-js` project: "Sign in with SSO" is a link, then a plain form post that the
// server answers with a redirect (to the identity provider, or back with an explanation).
import { test, expect } from './fixtures';
import { button, expectPath, field, visit } from './helpers';

test('without JavaScript: "Sign in with SSO" asks for the work email and explains an unknown domain', async ({ page }) => {
  await visit(page, '/login');
  await page.getByRole('link', { name: 'Sign in with SSO' }).click();
  await field(page, 'Work email').fill(`someone@nowhere-${Date.now()}.example`);
  await button(page, 'Continue with SSO').click();
  await expectPath(page, '/login');
  expect(new URL(page.url()).searchParams.get('sso')).toBe('none');
  await expect(
    page.getByRole('status').filter({ hasText: "Single sign-on is not set up for that email's domain." }),
  ).toBeVisible();
});
