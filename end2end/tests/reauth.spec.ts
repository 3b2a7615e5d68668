// Sensitive changes need recent proof: more than ten minutes after signing in, the security
// policy (and enabling MFA) asks for the password or a current code in the same form.
import { test, expect, type Page } from './fixtures';
import { alertWith, apiPost, button, checkA11y, field, newAccount, signUp, visit, waitForHydration } from './helpers';
import { sql } from './members';

const SECURITY = '/settings/security';
const PROOF = 'Password or authentication code';

/** Makes the page's session look signed in an hour ago, and drops its cached copy. */
async function signedInAnHourAgo(page: Page, email: string): Promise<void> {
  sql(
    'UPDATE sessions SET created_at = created_at - 3600000, proven_at = NULL ' +
      'WHERE user_id = (SELECT id FROM users WHERE email = ?)',
    email,
  );
  // A profile change drops the account's cached sessions on every instance.
  const renamed = await apiPost(page.request, 'update_profile', { name: 'Olive Owner' });
  expect(renamed.status()).toBe(200);
}

test('an hour after signing in, the security policy asks for the password in its own form', async ({ page }) => {
  const owner = newAccount();
  await signUp(page, owner);
  await visit(page, SECURITY);
  const region = page.getByRole('region', { name: 'Security policy' });
  const policy = region.locator('form').filter({ has: page.getByRole('button', { name: 'Save Policy' }) });
  // Just signed in: nothing extra to type.
  await expect(region.getByLabel(PROOF)).toHaveCount(0);

  await signedInAnHourAgo(page, owner.email);
  await visit(page, SECURITY);
  await waitForHydration(page);
  await expect(policy.getByLabel(PROOF)).toBeVisible();
  await expect(policy.getByLabel(PROOF)).toHaveAttribute('type', 'password');
  await checkA11y(page);

  // The API without proof says what it needs.
  const bare = await apiPost(page.request, 'update_security_policy', { require_mfa: 'true', 'roles[0]': 'member', grace_days: '3' });
  expect(bare.status()).toBe(403);
  expect((await bare.json()).code).toBe('reauthentication_required');

  await policy.getByLabel('Require MFA').check();
  await policy.getByLabel('Owners', { exact: true }).uncheck();
  await policy.getByLabel('Admins', { exact: true }).uncheck();
  await policy.getByLabel('Members', { exact: true }).check();
  await policy.getByLabel('Auditors', { exact: true }).uncheck();
  await field(policy, 'Grace period (days)').fill('3');
  await policy.getByLabel(PROOF).fill('Not-The-Password-1');
  await button(policy, 'Save Policy').click();
  await expect(policy.getByText('That password or code is not right.')).toBeVisible();

  await policy.getByLabel(PROOF).fill(owner.password);
  await button(policy, 'Save Policy').click();
  await expect(region).toContainText('requires MFA for Members');
  await expect(alertWith(page, 'not right')).toHaveCount(0);
});

test('Enable MFA asks for the password once the sign-in is old', async ({ page }) => {
  const owner = newAccount();
  await signUp(page, owner);
  await signedInAnHourAgo(page, owner.email);
  await visit(page, SECURITY);
  await waitForHydration(page);
  const enable = page.locator('form').filter({ has: page.getByRole('button', { name: 'Enable MFA' }) });
  await enable.getByLabel(PROOF).fill(owner.password);
  await button(enable, 'Enable MFA').click();
  await expect(page.getByLabel('Enter the 6-digit code')).toBeVisible();
});
