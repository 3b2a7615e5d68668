import { expect, test } from './fixtures';
import {
  INVALID_CREDENTIALS,
  TOO_MANY_ATTEMPTS,
  alertWith,
  apiSignIn,
  escapeRegExp,
  expectPath,
  newAccount,
  signOut,
  signUp,
  submitSignIn,
} from './helpers';

const ALLOWED_FAILURES = 10;

test.describe('sign-in rate limit', () => {
  test('after ten wrong passwords even the right one is refused for a while', async ({
    page,
    request,
  }) => {
    const account = newAccount();
    await signUp(page, account);

    for (let attempt = 1; attempt <= ALLOWED_FAILURES; attempt++) {
      const response = await apiSignIn(request, account.email, `Wrong-Password-${attempt}!`);
      expect(response.status(), `wrong password #${attempt}`).toBe(401);
      if (attempt === 1) {
        expect(await response.json()).toMatchObject({
          code: 'invalid_credentials',
          message: INVALID_CREDENTIALS,
        });
      }
    }

    const limited = await apiSignIn(request, account.email, 'Wrong-Password-11!');
    expect(limited.status()).toBe(429);
    const retryAfter = limited.headers()['retry-after'];
    expect(retryAfter, 'retry-after header').toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThan(0);

    const rightPassword = await apiSignIn(request, account.email, account.password);
    expect(rightPassword.status()).toBe(429);
    expect(rightPassword.headers()['retry-after']).toMatch(/^\d+$/);
    const body = await rightPassword.json();
    expect(body.message).toMatch(new RegExp(`^${escapeRegExp(TOO_MANY_ATTEMPTS)}`));

    // The sign-in page tells a person the same.
    await signOut(page);
    await submitSignIn(page, account.email, account.password);
    await expect(alertWith(page, TOO_MANY_ATTEMPTS)).toBeVisible();
    await expectPath(page, '/login');
  });
});
