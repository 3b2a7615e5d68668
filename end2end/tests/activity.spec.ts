// Activity (issue 17): an Auditor, invited as one, filters a member's failed sign-ins on Settings
// → Activity and exports them as CSV (the test downloads and parses the file); on Members an
// Auditor sees no change buttons and the server refuses a change anyway; a Member has no
// Activity entry and is refused the screen; the Members screen's "Inactive" filter and a member's
// sign-in history; filters refused by field; keyset paging; the Owner's "Verify audit log".
// With SHOTS=1, screenshots of each screen, desktop and narrow, go to /tmp/shots/activity-*.png.
import { test, expect, type Page } from './fixtures';
import {
  apiPost,
  apiSignIn,
  button,
  checkA11y,
  expectFieldError,
  field,
  newDeviceContext,
  statusWith,
  visit,
} from './helpers';
import { ACTIVITY, COLUMNS, eventRows, exportFile, memberId, parseCsv, shots } from './activity';
import { MEMBERS, acceptAsNew, memberRow, ownerOnMembers, sql } from './members';
import { apiCreateProject, join, owner, projectName } from './projects';

const WRONG_PASSWORD = 'Not-The-Password-9!';
const FAILED = 'Sign-in failed: wrong email or password';

function settingsNav(page: Page) {
  return page.getByRole('navigation', { name: 'Settings' });
}

/** A wrong password for `email`, from a Firefox on Linux of its own. */
async function failSignIn(browser: import('@playwright/test').Browser, email: string): Promise<void> {
  const device = await newDeviceContext(browser, 'Firefox on Linux');
  const refused = await apiSignIn(device.request, email, WRONG_PASSWORD);
  expect(refused.status()).toBe(401);
  await device.close();
}

test('an Auditor filters failed sign-ins, exports them as CSV, and changes nothing', async ({ page, browser }) => {
  test.slow(); // three people
  const ownerAccount = await ownerOnMembers(page);

  // The Owner invites an Auditor from the invite dialog, where the role is offered.
  const auditorEmail = `auditor-${Date.now()}@example.com`;
  await button(page, 'Invite member').click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await field(dialog, 'Email').fill(auditorEmail);
  const role = dialog.getByLabel('Role');
  await expect(role.locator('option')).toHaveText(['Member', 'Admin', 'Auditor', 'Owner']);
  await role.selectOption({ label: 'Auditor' });
  await button(dialog, 'Send Invitation').click();
  const linkDialog = page.getByRole('dialog', { name: 'Invitation link' });
  const link = await linkDialog.getByLabel('Invitation link').inputValue();
  await button(linkDialog, 'Close').click();

  // A member, and a wrong password against her account.
  const mona = await join(page, browser, 'Mona Member');
  await failSignIn(browser, mona.email);

  const auditor = await acceptAsNew(browser, link, 'Audrey Auditor');
  const me = await (await apiPost(auditor.page.request, 'current_user')).json();
  expect(me.organization.role).toBe('auditor');

  // Settings → Activity.
  await visit(auditor.page, '/settings/profile');
  await settingsNav(auditor.page).getByRole('link', { name: 'Activity' }).click();
  await expect(auditor.page).toHaveURL(new RegExp(`${ACTIVITY}$`));
  await expect(auditor.page.getByRole('heading', { level: 1, name: 'Activity' })).toBeVisible();
  await expect(eventRows(auditor.page).first()).toBeVisible();
  await expect(auditor.page.getByRole('columnheader')).toHaveText(['Time', 'Actor', 'Action', 'Target', 'Outcome', 'IP', 'Device']);
  await expect(button(auditor.page, 'Verify audit log')).toHaveCount(0); // Owners only
  await checkA11y(auditor.page);

  // Her failed sign-ins: person, kind and outcome.
  await field(auditor.page, 'Person').fill(mona.email);
  await auditor.page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Sign-in' });
  await auditor.page.getByLabel('Outcome', { exact: true }).selectOption({ label: 'Refused' });
  await button(auditor.page, 'Apply filters').click();
  await expect(auditor.page).toHaveURL(/kind=sign_in/);
  await expect(auditor.page).toHaveURL(/outcome=refused/);
  const rows = eventRows(auditor.page);
  await expect(rows).toHaveCount(1);
  await expect(rows.first()).toContainText(FAILED);
  await expect(rows.first()).toContainText('Refused');
  await expect(rows.first()).toContainText('127.0.0.1');
  await expect(rows.first()).toContainText('Firefox on Linux');
  // The exact time is the tooltip of the relative one.
  await expect(rows.first().locator('time')).toHaveAttribute('title', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/);
  await expect(field(auditor.page, 'Person')).toHaveValue(mona.email);
  await checkA11y(auditor.page);
  await shots(auditor.page, 'filtered');

  // The CSV of that filter.
  const { download, text } = await exportFile(auditor.page, 'Export CSV');
  expect(download.suggestedFilename()).toMatch(/^activity-\d{4}-\d{2}-\d{2}\.csv$/);
  const [header, ...records] = parseCsv(text).filter((r) => r.some((cell) => cell !== ''));
  expect(header).toEqual(COLUMNS);
  expect(records.length).toBe(1);
  const record = Object.fromEntries(COLUMNS.map((name, i) => [name, records[0][i]]));
  expect(record).toMatchObject({ action: 'session.sign_in_failed', kind: 'sign_in', outcome: 'refused', ip: '127.0.0.1' });
  expect(record.user_agent).toContain('Firefox');
  expect(record.hash).toMatch(/^[0-9a-f]{64}$/);

  // The export itself is an event, done by the Auditor.
  await visit(auditor.page, ACTIVITY);
  await expect(eventRows(auditor.page).first()).toContainText('Exported the activity');
  await expect(eventRows(auditor.page).first()).toContainText('Audrey Auditor');

  // On Members: read-only, with each member's sign-in history.
  await visit(auditor.page, MEMBERS);
  await expect(memberRow(auditor.page, ownerAccount.email)).toContainText('Owner');
  await expect(memberRow(auditor.page, auditorEmail)).toContainText('Auditor');
  await expect(button(auditor.page, 'Invite member')).toHaveCount(0);
  await expect(auditor.page.locator('summary').filter({ hasText: 'Manage' })).toHaveCount(0);
  await expect(auditor.page.getByLabel(/^Role of /)).toHaveCount(0);
  await expect(button(auditor.page, 'Update role')).toHaveCount(0);
  await expect(auditor.page.getByRole('link', { name: `Sign-in history of ${mona.name}` })).toBeVisible();
  await checkA11y(auditor.page);
  await shots(auditor.page, 'members-auditor');
  // The server refuses what the screen does not offer.
  const monaId = await memberId(auditor.page, mona.email);
  const refused = await apiPost(auditor.page.request, 'update_member_role', { user_id: monaId, role: 'admin' });
  expect(refused.status()).toBe(403);
  expect((await apiPost(auditor.page.request, 'deactivate_member', { user_id: monaId })).status()).toBe(403);

  // Owners and Admins may give the role: the Owner's role select offers it.
  await visit(page, MEMBERS);
  await expect(memberRow(page, mona.email).getByLabel(`Role of ${mona.name}`).locator('option')).toHaveText([
    'Owner',
    'Admin',
    'Member',
    'Auditor',
  ]);
  await auditor.context.close();
  await mona.context.close();
});

test('a Member has no Activity entry and is refused the screen and its export', async ({ page, browser }) => {
  await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  await visit(mia.page, '/settings/profile');
  await expect(settingsNav(mia.page).getByRole('link', { name: 'Teams' })).toBeVisible();
  await expect(settingsNav(mia.page).getByRole('link', { name: 'Activity' })).toHaveCount(0);
  await visit(mia.page, ACTIVITY);
  await expect(mia.page.getByRole('alert').filter({ hasText: 'Your role in this organization does not allow that.' })).toBeVisible();
  await expect(button(mia.page, 'Export CSV')).toHaveCount(0);
  await expect(eventRows(mia.page)).toHaveCount(0);
  await checkA11y(mia.page);
  await shots(mia.page, 'member-refused');
  expect((await apiPost(mia.page.request, 'list_activity')).status()).toBe(403);
  expect((await apiPost(mia.page.request, 'export_activity', { format: 'csv' })).status()).toBe(403);
  // Nor a member's history.
  await visit(mia.page, `/settings/members/${await memberId(mia.page, mia.email)}/activity`);
  await expect(mia.page.getByRole('alert').filter({ hasText: 'Your role in this organization does not allow that.' })).toBeVisible();
  await mia.context.close();
});

test('Members filters those without a sign-in for N days; a member’s history shows the failed attempt', async ({ page, browser }) => {
  test.slow(); // three people
  await ownerOnMembers(page);
  const ina = await join(page, browser, 'Ina Inactive');
  const ava = await join(page, browser, 'Ava Active');
  await ina.context.close();
  await ava.context.close();
  // Ina last signed in 60 days ago (aged in the database: no time travel in the app).
  sql('UPDATE users SET last_sign_in_at = ? WHERE email = ?', String(Date.now() - 60 * 86_400_000), ina.email);
  await failSignIn(browser, ina.email);

  await visit(page, MEMBERS);
  await expect(memberRow(page, ina.email)).toContainText('2 months ago');
  const days = field(page, 'No sign-in for (days)');
  await expect(days).toHaveValue('30');
  await page.getByLabel('Inactive', { exact: true }).check();
  await button(page, 'Search').click();
  await expect(page).toHaveURL(/inactive=1/);
  await expect(page).toHaveURL(/inactive_days=30/);
  await expect(memberRow(page, ina.email)).toBeVisible();
  await expect(memberRow(page, ava.email)).toHaveCount(0);
  await expect(page.locator('.members-table tbody tr')).toHaveCount(1);
  await expect(page.getByLabel('Inactive', { exact: true })).toBeChecked();
  await checkA11y(page);
  await shots(page, 'members-inactive');

  await days.fill('90');
  await button(page, 'Search').click();
  await expect(page).toHaveURL(/inactive_days=90/);
  await expect(statusWith(page, 'No members match.')).toBeVisible();

  // A number the server refuses shows at the field.
  await visit(page, `${MEMBERS}?inactive=1&inactive_days=0`);
  await expectFieldError(field(page, 'No sign-in for (days)'), 'Enter a number of days from 1 to 3650');

  // Her sign-in history, from her row.
  await visit(page, MEMBERS);
  await page.getByRole('link', { name: `Sign-in history of ${ina.name}` }).click();
  await expect(page).toHaveURL(/\/settings\/members\/[0-9a-f-]{36}\/activity$/);
  await expect(page.getByRole('heading', { level: 1, name: `Sign-in history of ${ina.name}` })).toBeVisible();
  await expect(page.locator('.member-facts')).toContainText('2 months ago');
  const failed = eventRows(page).filter({ hasText: FAILED });
  await expect(failed).toHaveCount(1);
  await expect(failed).toContainText('Refused');
  await expect(failed).toContainText('Firefox on Linux');
  await expect(failed).toContainText('127.0.0.1');
  await expect(page.getByRole('columnheader')).toHaveText(['Time', 'Event', 'Outcome', 'IP', 'Device']);
  await checkA11y(page);
  await shots(page, 'member-history');
});

test('filters are refused by field, pages go back by keyset, and the Owner verifies the log', async ({ page }) => {
  test.slow(); // 55 projects
  await owner(page);
  // 55 events of one kind: more than a page (50).
  for (let i = 0; i < 55; i++) await apiCreateProject(page, projectName(`Paging ${i}`));

  await visit(page, `${ACTIVITY}?kind=projects`);
  await expect(eventRows(page)).toHaveCount(50);
  await expect(eventRows(page).first()).toContainText('Created a project');
  await expect(eventRows(page).first()).toContainText('Paging 54');
  await page.getByRole('link', { name: 'Older events' }).click();
  await expect(page).toHaveURL(/before=\d+/);
  await expect(page).toHaveURL(/kind=projects/);
  await expect(page.getByRole('heading', { level: 2, name: 'Older events' })).toBeVisible();
  await expect(eventRows(page)).toHaveCount(5);
  await expect(eventRows(page).last()).toContainText('Paging 0');
  await expect(page.getByRole('link', { name: 'Older events' })).toHaveCount(0);
  await page.getByRole('link', { name: 'Newest' }).click();
  await expect(page).not.toHaveURL(/before=/);
  await expect(eventRows(page)).toHaveCount(50);

  // Nothing refused yet: the empty state.
  await page.getByLabel('Outcome', { exact: true }).selectOption({ label: 'Refused' });
  await button(page, 'Apply filters').click();
  await expect(page.getByText('No events match')).toBeVisible();
  await checkA11y(page);
  await shots(page, 'empty');

  // Bad input, each at its field.
  await visit(page, `${ACTIVITY}?person=nobody-${Date.now()}&from=2026-05-10&to=2026-05-01`);
  await expectFieldError(field(page, 'Person'), 'No member matches');
  await expectFieldError(field(page, 'To'), 'Choose an end date on or after the start date');
  await expect(page.getByRole('alert').filter({ hasText: 'Please correct the highlighted fields.' })).toBeVisible();
  await expect(button(page, 'Export CSV')).toHaveCount(0);
  await checkA11y(page);
  await shots(page, 'invalid');

  // The Owner's check of the hash chain.
  await visit(page, ACTIVITY);
  await button(page, 'Verify audit log').click();
  await expect(statusWith(page, 'The audit log is intact')).toHaveText(/^The audit log is intact \(\d+ events checked\)$/);
  await checkA11y(page);
  await shots(page, 'owner');
});
