import { test, expect } from './fixtures';
import {
  apiPost,
  button,
  expectPath,
  field,
  newAccount,
  signUp,
  statusWith,
  submitSignIn,
  visit,
} from './helpers';
import { enrollByApi, totp } from './totp';

test('without JavaScript: the password leads to the code step, and a code or a backup code signs in', async ({ page }) => {
  const account = newAccount();
  await signUp(page, account);
  const { secret, codes } = await enrollByApi(page.request);
  expect((await apiPost(page.request, 'sign_out')).status()).toBe(200);

  await visit(page, '/login?next=/settings/security');
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, '/login/mfa');
  await field(page, 'Authentication code').fill(totp(secret, 1));
  await button(page, 'Verify').click();
  await expectPath(page, '/settings/security');
  await expect(page.getByText('10 of 10 backup codes left.')).toBeVisible();

  expect((await apiPost(page.request, 'sign_out')).status()).toBe(200);
  await visit(page, '/login');
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, '/login/mfa');
  await page.getByRole('link', { name: 'Use a backup code' }).click();
  await field(page, 'Backup code').fill(codes[4]);
  await button(page, 'Verify').click();
  await expectPath(page, '/');
});

test('without JavaScript: an Owner saves the security policy', async ({ page }) => {
  await signUp(page, newAccount());
  await visit(page, '/settings/security');
  const policy = page.getByRole('region', { name: 'Security policy' });
  await policy.getByLabel('Require MFA').check();
  await policy.getByLabel('Owners', { exact: true }).uncheck();
  await policy.getByLabel('Members', { exact: true }).uncheck();
  await policy.getByLabel('Auditors', { exact: true }).uncheck();
  await field(policy, 'Grace period (days)').fill('5');
  await button(policy, 'Save Policy').click();
  await expectPath(page, '/settings/security');
  await expect(statusWith(page, 'Security policy saved.')).toBeVisible();
  await expect(page.getByRole('region', { name: 'Security policy' })).toContainText(
    'requires MFA for Admins, with a grace period of 5 days.',
  );
  await expect(page.getByRole('region', { name: 'Security policy' }).getByLabel('Admins', { exact: true })).toBeChecked();
  await expect(page.getByRole('region', { name: 'Security policy' }).getByLabel('Owners', { exact: true })).not.toBeChecked();
});
