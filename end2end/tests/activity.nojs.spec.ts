// Runs in the `no-js` project: the Activity screen's filters are a GET form, its paging plain
// links, its exports plain form posts that download, and "Verify audit log" a GET too; the
// Members screen's "Inactive" filter is part of its search form.
import { test, expect } from './fixtures';
import { button, expectPath, field, newAccount, signUpVerified, statusWith, visit } from './helpers';
import { ACTIVITY, COLUMNS, eventRows, exportFile } from './activity';
import { MEMBERS, sql } from './members';
import { apiCreateProject, projectName } from './projects';

test.describe('without JavaScript', () => {
  test('filters, pages, exports and verifies', async ({ page }) => {
    test.slow(); // 52 projects
    const owner = newAccount();
    await signUpVerified(page, owner);
    for (let i = 0; i < 52; i++) await apiCreateProject(page, projectName(`Nojs ${i}`));

    await visit(page, ACTIVITY);
    await page.getByLabel('Kind', { exact: true }).selectOption({ label: 'Projects' });
    await button(page, 'Apply filters').click();
    await expectPath(page, ACTIVITY);
    await expect(page).toHaveURL(/kind=projects/);
    await expect(eventRows(page)).toHaveCount(50);
    await expect(eventRows(page).first()).toContainText('Created a project');
    await expect(page.getByLabel('Kind', { exact: true })).toHaveValue('projects');

    await page.getByRole('link', { name: 'Older events' }).click();
    await expect(page).toHaveURL(/before=\d+/);
    await expect(eventRows(page)).toHaveCount(2);
    await page.getByRole('link', { name: 'Newest' }).click();
    await expect(page).not.toHaveURL(/before=/);
    await expect(eventRows(page)).toHaveCount(50);

    // The export of that filter, as JSON Lines: one object per line with the CSV's columns.
    const { download, text } = await exportFile(page, 'Export JSON Lines');
    expect(download.suggestedFilename()).toMatch(/^activity-\d{4}-\d{2}-\d{2}\.jsonl$/);
    const lines = text.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBe(52);
    for (const line of lines) {
      const event = JSON.parse(line);
      expect(Object.keys(event).sort()).toEqual([...COLUMNS].sort());
      expect(event).toMatchObject({ kind: 'projects', action: 'project.created', outcome: 'succeeded' });
    }
    // The page stayed where it was.
    await expect(page).toHaveURL(/kind=projects/);

    const csv = await exportFile(page, 'Export CSV');
    expect(csv.text.split(/\r?\n/)[0]).toBe(COLUMNS.join(','));

    await button(page, 'Verify audit log').click();
    await expect(page).toHaveURL(/verify=1/);
    await expect(page).toHaveURL(/kind=projects/);
    await expect(statusWith(page, 'The audit log is intact')).toHaveText(/^The audit log is intact \(\d+ events checked\)$/);
  });

  test('the Inactive filter on Members', async ({ page }) => {
    const owner = newAccount();
    await signUpVerified(page, owner);
    await visit(page, MEMBERS);
    await page.getByLabel('Inactive', { exact: true }).check();
    await button(page, 'Search').click();
    await expect(page).toHaveURL(/inactive=1&inactive_days=30/);
    await expect(statusWith(page, 'No members match.')).toBeVisible();
    // Aged 40 days, the Owner is inactive for 30 days, not for 60.
    sql('UPDATE users SET last_sign_in_at = ? WHERE email = ?', String(Date.now() - 40 * 86_400_000), owner.email);
    await visit(page, `${MEMBERS}?inactive=1&inactive_days=30`);
    await expect(page.locator('.members-table tbody tr').filter({ hasText: owner.email })).toContainText('40 days ago');
    await field(page, 'No sign-in for (days)').fill('60');
    await button(page, 'Search').click();
    await expect(page).toHaveURL(/inactive_days=60/);
    await expect(statusWith(page, 'No members match.')).toBeVisible();
  });
});
