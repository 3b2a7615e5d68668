import { test, expect } from './fixtures';
import {
  alertWith,
  apiPost,
  button,
  checkA11y,
  expectPath,
  field,
  signIn,
  statusWith,
  submitSignIn,
  visit,
  waitForHydration,
  PASSWORD,
} from './helpers';
import { MEMBERS, acceptAsNew, invite, memberAction, memberRow, ownerOnMembers, sql } from './members';
import { enrollByApi, readQr, secretOf, totp } from './totp';

const SECURITY = '/settings/security';
const DAY_MS = 24 * 3600 * 1000;

test('Require MFA with a grace period: covered members are told, then can reach nothing but enrollment', async ({ page, browser }) => {
  const owner = await ownerOnMembers(page);
  const email = `covered-${Date.now()}@example.com`;
  const link = await invite(page, email, 'Member');
  const member = await acceptAsNew(browser, link, 'Casey Covered');

  // The Owner requires MFA of Members only, with three days of grace.
  await visit(page, SECURITY);
  const policy = page.getByRole('region', { name: 'Security policy' });
  await expect(policy).toContainText('does not require MFA');
  await checkA11y(page);
  await policy.getByLabel('Require MFA').check();
  await policy.getByLabel('Owners', { exact: true }).uncheck();
  await policy.getByLabel('Admins', { exact: true }).uncheck();
  await policy.getByLabel('Members', { exact: true }).check();
  await policy.getByLabel('Auditors', { exact: true }).uncheck();
  await field(policy, 'Grace period (days)').fill('3');
  await button(policy, 'Save Policy').click();
  await expect(policy).toContainText('requires MFA for Members, with a grace period of 3 days.');
  // The Owner is not covered: no banner for them.
  await expect(page.locator('.banner')).toHaveCount(0);

  await visit(page, MEMBERS);
  await expect(memberRow(page, email).locator('td[data-label="MFA"]')).toHaveText(/Off\s+3 days left/);

  // The member learns of it on their next page, with the days left.
  await visit(member.page, '/');
  await expect(statusWith(member.page, `${owner.organization} requires multi-factor authentication. Set it up within 3 days.`)).toBeVisible();

  // Past the grace period (the policy is aged in the database), at the next sign-in the member
  // can reach only enrollment, and the API refuses everything else with 403.
  sql('UPDATE security_policies SET enforced_since = enforced_since - ?', String(4 * DAY_MS));
  const memberPage = member.page;
  await memberPage.context().clearCookies();
  await visit(memberPage, '/login');
  await submitSignIn(memberPage, email, PASSWORD);
  await waitForHydration(memberPage);
  await expectPath(memberPage, SECURITY);
  await expect(alertWith(memberPage, 'requires multi-factor authentication. Set it up to continue.')).toBeVisible();
  const refused = await apiPost(memberPage.request, 'list_members');
  expect(refused.status()).toBe(403);
  const body = await refused.json();
  expect(body.code).toBe('mfa_enrollment_required');
  expect(body.message).toContain('requires multi-factor authentication');
  await visit(memberPage, MEMBERS);
  await expectPath(memberPage, SECURITY);
  await checkA11y(memberPage);

  // Enrolling lifts it.
  await button(memberPage, 'Enable MFA').click();
  const secret = secretOf(await readQr(memberPage.getByRole('img', { name: 'QR code for setting up your authenticator app' })));
  await field(memberPage, 'Enter the 6-digit code').fill(totp(secret));
  await button(memberPage, 'Verify code').click();
  await memberPage.getByLabel('I have saved my backup codes').check();
  await button(memberPage, 'Activate MFA').click();
  await expect(memberPage.getByText('10 of 10 backup codes left.')).toBeVisible();
  await visit(memberPage, MEMBERS);
  await expectPath(memberPage, MEMBERS);
  expect((await apiPost(memberPage.request, 'list_members')).status()).toBe(200);

  await visit(page, MEMBERS);
  await expect(memberRow(page, email).locator('td[data-label="MFA"]')).toHaveText('On');
  await member.context.close();
});

test('Reset MFA: an Owner resets a member, who is signed out and signs in with the password alone', async ({ page, browser }) => {
  await ownerOnMembers(page);
  const email = `reset-${Date.now()}@example.com`;
  const link = await invite(page, email, 'Member');
  const member = await acceptAsNew(browser, link, 'Riley Reset');
  await enrollByApi(member.page.request);

  await visit(page, MEMBERS);
  const row = memberRow(page, email);
  await expect(row.locator('td[data-label="MFA"]')).toHaveText('On');
  await memberAction(page, email, 'Reset MFA');
  const dialog = page.getByRole('dialog', { name: 'Reset MFA for Riley Reset?' });
  await expect(dialog).toBeVisible();
  await checkA11y(page);
  await button(dialog, 'Reset MFA').click();
  await expect(statusWith(page, 'MFA reset: the member was signed out everywhere')).toBeVisible();
  await expect(row.locator('td[data-label="MFA"]')).toHaveText('Off');

  // The member's open page learns why at its next request.
  await visit(member.page, '/settings/profile');
  await expectPath(member.page, '/login');
  await expect(statusWith(member.page, 'An administrator reset your multi-factor authentication.')).toBeVisible();
  await signIn(member.page, email, PASSWORD);
  await member.context.close();
});
