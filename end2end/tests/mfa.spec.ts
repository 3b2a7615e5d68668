import { test, expect, type Page } from './fixtures';
import {
  apiPost,
  apiSignIn,
  button,
  checkA11y,
  expectFieldError,
  expectPath,
  field,
  newAccount,
  signOut,
  signUp,
  statusWith,
  submitSignIn,
  visit,
  waitForHydration,
  TOO_MANY_ATTEMPTS,
  type Account,
} from './helpers';
import { enrollByApi, readQr, secretOf, totp, wrongCode } from './totp';

const SECURITY = '/settings/security';

/** Signs in with the password and lands on the second step. */
async function passwordStep(page: Page, account: Account): Promise<void> {
  await visit(page, '/login');
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, '/login/mfa');
  await waitForHydration(page);
}

async function enterCode(page: Page, label: string, code: string): Promise<void> {
  await field(page, label).fill(code);
  await button(page, 'Verify').click();
}

test('enabling MFA: scan the QR code, confirm a code, save backup codes, activate; sign-in then asks for a code once', async ({ page }) => {
  const account = newAccount();
  await signUp(page, account);
  await visit(page, SECURITY);
  await expect(page.getByRole('heading', { name: 'Multi-factor authentication' })).toBeVisible();
  await checkA11y(page);
  await button(page, 'Enable MFA').click();

  // The QR code, decoded from its pixels, carries the standard otpauth URI.
  const qr = page.getByRole('img', { name: 'QR code for setting up your authenticator app' });
  await expect(qr).toBeVisible();
  const uri = await readQr(qr);
  expect(uri).toMatch(/^otpauth:\/\/totp\/Gatehouse:/);
  expect(decodeURIComponent(uri)).toContain(account.email);
  expect(new URL(uri).searchParams.get('issuer')).toBe('Gatehouse');
  const secret = secretOf(uri);
  // The key for typing in is the same secret, grouped by four.
  await expect(page.locator('.setup-key')).toHaveText(secret.replace(/(.{4})(?!$)/g, '$1 '));
  await checkA11y(page);

  await field(page, 'Enter the 6-digit code').fill(wrongCode(secret));
  await button(page, 'Verify code').click();
  await expectFieldError(field(page, 'Enter the 6-digit code'), 'That code is not valid');
  await field(page, 'Enter the 6-digit code').fill(totp(secret));
  await button(page, 'Verify code').click();

  const codes = page.getByRole('list', { name: 'Backup codes' }).getByRole('listitem');
  await expect(codes).toHaveCount(10);
  const backup = await codes.allInnerTexts();
  const download = page.getByRole('link', { name: 'Download .txt' });
  await expect(download).toHaveAttribute('download', 'gatehouse-backup-codes.txt');
  expect(decodeURIComponent((await download.getAttribute('href')) ?? '')).toContain(backup[9]);
  await checkA11y(page);
  // Nothing is on before "Activate MFA", which waits for the checkbox.
  expect((await apiPost(page.request, 'current_user').then((r) => r.json())).user.mfa_enabled).toBe(false);
  await expect(button(page, 'Activate MFA')).toBeDisabled();
  await page.getByLabel('I have saved my backup codes').check();
  await button(page, 'Activate MFA').click();
  const panel = page.getByRole('region', { name: 'Multi-factor authentication' });
  await expect(panel.locator('.status')).toHaveText('On');
  await expect(page.getByText('10 of 10 backup codes left.')).toBeVisible();

  // Sign-in now stops after the password until a code from the app is entered.
  await signOut(page);
  await passwordStep(page, account);
  await checkA11y(page);
  const code = totp(secret, 1);
  await enterCode(page, 'Authentication code', code);
  await expectPath(page, '/');

  // The same code cannot be used twice; a replay is answered like any wrong code.
  await signOut(page);
  await passwordStep(page, account);
  await enterCode(page, 'Authentication code', code);
  await expectFieldError(field(page, 'Authentication code'), 'That code is not valid');
});

test('a backup code signs in once; regenerating retires the old set; few codes left warn', async ({ page }) => {
  test.slow(); // a dozen sign-ins
  const account = newAccount();
  await signUp(page, account);
  const { codes } = await enrollByApi(page.request);
  await signOut(page);

  await passwordStep(page, account);
  await page.getByRole('link', { name: 'Use a backup code' }).click();
  await enterCode(page, 'Backup code', codes[0].toUpperCase());
  await expectPath(page, '/');

  await signOut(page);
  await passwordStep(page, account);
  await page.getByRole('link', { name: 'Use a backup code' }).click();
  await enterCode(page, 'Backup code', codes[0]);
  await expectFieldError(field(page, 'Backup code'), 'That code is not valid');
  await enterCode(page, 'Backup code', codes[1]);
  await expectPath(page, '/');

  // New codes need a code; the old set stops working.
  await visit(page, SECURITY);
  await expect(page.getByText('8 of 10 backup codes left.')).toBeVisible();
  await button(page, 'Regenerate backup codes').click();
  const dialog = page.getByRole('dialog', { name: 'Regenerate backup codes' });
  await field(dialog, 'Code').fill(codes[2]);
  await button(dialog, 'Regenerate').click();
  const listed = dialog.getByRole('list', { name: 'Backup codes' }).getByRole('listitem');
  await expect(listed).toHaveCount(10);
  const fresh = await listed.allInnerTexts();
  expect(fresh.filter((c) => codes.includes(c))).toEqual([]);
  await checkA11y(page);
  await button(dialog, 'Close').click();
  await expect(page.getByText('10 of 10 backup codes left.')).toBeVisible();

  await signOut(page);
  await passwordStep(page, account);
  await page.getByRole('link', { name: 'Use a backup code' }).click();
  await enterCode(page, 'Backup code', codes[3]);
  await expectFieldError(field(page, 'Backup code'), 'That code is not valid');

  // Down to three: signing in with a backup code warns on every page until new ones are made.
  for (const code of fresh.slice(0, 6)) {
    expect((await apiSignIn(page.request, account.email, account.password)).status()).toBe(401);
    expect((await apiPost(page.request, 'verify_mfa', { code })).status()).toBe(200);
  }
  expect((await apiPost(page.request, 'sign_out')).status()).toBe(200);
  await passwordStep(page, account);
  await page.getByRole('link', { name: 'Use a backup code' }).click();
  await enterCode(page, 'Backup code', fresh[6]);
  await expectPath(page, '/');
  await expect(statusWith(page, 'Only 3 backup codes left.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Regenerate backup codes' })).toBeVisible();
});

test('disabling MFA needs a current code; sign-in then needs only the password', async ({ page }) => {
  const account = newAccount();
  await signUp(page, account);
  const { secret } = await enrollByApi(page.request);
  await visit(page, SECURITY);
  await button(page, 'Disable MFA').click();
  const dialog = page.getByRole('dialog', { name: 'Disable MFA' });
  await checkA11y(page);
  await field(dialog, 'Code').fill(wrongCode(secret));
  await button(dialog, 'Disable MFA').click();
  await expect(dialog.getByText('That code is not valid').first()).toBeVisible();
  await field(dialog, 'Code').fill(totp(secret, 1));
  await button(dialog, 'Disable MFA').click();
  await expect(dialog).toBeHidden();
  await expect(button(page, 'Enable MFA')).toBeVisible();

  await signOut(page);
  await visit(page, '/login');
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, '/');
});

test('wrong codes are limited: after five, even the right code waits', async ({ request }) => {
  const account = newAccount();
  const signedUp = await apiPost(request, 'sign_up', {
    name: account.name,
    email: account.email,
    password: account.password,
    organization: account.organization,
  });
  expect(signedUp.status()).toBe(200);
  const { secret } = await enrollByApi(request);
  expect((await apiPost(request, 'sign_out')).status()).toBe(200);
  const step = await apiSignIn(request, account.email, account.password);
  expect(step.status()).toBe(401);
  expect((await step.json()).code).toBe('mfa_required');
  for (let i = 0; i < 5; i++) {
    const wrong = await apiPost(request, 'verify_mfa', { code: wrongCode(secret) });
    expect(wrong.status()).toBe(422);
  }
  const limited = await apiPost(request, 'verify_mfa', { code: totp(secret, 1) });
  expect(limited.status()).toBe(429);
  expect((await limited.json()).message).toContain(TOO_MANY_ATTEMPTS);
  // Nothing was signed in along the way.
  expect((await apiPost(request, 'current_user')).status()).toBe(401);
});

test('the second step expires: an old pending sign-in asks to start again', async ({ page }) => {
  await visit(page, '/login/mfa');
  await expect(statusWith(page, 'This sign-in has expired.')).toBeVisible();
  await expect(page.getByRole('link', { name: 'Sign in again' })).toHaveAttribute('href', '/login');
  await checkA11y(page);
});
