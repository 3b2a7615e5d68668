// Email verification (issue 12, "Abuse"): with SMTP configured (the e2e server mails through
// aiosmtpd) a new password account proves its address before it may invite, and a provider that
// verified the address takes an unverified password account over.
import { expect, test, type Page } from './fixtures';
import {
  EMAIL_VERIFIED,
  INVALID_CREDENTIALS,
  alertWith,
  button,
  checkA11y,
  expectPath,
  field,
  newAccount,
  signUp,
  statusWith,
  submitSignIn,
  verificationLink,
  visit,
} from './helpers';
import { MEMBERS, invite } from './members';
import { atProvider, continueWithProvider, uniqueEmail } from './provider';

const UNVERIFIED_INVITER = 'Verify your email address before inviting anyone';

function banner(page: Page) {
  return page.getByRole('region', { name: 'Email verification' });
}

test('a new account verifies its email through the mailed link before it can invite', async ({ page }) => {
  const owner = newAccount();
  await signUp(page, owner);
  await expect(banner(page)).toContainText(`Verify your email address: we sent a link to ${owner.email}.`);
  await checkA11y(page);

  // Inviting is refused, saying why.
  await visit(page, MEMBERS);
  await button(page, 'Invite member').click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await field(dialog, 'Email').fill(uniqueEmail('not-yet'));
  await button(dialog, 'Send Invitation').click();
  await expect(alertWith(page, UNVERIFIED_INVITER)).toBeVisible();
  await page.keyboard.press('Escape');

  // A new link can be sent; the latest one verifies.
  await button(banner(page), 'Resend link').click();
  await expect(statusWith(page, 'We sent a new link.')).toBeVisible();
  const link = await verificationLink(owner.email, 2);
  await visit(page, link);
  await expect(statusWith(page, EMAIL_VERIFIED)).toBeVisible();
  await checkA11y(page);
  await page.getByRole('link', { name: 'Continue to Gatehouse' }).click();
  await expectPath(page, '/');
  await expect(banner(page)).toHaveCount(0);

  await visit(page, MEMBERS);
  await expect(banner(page)).toHaveCount(0);
  await invite(page, uniqueEmail('now-allowed'), 'Member');

  // The link works once.
  await visit(page, link);
  await expect(alertWith(page, 'already been used')).toBeVisible();
});

test('a provider that verified the address takes over an unverified password account', async ({ page, browser }) => {
  // Someone signs up with an address that is not theirs.
  const email = uniqueEmail('squatted');
  const squatter = newAccount({ email, organization: `Squatted ${Date.now()}` });
  const squatterContext = await browser.newContext();
  const squatterPage = await squatterContext.newPage();
  await signUp(squatterPage, squatter);
  await expect(banner(squatterPage)).toBeVisible();

  // The address's owner arrives through the provider and is signed in to the account.
  await visit(page, '/login');
  await continueWithProvider(page);
  await atProvider(page, email);
  await expectPath(page, '/');
  await expect(page.locator('.org-slot')).toContainText(squatter.organization);
  await expect(banner(page)).toHaveCount(0);

  // The squatter's session and password are gone.
  await visit(squatterPage, '/');
  await expectPath(squatterPage, '/login');
  await expect(statusWith(squatterPage, 'The owner of this email address signed in with a provider')).toBeVisible();
  await submitSignIn(squatterPage, email, squatter.password);
  await expect(alertWith(squatterPage, INVALID_CREDENTIALS)).toBeVisible();
  await squatterContext.close();
});
