// Sign-in through a real OpenID Connect provider: the certified `oidc-provider` package started
// on loopback by the Playwright config (see oidc/provider.mjs), with its development login screen.
import { test, expect, type Page } from './fixtures';
import {
  alertWith,
  button,
  expectPath,
  field,
  newAccount,
  signOut,
  signUp,
  signUpVerified,
  statusWith,
  submitSignIn,
  visit,
  waitForHydration,
  PASSWORD,
} from './helpers';
import { MEMBERS, acceptAsNew, invite, memberRow, ownerOnMembers } from './members';
import { enrollByApi, totp } from './totp';
import {
  PROVIDER,
  atProvider,
  continueWithProvider,
  joinThroughProvider,
  restrictToProvider,
  signUpWithProvider,
  uniqueEmail,
} from './provider';

const SECURITY = '/settings/security';

test('a new person signs up through the provider and signs in with it again; no password works', async ({ page }) => {
  const email = uniqueEmail('oidc-new');
  await visit(page, '/login');
  await continueWithProvider(page);
  await atProvider(page, email);
  await expectPath(page, '/signup/provider');
  await waitForHydration(page);
  // The name the provider sent is offered.
  await expect(field(page, 'Name')).toHaveValue(email.split('@')[0].replace(/^./, (c) => c.toUpperCase()));
  await field(page, 'Organization name').fill('Provider Org');
  await button(page, 'Create account').click();
  await expectPath(page, '/');
  await waitForHydration(page);
  await expect(page.locator('.org-slot')).toContainText('Provider Org');

  await visit(page, SECURITY);
  const methods = page.getByRole('region', { name: 'Sign-in providers' });
  await expect(methods).toContainText(PROVIDER);
  await expect(methods).toContainText(email);
  // The only way in cannot be unlinked.
  await button(methods, `Unlink ${PROVIDER}`).click();
  await expect(alertWith(page, 'This is your only way to sign in.')).toBeVisible();
  // There is no password to change: the page says how to set one (whatever was typed).
  await visit(page, '/settings/profile');
  await field(page, 'Current password').fill('Not-A-Password-1!');
  await field(page, 'New password').fill(PASSWORD);
  await button(page, 'Change password').click();
  await expect(
    alertWith(page, 'This account has no password yet: use Forgot password? to set one.'),
  ).toBeVisible();

  await signOut(page);
  await submitSignIn(page, email, PASSWORD);
  await expect(alertWith(page, 'Invalid email or password')).toBeVisible();
  // The provider remembers the person: straight back in.
  await continueWithProvider(page);
  await expectPath(page, '/');
});

test('an invitation is accepted through the provider', async ({ page, browser }) => {
  const owner = await ownerOnMembers(page);
  const email = uniqueEmail('oidc-invited');
  const link = await invite(page, email, 'Member');

  const context = await browser.newContext();
  const invitee = await context.newPage();
  await joinThroughProvider(invitee, link, email);
  await expect(invitee.locator('.org-slot')).toContainText(owner.organization);
  await context.close();

  await visit(page, MEMBERS);
  await expect(memberRow(page, email)).toContainText('Member');
});

test('an existing account is linked only after its password proves it', async ({ page }) => {
  const account = newAccount({ email: uniqueEmail('oidc-link') });
  // A verified account: an unverified one would be taken over (see verify_email.spec.ts).
  await signUpVerified(page, account);
  await signOut(page);

  await continueWithProvider(page);
  await atProvider(page, account.email);
  await expectPath(page, '/login');
  await waitForHydration(page);
  await expect(statusWith(page, `An account with ${account.email} already exists. Sign in with its password to link ${PROVIDER}.`)).toBeVisible();
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, '/');
  await visit(page, SECURITY);
  await expect(page.getByRole('region', { name: 'Sign-in providers' })).toContainText(PROVIDER);

  // Linked: the provider alone signs this account in now.
  await signOut(page);
  await continueWithProvider(page);
  await expectPath(page, '/');
  await waitForHydration(page);
  await expect(page.getByRole('heading', { name: `Welcome, ${account.name}` })).toBeVisible();

  // With a password as well, unlinking is allowed.
  await visit(page, SECURITY);
  await button(page.getByRole('region', { name: 'Sign-in providers' }), `Unlink ${PROVIDER}`).click();
  await expect(page.getByRole('region', { name: 'Sign-in providers' })).toContainText('No provider is linked');
});

test('cancelling at the provider, a tampered state and an unverified email each say what happened', async ({ page }) => {
  await visit(page, '/login');
  await continueWithProvider(page);
  await page.getByRole('link', { name: '[ Cancel ]' }).click();
  await expectPath(page, '/login');
  await expect(alertWith(page, `You cancelled signing in with ${PROVIDER}.`)).toBeVisible();

  // A trip is under way in this browser, but the answer carries another state.
  const started = await page.request.get('/auth/testid/start', { maxRedirects: 0 });
  expect(started.status()).toBe(303);
  expect(started.headers()['location']).toContain('code_challenge_method=S256');
  await visit(page, '/auth/testid/callback?code=forged&state=tampered');
  await expectPath(page, '/login');
  await expect(alertWith(page, "does not belong to this browser's request")).toBeVisible();
  // The same answer again: the trip was used up.
  await visit(page, '/auth/testid/callback?code=forged&state=tampered');
  await expect(alertWith(page, 'That sign-in took too long or was already used.')).toBeVisible();

  await continueWithProvider(page);
  await atProvider(page, 'unverified-someone');
  await expectPath(page, '/login');
  await expect(alertWith(page, `${PROVIDER} has not verified your email address`)).toBeVisible();
});

test('an organization restricted to the provider refuses password sign-in, naming it', async ({ page, browser }) => {
  const organization = `Restricted ${Date.now()}`;
  await signUpWithProvider(page, uniqueEmail('oidc-owner'), organization);
  await visit(page, MEMBERS);
  const email = uniqueEmail('oidc-member');
  const link = await invite(page, email, 'Member');
  const member = await acceptAsNew(browser, link, 'Pat Password');

  await restrictToProvider(page, false);

  const memberPage = member.page;
  await memberPage.context().clearCookies();
  await visit(memberPage, '/login');
  await submitSignIn(memberPage, email, PASSWORD);
  await expect(alertWith(memberPage, `Members of ${organization} must sign in with ${PROVIDER}.`)).toBeVisible();
  await member.context.close();
});

test("MFA still applies after a provider sign-in, unless the organization lets the provider's MFA stand in", async ({ page }) => {
  await signUpWithProvider(page, uniqueEmail('oidc-mfa'), `MFA Org ${Date.now()}`);
  const { secret } = await enrollByApi(page.request);
  await signOut(page);
  // The provider remembers the person, but Gatehouse still asks for its code.
  await continueWithProvider(page);
  await expectPath(page, '/login/mfa');
  await waitForHydration(page);
  await field(page, 'Authentication code').fill(totp(secret, 1));
  await button(page, 'Verify').click();
  await expectPath(page, '/');

  await restrictToProvider(page, true);
  await signOut(page);
  await continueWithProvider(page);
  await expectPath(page, '/');
});
