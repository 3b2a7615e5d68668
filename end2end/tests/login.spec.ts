import { expect, test, type Page } from './fixtures';
import {
  INVALID_CREDENTIALS,
  alertWith,
  apiSignIn,
  checkA11y,
  expectPath,
  newAccount,
  PASSWORD,
  sameOriginHeaders,
  signOut,
  signUp,
  submitSignIn,
  uniqueEmail,
  visit,
} from './helpers';

declare global {
  interface Window {
    __marker?: number;
  }
}

async function sessionCookie(page: Page) {
  const cookies = await page.context().cookies();
  return cookies.find((cookie) => cookie.name === 'gatehouse_session');
}

test.describe('sign-in', () => {
  test('signing out and in again lands on the home page without a full page load', async ({
    page,
  }) => {
    const account = newAccount();
    await signUp(page, account);
    const before = await sessionCookie(page);
    expect(before).toBeDefined();

    await signOut(page);
    await expect(page.getByRole('heading', { name: 'Sign in', exact: true })).toBeVisible();

    await page.evaluate(() => {
      window.__marker = 1;
    });
    await submitSignIn(page, account.email, account.password);
    await expectPath(page, '/');
    await expect(
      page.getByRole('heading', { level: 1, name: `Welcome, ${account.name}`, exact: true }),
    ).toBeVisible();
    expect(await page.evaluate(() => window.__marker), 'the page was not reloaded').toBe(1);

    // A new session, not the old one brought back.
    const after = await sessionCookie(page);
    expect(after?.value).toBeTruthy();
    expect(after?.value).not.toBe(before?.value);
  });

  test('a session cookie stops working once its session signs out', async ({ page, request }) => {
    await signUp(page, newAccount());
    const cookie = await sessionCookie(page);
    expect(cookie).toBeDefined();
    const asThatSession = {
      headers: { ...sameOriginHeaders(), Cookie: `gatehouse_session=${cookie!.value}` },
    };
    expect((await request.post('/api/current_user', asThatSession)).status()).toBe(200);

    await signOut(page);

    expect((await request.post('/api/current_user', asThatSession)).status()).toBe(401);
  });

  test('a wrong password is refused with a generic message', async ({ page }) => {
    const account = newAccount();
    await signUp(page, account);
    await page.context().clearCookies();

    await visit(page, '/login');
    await submitSignIn(page, account.email, 'Wrong-Password-1!');

    await expect(alertWith(page, INVALID_CREDENTIALS)).toBeVisible();
    await expectPath(page, '/login');
    await checkA11y(page);
  });

  test('an unknown email gets the same message as a wrong password', async ({ page }) => {
    await visit(page, '/login');
    await submitSignIn(page, uniqueEmail(), PASSWORD);

    await expect(alertWith(page, INVALID_CREDENTIALS)).toBeVisible();
    await expectPath(page, '/login');
  });

  test('the API answers a wrong password and an unknown email identically', async ({
    page,
    request,
  }) => {
    const account = newAccount();
    await signUp(page, account);

    const wrongPassword = await apiSignIn(request, account.email, 'Wrong-Password-1!');
    const unknownEmail = await apiSignIn(request, uniqueEmail(), PASSWORD);

    expect(wrongPassword.status()).toBe(401);
    expect(unknownEmail.status()).toBe(401);
    const expected = { code: 'invalid_credentials', message: INVALID_CREDENTIALS };
    expect(await wrongPassword.json()).toEqual(expected);
    expect(await unknownEmail.json()).toEqual(expected);
  });

  test('signed-out visitors are sent to the sign-in page', async ({ page, request }) => {
    for (const path of ['/', '/settings/profile']) {
      await visit(page, path);
      await expectPath(page, '/login');
      await expect(page.getByRole('heading', { name: 'Sign in', exact: true })).toBeVisible();
    }
    const response = await request.post('/api/current_user', { headers: sameOriginHeaders() });
    expect(response.status()).toBe(401);
  });

  test('the sign-in page passes the accessibility checks and links to sign-up', async ({
    page,
  }) => {
    await visit(page, '/login');
    await expect(page.getByRole('heading', { name: 'Sign in', exact: true })).toBeVisible();
    await checkA11y(page);

    await page.getByRole('link', { name: 'Create an account', exact: true }).click();
    await expectPath(page, '/signup');
    await expect(
      page.getByRole('heading', { name: 'Create your account', exact: true }),
    ).toBeVisible();
  });

  test('the session cookie is HttpOnly, SameSite=Lax and scoped to the whole site', async ({
    page,
  }) => {
    await signUp(page, newAccount());

    const cookie = await sessionCookie(page);
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('gatehouse_session');
  });
});
