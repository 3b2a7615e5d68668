import { test, expect, type Browser, type Page } from './fixtures';
import {
  apiPost,
  button,
  checkA11y,
  expectPath,
  field,
  newAccount,
  signIn,
  signUp,
  signUpVerified,
  statusWith,
  submitSignIn,
  visit,
  waitForHydration,
  type Account,
} from './helpers';
import { linkIn, mailsTo } from './mail';
import {
  DEACTIVATED,
  MEMBERS,
  acceptAsNew,
  invite,
  memberAction,
  memberRow,
  ownerOnMembers,
  sql,
} from './members';

test('an invitation is emailed, accepted by a new person, and they are listed with the role', async ({ page, browser }) => {
  const owner = await ownerOnMembers(page);
  const email = `invitee-${Date.now()}@example.com`;
  const link = await invite(page, email, 'Admin');

  const pending = page.locator('.invitations-table tbody tr').filter({ hasText: email });
  await expect(pending).toContainText('Admin');
  await expect(pending).toContainText(owner.name);
  await expect(pending).toContainText(/in 7 days/);

  // The real SMTP server received the invitation with the same kind of link.
  const [mail] = await mailsTo(email);
  expect(mail.subject).toContain(owner.organization);
  const mailed = linkIn(mail, '/invite/');
  expect(mailed).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);

  const invitee = await acceptAsNew(browser, mailed, 'Grace Hopper');
  await expect(invitee.page.locator('.org-slot')).toContainText(owner.organization);
  await invitee.context.close();

  await visit(page, MEMBERS);
  await expect(memberRow(page, email)).toContainText('Grace Hopper');
  await expect(memberRow(page, email).getByLabel('Role of Grace Hopper')).toHaveValue('admin');
  await expect(page.locator('.invitations-table tbody tr').filter({ hasText: email })).toHaveCount(0);
  // The link shown to the inviter was replaced by nothing else: it is the one that got used? No —
  // the inviter's copy and the mailed copy are the same link, so it is now used.
  expect(link).toBe(mailed);
  await visit(page, link);
  await expect(page.getByRole('alert').filter({ hasText: 'This invitation has already been used.' })).toBeVisible();
});

test('invite dialog refuses an existing member and a pending email; members see the list read-only', async ({ page, browser }) => {
  const owner = await ownerOnMembers(page);
  await checkA11y(page);
  await button(page, 'Invite member').click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await checkA11y(page);
  await field(dialog, 'Email').fill(owner.email);
  await button(dialog, 'Send Invitation').click();
  await expect(dialog.getByText(`${owner.email} is already a member of this organization.`).first()).toBeVisible();
  await button(dialog, 'Cancel').click();

  const email = `member-${Date.now()}@example.com`;
  const link = await invite(page, email, 'Member');
  await button(page, 'Invite member').click();
  await field(dialog, 'Email').fill(email);
  await button(dialog, 'Send Invitation').click();
  await expect(dialog.getByText(/already pending/).first()).toBeVisible();
  await button(dialog, 'Cancel').click();

  const member = await acceptAsNew(browser, link, 'Mona Member');
  await visit(member.page, MEMBERS);
  await expect(memberRow(member.page, owner.email)).toContainText('Owner');
  await expect(button(member.page, 'Invite member')).toHaveCount(0);
  await expect(member.page.locator('summary').filter({ hasText: 'Manage' })).toHaveCount(0);
  await expect(member.page.getByRole('combobox')).toHaveCount(0);
  // The server refuses what the screen does not offer.
  const refused = await apiPost(member.page.request, 'invite_member', { email: 'x@example.com', role: 'member' });
  expect(refused.status()).toBe(403);
  await member.context.close();
});

test('role change, removal, and the last Owner protections', async ({ page, browser }) => {
  const owner = await ownerOnMembers(page);
  const email = `role-${Date.now()}@example.com`;
  const link = await invite(page, email, 'Member');
  const member = await acceptAsNew(browser, link, 'Rolf Role');

  await visit(page, MEMBERS);
  const row = memberRow(page, email);
  await row.getByLabel('Role of Rolf Role').selectOption('admin');
  await button(row, 'Update role').click();
  await expect(page.getByRole('status').filter({ hasText: 'Role updated' }).first()).toBeVisible();
  // Effective on the member's very next request.
  const me = await (await apiPost(member.page.request, 'current_user')).json();
  expect(me.organization.role).toBe('admin');

  // The only Owner cannot demote themselves or leave.
  const ownerRow = memberRow(page, owner.email);
  await ownerRow.getByLabel(`Role of ${owner.name}`).selectOption('member');
  await button(ownerRow, 'Update role').click();
  await expect(page.getByRole('alert').filter({ hasText: "last Owner" })).toBeVisible();
  await visit(page, '/settings/organization');
  await button(page, 'Leave organization').click();
  await button(page.getByRole('dialog'), 'Leave').click();
  await expect(page.getByRole('alert').filter({ hasText: 'last Owner' })).toBeVisible();

  await visit(page, MEMBERS);
  await memberAction(page, email, 'Remove from organization');
  const dialog = page.getByRole('dialog', { name: 'Remove Rolf Role?' });
  await expect(dialog).toContainText('Their account and their other organizations stay.');
  await button(dialog, 'Remove').click();
  await expect(memberRow(page, email)).toHaveCount(0);
  const after = await (await apiPost(member.page.request, 'current_user')).json();
  expect(after.organization).toBeNull();
  await member.context.close();
});

test('deactivation ends the open session and blocks sign-in; reactivation restores the role', async ({ page, browser }) => {
  await ownerOnMembers(page);
  const email = `deact-${Date.now()}@example.com`;
  const link = await invite(page, email, 'Admin');
  const member = await acceptAsNew(browser, link, 'Dora Deact');

  await visit(page, MEMBERS);
  await memberAction(page, email, 'Deactivate');
  await button(page.getByRole('dialog', { name: 'Deactivate Dora Deact?' }), 'Deactivate').click();
  await expect(memberRow(page, email)).toContainText('Deactivated');

  // The member's open page learns at its next navigation.
  await member.page.goto('/settings/profile');
  await expectPath(member.page, '/login');
  await expect(statusWith(member.page, DEACTIVATED)).toBeVisible();
  await submitSignIn(member.page, email, newAccount().password);
  await expect(member.page.getByRole('alert').filter({ hasText: DEACTIVATED })).toBeVisible();

  await memberAction(page, email, 'Reactivate');
  await expect(memberRow(page, email)).toContainText('Active');
  await signIn(member.page, email, newAccount().password);
  const me = await (await apiPost(member.page.request, 'current_user')).json();
  expect(me.organization.role).toBe('admin');
  await member.context.close();
});

test('expired, revoked and resent invitation links each say so', async ({ page, browser }) => {
  await ownerOnMembers(page);
  const expired = `expired-${Date.now()}@example.com`;
  const expiredLink = await invite(page, expired, 'Member');
  // Expired a minute ago: long-expired invitations are purged (30 days after they end).
  sql('UPDATE invitations SET expires_at = ? WHERE email = ?', String(Date.now() - 60_000), expired);
  await visit(page, MEMBERS);
  await expect(page.locator('.invitations-table tbody tr').filter({ hasText: expired })).toContainText('Expired');

  const fresh = await browser.newContext();
  const visitor = await fresh.newPage();
  await visit(visitor, expiredLink);
  await expect(visitor.getByRole('alert').filter({ hasText: 'This invitation has expired.' })).toBeVisible();

  const revoked = `revoked-${Date.now()}@example.com`;
  const revokedLink = await invite(page, revoked, 'Member');
  await button(page.locator('.invitations-table tbody tr').filter({ hasText: revoked }), 'Revoke').click();
  await expect(page.locator('.invitations-table tbody tr').filter({ hasText: revoked })).toHaveCount(0);
  await visit(visitor, revokedLink);
  await expect(visitor.getByRole('alert').filter({ hasText: 'This invitation was revoked.' })).toBeVisible();

  // Resend: a new link works, the old one is dead, and a second email arrives.
  const resent = `resent-${Date.now()}@example.com`;
  const oldLink = await invite(page, resent, 'Member');
  await mailsTo(resent, 1);
  await button(page.locator('.invitations-table tbody tr').filter({ hasText: resent }), 'Resend').click();
  const linkDialog = page.getByRole('dialog', { name: 'Invitation link' });
  const newLink = await linkDialog.getByLabel('Invitation link').inputValue();
  expect(newLink).not.toBe(oldLink);
  const mails = await mailsTo(resent, 2);
  expect(mails.map((m) => linkIn(m, '/invite/'))).toContain(newLink);
  await visit(visitor, oldLink);
  await expect(visitor.getByRole('alert').filter({ hasText: 'This invitation link is not valid.' })).toBeVisible();
  await fresh.close();
  const joined = await acceptAsNew(browser, newLink, 'Rhea Resent');
  await joined.context.close();
});

test('a signed-in person with another email sees the mismatch screen and can switch accounts', async ({ page, browser }) => {
  await ownerOnMembers(page);
  const email = `mismatch-${Date.now()}@example.com`;
  const link = await invite(page, email, 'Member');

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const stranger = newAccount();
  await signUp(otherPage, stranger);
  await visit(otherPage, link);
  await expect(otherPage.getByRole('alert')).toContainText(`This invitation is for ${email}, but you are signed in as ${stranger.email}.`);
  await checkA11y(otherPage);
  await button(otherPage, 'Sign out and continue').click();
  await expect(button(otherPage, 'Create account and join')).toBeVisible();
  await expect(otherPage).toHaveURL(link);
  await other.close();
});

test('the organization switcher and /login?org= choose the organization', async ({ page, browser }) => {
  const owner = await ownerOnMembers(page);
  // A second person owns another organization and invites the first one into it.
  const other = await browser.newContext();
  const otherPage = await other.newPage();
  const otherOwner = newAccount();
  await signUpVerified(otherPage, otherOwner);
  await visit(otherPage, MEMBERS);
  const link = await invite(otherPage, owner.email, 'Member');
  await other.close();

  // Signed in with the invited email: one click to join.
  await visit(page, link);
  await button(page, 'Accept invitation').click();
  await expectPath(page, '/');
  await expect(page.locator('.org-slot')).toContainText(otherOwner.organization);

  // Switch back through the header.
  await page.locator('.org-switcher summary').click();
  await page.getByRole('button', { name: new RegExp(owner.organization) }).click();
  await expect(page.locator('.org-switcher summary')).toContainText(owner.organization);

  const orgs = await (await apiPost(page.request, 'list_organizations')).json();
  const second = orgs.find((o: { name: string }) => o.name === otherOwner.organization);
  expect(orgs).toHaveLength(2);

  // Opened while signed in to the first organization, the link offers to switch.
  await visit(page, `/login?org=${second.id}`);
  await button(page, 'Continue in that organization').click();
  await expectPath(page, '/');
  await expect(page.locator('.org-switcher summary')).toContainText(otherOwner.organization);
  await page.locator('.org-switcher summary').click();
  await page.getByRole('button', { name: new RegExp(owner.organization) }).click();
  await expect(page.locator('.org-switcher summary')).toContainText(owner.organization);

  // A sign-in link for the other organization lands there, although it was not the last used.
  await page.context().clearCookies();
  await visit(page, `/login?org=${second.id}`);
  await submitSignIn(page, owner.email, owner.password);
  await expectPath(page, '/');
  await expect(page.locator('.org-switcher summary')).toContainText(otherOwner.organization);

  // An organization the account does not belong to is refused with a clear message.
  await page.context().clearCookies();
  await visit(page, '/login?org=00000000-0000-4000-8000-000000000000');
  await submitSignIn(page, owner.email, owner.password);
  await expect(page.getByRole('alert').filter({ hasText: 'not a member of the organization' })).toBeVisible();
});

test('password reset through the emailed link ends every session', async ({ page, browser }) => {
  const account = newAccount();
  await signUp(page, account);
  const other = await browser.newContext();
  const visitor = await other.newPage();
  await visit(visitor, '/login');
  await visitor.getByRole('link', { name: 'Forgot password?' }).click();
  await expectPath(visitor, '/forgot-password');
  await waitForHydration(visitor);
  await checkA11y(visitor);
  await field(visitor, 'Email').fill(account.email);
  await button(visitor, 'Send reset link').click();
  await expect(statusWith(visitor, 'If an account uses that email')).toBeVisible();

  // Sign-up mailed a verification link to the same address first.
  const mails = await mailsTo(account.email, 2);
  const link = linkIn(mails.find((mail) => mail.subject === 'Reset your Gatehouse password') ?? mails[0], '/reset-password/');
  await visit(visitor, link);
  await expect(visitor.getByText(account.email)).toBeVisible();
  await field(visitor, 'New password').fill('short');
  await button(visitor, 'Set new password').click();
  await expect(visitor.getByText('Use at least 8 characters').first()).toBeVisible();
  const newPassword = 'Fresh-Reset-Pass-9!';
  await field(visitor, 'New password').fill(newPassword);
  await button(visitor, 'Set new password').click();
  await expectPath(visitor, '/login');
  await expect(statusWith(visitor, 'Your password has been reset.')).toBeVisible();

  // The first browser's session ended; the old password no longer works, the new one does.
  const ended = await apiPost(page.request, 'current_user');
  expect(ended.status()).toBe(401);
  await submitSignIn(visitor, account.email, account.password);
  await expect(visitor.getByRole('alert').filter({ hasText: 'Invalid email or password' })).toBeVisible();
  await signIn(visitor, account.email, newPassword);
  // Single use.
  await visit(visitor, link);
  await expect(visitor.getByRole('alert').filter({ hasText: 'already been used' })).toBeVisible();
  await other.close();
});

test('an unknown email gets the same answer and no mail', async ({ page }) => {
  await visit(page, '/forgot-password');
  const email = `nobody-${Date.now()}@example.com`;
  await field(page, 'Email').fill(email);
  await button(page, 'Send reset link').click();
  await expect(statusWith(page, 'If an account uses that email')).toBeVisible();
  await page.waitForTimeout(1500);
  const { mailsSoFar } = await import('./mail');
  expect(mailsSoFar(email)).toEqual([]);
});

test('an admin hands a member a reset link; using it signs the member out everywhere', async ({ page, browser }) => {
  await ownerOnMembers(page);
  const email = `reset-${Date.now()}@example.com`;
  const link = await invite(page, email, 'Member');
  const member = await acceptAsNew(browser, link, 'Rita Reset');

  await visit(page, MEMBERS);
  await memberAction(page, email, 'Create reset link');
  const dialog = page.getByRole('dialog', { name: 'Password reset link' });
  const resetLink = await dialog.getByLabel('Reset link').inputValue();
  expect(resetLink).toMatch(/\/reset-password\/[A-Za-z0-9_-]{43}$/);

  const other = await browser.newContext();
  const holder = await other.newPage();
  await visit(holder, resetLink);
  await field(holder, 'New password').fill('Handed-Over-Pass-3!');
  await button(holder, 'Set new password').click();
  await expectPath(holder, '/login');
  expect((await apiPost(member.page.request, 'current_user')).status()).toBe(401);
  await signIn(holder, email, 'Handed-Over-Pass-3!');
  await other.close();
  await member.context.close();
});

test('an existing account signs in from the invitation and joins with one click', async ({ page, browser }) => {
  await ownerOnMembers(page);
  const other = await browser.newContext();
  const person = await other.newPage();
  const account = newAccount();
  await signUp(person, account);
  await person.context().clearCookies();
  const link = await invite(page, account.email, 'Member');

  await visit(person, link);
  await checkA11y(person);
  await person.getByRole('link', { name: 'Sign in to accept' }).click();
  await expectPath(person, '/login');
  await waitForHydration(person);
  await submitSignIn(person, account.email, account.password);
  await expect(person).toHaveURL(link);
  await waitForHydration(person);
  await button(person, 'Accept invitation').click();
  await expectPath(person, '/');
  const orgs = await (await apiPost(person.request, 'list_organizations')).json();
  expect(orgs).toHaveLength(2);
  await visit(person, '/settings/organization');
  await checkA11y(person);
  await other.close();
});
