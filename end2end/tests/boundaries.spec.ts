// Organization boundaries on every way in: a second step waived where one organization trusts the
// provider's MFA does not carry into another organization, and an invitation reached through a
// provider creates nothing until the person confirms — nor can an administrator then take the
// account over with a reset link.
import { test, expect, type Page } from './fixtures';
import {
  alertWith,
  apiPost,
  button,
  expectPath,
  field,
  newAccount,
  signOut,
  signUp,
  signUpVerified,
  visit,
  waitForHydration,
} from './helpers';
import { MEMBERS, invite, memberAction, ownerOnMembers } from './members';
import { PROVIDER, atProvider, continueWithProvider, joinThroughProvider, restrictToProvider, signUpWithProvider, uniqueEmail } from './provider';
import { enrollByApi, totp } from './totp';

async function switchTo(page: Page, organization: string): Promise<void> {
  await page.locator('.org-switcher summary').click();
  await page.getByRole('button', { name: new RegExp(organization) }).click();
}

test("a second step waived where the provider's MFA is trusted is asked for on switching elsewhere", async ({ page, browser }) => {
  test.slow(); // two people, three organizations, two trips through the provider
  // Acme's Owner signs in through the provider (an Owner must link it to restrict to it).
  const acme = `Trusting ${Date.now()}`;
  await signUpWithProvider(page, uniqueEmail('trust-owner'), acme);
  await visit(page, MEMBERS);
  const ada = uniqueEmail('trust-ada');
  const acmeLink = await invite(page, ada, 'Member');

  // Ada joins Acme through the provider, and another organization with a plain invitation.
  const adaContext = await browser.newContext();
  const adaPage = await adaContext.newPage();
  await joinThroughProvider(adaPage, acmeLink, ada);

  const otherContext = await browser.newContext();
  const otherPage = await otherContext.newPage();
  const otherOwner = newAccount();
  await signUpVerified(otherPage, otherOwner);
  await visit(otherPage, MEMBERS);
  const otherLink = await invite(otherPage, ada, 'Member');
  await otherContext.close();
  await visit(adaPage, otherLink);
  await button(adaPage, 'Accept invitation').click();
  await expectPath(adaPage, '/');
  await expect(adaPage.locator('.org-slot')).toContainText(otherOwner.organization);

  // Ada turns MFA on and goes back to Acme, which then trusts the provider's own MFA.
  const { secret } = await enrollByApi(adaPage.request);
  await waitForHydration(adaPage);
  await switchTo(adaPage, acme);
  await expect(adaPage.locator('.org-switcher summary')).toContainText(acme);
  await restrictToProvider(page, true);

  // Through the provider into Acme: no code asked. Ada, in two organizations, is asked which one
  // to enter, Acme (used last) chosen already.
  await signOut(adaPage);
  await continueWithProvider(adaPage);
  await expectPath(adaPage, '/choose-organization');
  await waitForHydration(adaPage);
  await button(adaPage, 'Continue').click();
  await expectPath(adaPage, '/');
  await waitForHydration(adaPage);
  await expect(adaPage.locator('.org-switcher summary')).toContainText(acme);

  // The other organization does not trust the provider: the API answers 401 mfa_required...
  const orgs = await (await apiPost(adaPage.request, 'list_organizations')).json();
  const other = orgs.find((o: { name: string }) => o.name === otherOwner.organization);
  const refused = await apiPost(adaPage.request, 'switch_organization', { organization_id: other.id });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).code).toBe('mfa_required');
  const me = await (await apiPost(adaPage.request, 'current_user')).json();
  expect(me.organization.name, 'still in Acme').toBe(acme);

  // ...and the switcher leads to the code, after which Ada is in the other organization.
  await switchTo(adaPage, otherOwner.organization);
  await expectPath(adaPage, '/login/mfa');
  await waitForHydration(adaPage);
  await field(adaPage, 'Authentication code').fill(totp(secret, 1));
  await button(adaPage, 'Verify').click();
  await expectPath(adaPage, '/');
  await waitForHydration(adaPage);
  await expect(adaPage.locator('.org-switcher summary')).toContainText(otherOwner.organization);
  await adaContext.close();
});

test('an invitation reached through a provider creates nothing until "Join", and its account cannot be reset by an administrator', async ({ page, browser }) => {
  const owner = await ownerOnMembers(page);
  const victim = uniqueEmail('forced');
  const link = await invite(page, victim, 'Member');

  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visit(visitor, link);
  await continueWithProvider(visitor);
  await atProvider(visitor, victim);
  // Back from the provider: the invitation again, and nothing joined yet.
  await expectPath(visitor, new URL(link).pathname);
  await waitForHydration(visitor);
  await expect(visitor.locator('.invite-org')).toHaveText(owner.organization);
  await expect(visitor.getByText(`You signed in with ${PROVIDER} as`)).toBeVisible();
  await expect(button(visitor, 'Join')).toBeVisible();
  // Still only invited: no member, the invitation pending.
  await visit(page, MEMBERS);
  await expect(page.locator('.members-table tbody tr').filter({ hasText: victim })).toHaveCount(0);
  await expect(page.locator('.invitations-table tbody tr').filter({ hasText: victim })).toHaveCount(1);

  await button(visitor, 'Join').click();
  await expectPath(visitor, '/');
  await waitForHydration(visitor);
  await expect(visitor.locator('.org-slot')).toContainText(owner.organization);
  await context.close();

  // The account belongs to this organization alone, but it signs in with a provider: no
  // administrator's reset link can open it.
  await visit(page, MEMBERS);
  await expect(page.locator('.members-table tbody tr').filter({ hasText: victim })).toContainText('Member');
  await memberAction(page, victim, 'Create reset link');
  await expect(alertWith(page, 'signs in with a linked provider')).toBeVisible();
  await expect(page.getByRole('dialog', { name: 'Password reset link' })).toHaveCount(0);
});
