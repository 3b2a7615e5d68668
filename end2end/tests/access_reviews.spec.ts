// Access reviews (issue 17): an Owner whose organization has gone 90 days without a review sees
// the banner, starts a review from Settings → Access reviews, deactivates a member who has not
// signed in for 30 days and downgrades an Admin to Member in place, keeps the others, completes
// the review and exports it as CSV; the Members screen shows both changes. An Admin reads the
// review without controls; a Member has no entry and is refused. With SHOTS=1, screenshots of each
// screen, desktop and narrow, go to /tmp/shots/access-reviews-*.png.
import fs from 'node:fs';
import { test, expect, type Locator, type Page } from './fixtures';
import { button, checkA11y, expectPath, screenshots, statusWith, visit } from './helpers';
import { eventRows } from './activity';
import { DEACTIVATED, MEMBERS, memberRow, sql } from './members';
import { addMembers, apiCreateProject, join, owner, projectName, today, type Person } from './projects';

const REVIEWS = '/settings/access-reviews';
const DAY_MS = 24 * 3600 * 1000;

function shots(page: Page, name: string): Promise<void> {
  return screenshots(page, `access-reviews-${name}`, true);
}

function settingsNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Settings' });
}

/** The review's row of the person with `email`. */
function reviewRow(page: Page, email: string): Locator {
  return page.locator('.review-table tbody tr').filter({ hasText: email });
}

/** The organization of the Owner signed up as `email` has existed for `days` days, and so has
 * their membership (nobody completed a review since). */
function ageOrganization(email: string, days: number): void {
  sql(
    'UPDATE organizations SET created_at = ? WHERE id IN ' +
      '(SELECT m.org_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = ?)',
    String(Date.now() - days * DAY_MS),
    email,
  );
}

/** `person` last signed in `days` ago. */
function lastSignedIn(person: Person, days: number): void {
  sql('UPDATE users SET last_sign_in_at = ? WHERE email = ?', String(Date.now() - days * DAY_MS), person.email);
}

test('an Owner reviews access: deactivates an inactive member, downgrades an Admin, completes and exports', async ({ page, browser }) => {
  test.slow(); // many screens, each checked with axe and photographed twice
  const boss = await owner(page);
  const alan = await join(page, browser, 'Alan Admin', 'admin');
  const ivy = await join(page, browser, 'Ivy Idle');
  const mo = await join(page, browser, 'Mo Member');
  const project = projectName('Apollo');
  const projectId = await apiCreateProject(page, project);
  await addMembers(page, projectId, [ivy], 'Viewer');
  lastSignedIn(ivy, 40);
  ageOrganization(boss.email, 120);

  // Overdue: the banner on every page, for the Owner, leads to the reviews.
  await visit(page, '/');
  const banner = page.getByRole('status').filter({ hasText: 'No access review of' });
  await expect(banner).toContainText(`No access review of ${boss.organization} was completed in the last 90 days.`);
  await shots(page, 'banner');
  await banner.getByRole('link', { name: 'Review access' }).click();
  await expectPath(page, REVIEWS);
  await expect(banner).toHaveCount(0);
  await expect(settingsNav(page).getByRole('link', { name: 'Access reviews' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'Access reviews' })).toBeVisible();
  await expect(page.getByText('No access review was completed in the last 90 days: one is due.')).toBeVisible();
  await expect(page.getByText('No access reviews yet')).toBeVisible();
  await checkA11y(page);
  await shots(page, 'empty');

  // Start: the review's page, a row for each of the four people.
  await button(page, 'Start access review').click();
  await expect(page).toHaveURL(new RegExp(`${REVIEWS}/[0-9a-f-]{36}$`));
  await expect(statusWith(page, "Access review started: decide each person's access")).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: `Access review of ${today()} In progress` })).toBeVisible();
  await expect(page.locator('.review-meta')).toHaveText(`Started by ${boss.name} on ${today()}`);
  const progress = page.locator('#review-progress-label');
  await expect(progress).toHaveText('0 of 4 decided');
  await expect(page.getByText('4 rows are left to decide before you can complete the review.')).toBeVisible();
  await expect(page.locator('.review-table tbody tr')).toHaveCount(4);

  // Each row's facts.
  const ivyRow = reviewRow(page, ivy.email);
  await expect(ivyRow.getByRole('rowheader')).toContainText('Ivy Idle');
  await expect(ivyRow).toContainText('Member');
  await expect(ivyRow).toContainText('40 days ago');
  await expect(ivyRow.getByText('Inactive', { exact: true })).toBeVisible();
  await expect(ivyRow).toContainText(`${project} · Viewer`);
  const alanRow = reviewRow(page, alan.email);
  await expect(alanRow.getByText('Owner or Admin rights', { exact: true })).toBeVisible();
  await expect(alanRow).toContainText('Admin on every project through their role');
  await expect(reviewRow(page, mo.email).getByText('None', { exact: true })).toBeVisible();
  await expect(reviewRow(page, boss.email).getByText('You', { exact: true })).toBeVisible();
  await expect(reviewRow(page, boss.email).getByRole('button', { name: `Remove ${boss.name}` })).toHaveCount(0);
  await checkA11y(page);
  await shots(page, 'review');

  // "Needs attention": the Owner, the Admin and the inactive member.
  await page.getByRole('navigation', { name: 'Show' }).getByRole('link', { name: 'Needs attention' }).click();
  await expect(page).toHaveURL(/\?show=attention$/);
  await expect(page.locator('.review-table tbody tr')).toHaveCount(3);
  await expect(reviewRow(page, mo.email)).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Show' }).getByRole('link', { name: 'All' }).click();
  await expect(page.locator('.review-table tbody tr')).toHaveCount(4);

  // Deactivate the inactive member, after the confirmation.
  await button(reviewRow(page, ivy.email), 'Deactivate Ivy Idle').click();
  const confirm = page.getByRole('dialog', { name: 'Deactivate Ivy Idle?' });
  await expect(confirm).toBeVisible();
  await checkA11y(page);
  await shots(page, 'confirm-deactivate');
  await button(confirm, 'Deactivate').click();
  await expect(statusWith(page, 'Ivy Idle was deactivated: their sessions here have ended')).toBeVisible();
  await expect(reviewRow(page, ivy.email).locator('.decision')).toContainText(`Deactivated by ${boss.name}, just now`);
  await expect(progress).toHaveText('1 of 4 decided');

  // Downgrade the Admin to Member in place.
  const role = reviewRow(page, alan.email).getByLabel('New role for Alan Admin');
  await expect(role.locator('option')).toHaveText(['Member', 'Auditor', 'Owner']);
  await expect(role).toHaveValue('member');
  await button(reviewRow(page, alan.email), 'Change role of Alan Admin').click();
  await expect(statusWith(page, 'Alan Admin is now Member')).toBeVisible();
  await expect(reviewRow(page, alan.email).locator('.decision')).toContainText('Role changed to Member');

  // Keep the others; then the review can be completed.
  await button(reviewRow(page, mo.email), 'Keep Mo Member').click();
  await expect(reviewRow(page, mo.email).locator('.decision')).toContainText('Kept');
  await button(reviewRow(page, boss.email), `Keep ${boss.name}`).click();
  await expect(progress).toHaveText('4 of 4 decided');
  await expect(page.locator('.review-tally')).toHaveText('Kept 2 · Role changed 1 · Removed 0 · Deactivated 1');
  await checkA11y(page);
  await shots(page, 'decided');
  await button(page, 'Complete review').click();
  await expect(statusWith(page, 'Access review completed')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: `Access review of ${today()} Completed` })).toBeVisible();
  await expect(page.locator('.review-meta')).toHaveText(
    `Started by ${boss.name} on ${today()} · Completed by ${boss.name} on ${today()}`,
  );
  await expect(button(page, 'Complete review')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Keep / })).toHaveCount(0);
  await expect(page.locator('summary').filter({ hasText: 'Change decision' })).toHaveCount(0);
  await shots(page, 'completed');

  // The Members screen shows both changes; the deactivated member's session is over.
  await visit(page, MEMBERS);
  await expect(memberRow(page, ivy.email)).toContainText('Deactivated');
  await expect(memberRow(page, alan.email).getByLabel('Role of Alan Admin')).toHaveValue('member');
  await ivy.page.goto('/settings/profile');
  await expectPath(ivy.page, '/login');
  await expect(statusWith(ivy.page, DEACTIVATED)).toBeVisible();

  // Activity shows both changes, done by the Owner to each person.
  await visit(page, '/settings/activity?kind=members');
  const events = eventRows(page);
  await expect(events.filter({ hasText: 'Deactivated a member' }).filter({ hasText: 'Ivy Idle' })).toContainText(boss.name);
  await expect(
    events.filter({ hasText: "Changed a member's role from Admin to Member" }).filter({ hasText: 'Alan Admin' }),
  ).toContainText(boss.name);

  // The banner is gone; the list shows the completed review, and it exports as CSV.
  await visit(page, '/');
  await expect(page.getByText('No access review of')).toHaveCount(0);
  await visit(page, REVIEWS);
  await expect(page.getByText(`Last completed ${today()}. The next review is due`)).toBeVisible();
  const listed = page.locator('.access-reviews-table tbody tr');
  await expect(listed).toHaveCount(1);
  await expect(listed).toContainText('Completed');
  await expect(listed).toContainText('4 of 4 decided');
  await expect(listed).toContainText(`By ${boss.name} on ${today()}`);
  await checkA11y(page);
  await shots(page, 'list');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    listed.getByRole('link', { name: /^Export the review started .* as CSV$/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^access-review-\d{4}-\d{2}-\d{2}-[0-9a-f-]{36}\.csv$/);
  const csv = fs.readFileSync(await download.path(), 'utf8');
  const lines = csv.trim().split('\r\n').map((line) => line.split(','));
  const header = lines[0];
  expect(header).toEqual([
    'review_id', 'review_started_at', 'review_started_by', 'review_completed_at', 'review_completed_by',
    'name', 'email', 'role', 'last_sign_in_at', 'mfa', 'privileged', 'inactive', 'mfa_missing',
    'projects', 'teams', 'decision', 'new_role', 'decided_by', 'decided_at',
  ]);
  const rows = lines.slice(1).map((cells) => Object.fromEntries(header.map((name, i) => [name, cells[i]])));
  expect(rows).toHaveLength(4);
  const byEmail = (email: string) => rows.find((row) => row.email === email);
  expect(byEmail(ivy.email)).toMatchObject({ role: 'member', inactive: 'yes', decision: 'deactivate', projects: `${project} (viewer)`, decided_by: boss.name });
  expect(byEmail(alan.email)).toMatchObject({ role: 'admin', privileged: 'yes', decision: 'change_role', new_role: 'member' });
  expect(byEmail(mo.email)).toMatchObject({ decision: 'keep', review_completed_by: boss.name });
  for (const person of [alan, ivy, mo]) await person.context.close();
});

test('an Admin reads a review without deciding; a Member has no entry and is refused', async ({ page, browser }) => {
  test.slow(); // three people in three browsers
  await owner(page);
  const alan = await join(page, browser, 'Alan Admin', 'admin');
  const mo = await join(page, browser, 'Mo Member');
  await visit(page, REVIEWS);
  await button(page, 'Start access review').click();
  await expect(page).toHaveURL(new RegExp(`${REVIEWS}/[0-9a-f-]{36}$`));
  const reviewPath = new URL(page.url()).pathname;

  // The Admin: the entry, the list without "Start", the review without controls.
  await visit(alan.page, '/settings/profile');
  await settingsNav(alan.page).getByRole('link', { name: 'Access reviews' }).click();
  await expectPath(alan.page, REVIEWS);
  await expect(alan.page.locator('.access-reviews-table tbody tr')).toContainText('0 of 3 decided');
  await expect(button(alan.page, 'Start access review')).toHaveCount(0);
  await expect(alan.page.getByRole('link', { name: 'Continue the review in progress' })).toHaveCount(0);
  await visit(alan.page, reviewPath);
  await expect(alan.page.locator('.review-table tbody tr')).toHaveCount(3);
  await expect(reviewRow(alan.page, mo.email)).toContainText('Undecided');
  await expect(alan.page.getByRole('button', { name: /^(Keep|Change role of|Remove|Deactivate) / })).toHaveCount(0);
  await expect(button(alan.page, 'Complete review')).toHaveCount(0);
  await checkA11y(alan.page);
  await shots(alan.page, 'admin-reads');

  // The Member: no entry; the screen says why.
  await visit(mo.page, '/settings/profile');
  await expect(settingsNav(mo.page).getByRole('link', { name: 'Members' })).toBeVisible();
  await expect(settingsNav(mo.page).getByRole('link', { name: 'Access reviews' })).toHaveCount(0);
  await visit(mo.page, REVIEWS);
  await expect(mo.page.getByRole('alert').filter({ hasText: 'Your role in this organization does not allow that.' })).toBeVisible();
  await visit(mo.page, reviewPath);
  await expect(mo.page.getByRole('alert').filter({ hasText: 'Your role in this organization does not allow that.' })).toBeVisible();
  await checkA11y(mo.page);
  for (const person of [alan, mo]) await person.context.close();
});
