// Runs in the `no-js` project: the members, invitation, organization-link and password-reset
// forms work as plain HTML form posts, and their messages come back through the redirect.
import { expect, test } from './fixtures';
import {
  apiPost,
  button,
  expectPath,
  field,
  newAccount,
  signUp,
  signUpVerified,
  statusWith,
  submitSignIn,
  visit,
} from './helpers';

test.describe('without JavaScript', () => {
  test('an invitation is accepted with a new account, and a role change is saved', async ({ page, browser }) => {
    const owner = newAccount();
    await signUpVerified(page, owner);
    const email = `nojs-${Date.now()}@example.com`;
    const issued = await apiPost(page.request, 'invite_member', { email, role: 'member' });
    expect(issued.status()).toBe(200);
    const { link } = await issued.json();

    const other = await browser.newContext({ javaScriptEnabled: false });
    const invitee = await other.newPage();
    await visit(invitee, link);
    await field(invitee, 'Name').fill('Nora Nojs');
    await field(invitee, 'Password').fill(owner.password);
    await button(invitee, 'Create account and join').click();
    await expectPath(invitee, '/');
    await expect(invitee.getByRole('banner')).toContainText(owner.organization);
    await other.close();

    await visit(page, '/settings/members');
    const row = page.locator('tbody tr').filter({ hasText: email });
    await row.getByLabel('Role of Nora Nojs').selectOption('admin');
    await button(row, 'Update role').click();
    await expectPath(page, '/settings/members');
    await expect(statusWith(page, 'Role updated')).toBeVisible();
    await expect(page.locator('tbody tr').filter({ hasText: email }).getByLabel('Role of Nora Nojs')).toHaveValue('admin');

    // A refusal comes back as a message on the same screen.
    const ownerRow = page.locator('tbody tr').filter({ hasText: owner.email });
    await ownerRow.getByLabel(`Role of ${owner.name}`).selectOption('member');
    await button(ownerRow, 'Update role').click();
    await expect(page.getByRole('alert').filter({ hasText: 'last Owner' })).toBeVisible();
  });

  test('a sign-in link with org and next lands in that organization on that page', async ({ page }) => {
    const account = newAccount();
    await signUp(page, account);
    const me = await (await apiPost(page.request, 'current_user')).json();
    await page.context().clearCookies();
    await visit(page, `/login?org=${me.organization.id}&next=/settings/members`);
    await submitSignIn(page, account.email, account.password);
    await expectPath(page, '/settings/members');
    // A next that leaves the site goes home instead.
    await page.context().clearCookies();
    await visit(page, '/login?next=//evil.example/x');
    await submitSignIn(page, account.email, account.password);
    await expect(page).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  test('forgot password answers the same for any address', async ({ page }) => {
    await visit(page, '/forgot-password');
    await field(page, 'Email').fill(`nobody-${Date.now()}@example.com`);
    await button(page, 'Send reset link').click();
    await expectPath(page, '/forgot-password');
    await expect(statusWith(page, 'If an account uses that email')).toBeVisible();
  });
});
