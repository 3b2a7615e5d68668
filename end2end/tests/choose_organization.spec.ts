// The organization chooser at sign-in: an account in several organizations that signs in
// without `org=` is asked which one to enter, the one used last first and chosen. (Without
// JavaScript: choose_organization.nojs.spec.ts.)
import { test, expect } from './fixtures';
import {
  alertWith,
  button,
  checkA11y,
  expectPath,
  newAccount,
  signIn,
  signOut,
  signUp,
  signUpVerified,
  submitSignIn,
  visit,
} from './helpers';
import {
  CHOOSER,
  accountInTwoOrganizations,
  choices,
  currentOrganization,
  expectChoices,
  inviteAsAdmin,
  joinThenGoHome,
} from './organizations';
import {
  PROVIDER,
  continueWithProvider,
  restrictToProvider,
  signUpWithProvider,
  uniqueEmail,
} from './provider';

test('the organization chooser after sign-in with two organizations', async ({ page, browser }) => {
  const { account, home, other } = await accountInTwoOrganizations(browser);

  await visit(page, '/login?next=/settings/organization');
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, CHOOSER);
  await expect(page).toHaveURL(/\?next=%2Fsettings%2Forganization$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Choose an organization');
  // The one used last first and chosen, each with the account's role there.
  await expectChoices(page, { ...home, role: 'Owner' }, { ...other, role: 'Admin' });
  await checkA11y(page);

  await choices(page).getByRole('radio', { name: other.name }).check();
  await button(page, 'Continue').click();
  await expectPath(page, '/settings/organization');
  await expect(page.locator('.org-switcher summary')).toContainText(other.name);
  expect(await currentOrganization(page)).toBe(other.id);

  // Next time the one chosen is the one used last; continuing keeps it and goes home.
  await signOut(page);
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, CHOOSER);
  await expectChoices(page, { ...other, role: 'Admin' }, { ...home, role: 'Owner' });
  await button(page, 'Continue').click();
  await expectPath(page, '/');
  await expect(page.locator('.org-switcher summary')).toContainText(other.name);

  // A sign-in link names the organization: no question.
  await page.context().clearCookies();
  await visit(page, `/login?org=${home.id}`);
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, '/');
  await expect(page.locator('.org-switcher summary')).toContainText(home.name);
});

test('an account in one organization is not asked, and the chooser goes straight on', async ({ page }) => {
  const account = newAccount();
  await signUp(page, account);
  await page.context().clearCookies();
  await signIn(page, account.email, account.password);
  await visit(page, `${CHOOSER}?next=/settings/profile`);
  await expectPath(page, '/settings/profile');
});

test('signed out, the chooser asks to sign in first, then chooses', async ({ page, browser }) => {
  const { account, home, other } = await accountInTwoOrganizations(browser);
  await visit(page, `${CHOOSER}?next=/settings/profile`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
  await submitSignIn(page, account.email, account.password);
  await expectChoices(page, { ...home, role: 'Owner' }, { ...other, role: 'Admin' });
  await expect(page).toHaveURL(/\?next=%2Fsettings%2Fprofile$/);
  await choices(page).getByRole('radio', { name: other.name }).check();
  await button(page, 'Continue').click();
  await expectPath(page, '/settings/profile');
  expect(await currentOrganization(page)).toBe(other.id);
});

test('a sign-in through the provider asks too, keeping its destination', async ({ page, browser }) => {
  const email = uniqueEmail('oidc-chooser');
  const homeName = `Provider Home ${Date.now()}`;
  await signUpWithProvider(page, email, homeName);
  const inviterContext = await browser.newContext();
  const inviter = await inviterContext.newPage();
  const otherOwner = newAccount();
  await signUpVerified(inviter, otherOwner);
  const link = await inviteAsAdmin(inviter, email);
  await inviterContext.close();
  const { home, other } = await joinThenGoHome(page.request, link, homeName, otherOwner.organization);

  await signOut(page);
  await visit(page, '/login?next=/settings/profile');
  // The provider remembers the person: straight back, to the chooser.
  await continueWithProvider(page);
  await expectPath(page, CHOOSER);
  await expect(page).toHaveURL(/\?next=%2Fsettings%2Fprofile$/);
  await expectChoices(page, { ...home, role: 'Owner' }, { ...other, role: 'Admin' });
  await choices(page).getByRole('radio', { name: other.name }).check();
  await button(page, 'Continue').click();
  await expectPath(page, '/settings/profile');
  expect(await currentOrganization(page)).toBe(other.id);
});

test('an organization that refuses the session says why, and the session stays where it was', async ({ page, browser }) => {
  // The other organization admits only sign-ins through the provider.
  const restrictedName = `Restricted ${Date.now()}`;
  const ownerContext = await browser.newContext();
  const owner = await ownerContext.newPage();
  await signUpWithProvider(owner, uniqueEmail('oidc-restricting'), restrictedName);
  const account = newAccount();
  const link = await inviteAsAdmin(owner, account.email);
  await signUp(page, account);
  const { home } = await joinThenGoHome(page.request, link, account.organization, restrictedName);
  await restrictToProvider(owner, false);
  await ownerContext.close();

  await page.context().clearCookies();
  await visit(page, '/login');
  await submitSignIn(page, account.email, account.password);
  await expectPath(page, CHOOSER);
  await choices(page).getByRole('radio', { name: restrictedName }).check();
  await button(page, 'Continue').click();
  await expect(alertWith(page, `Members of ${restrictedName} must sign in with ${PROVIDER}.`)).toBeVisible();
  await expectPath(page, CHOOSER);
  expect(await currentOrganization(page)).toBe(home.id);
});
