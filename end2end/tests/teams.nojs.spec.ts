// Runs in the `no-js` project: the Teams screens work as plain HTML — "Create Team", "Edit" and
// "Delete team" come back as forms on the page, the member searches are GET forms whose
// candidates are checkboxes posted as user_id[i], and each change redirects back with its
// confirmation (or its error).
import { expect, test, type Page } from './fixtures';
import { button, field, screenshots, statusWith, visit } from './helpers';
import { join, owner } from './projects';

const TEAMS = '/settings/teams';

function shot(page: Page, name: string): Promise<void> {
  return screenshots(page, `teams-nojs-${name}`);
}

test.describe('without JavaScript', () => {
  test('an Owner creates a team with a lead, adds and removes members, edits and deletes it', async ({ page, browser }) => {
    await owner(page);
    const lena = await join(page, browser, 'Lena Lead');
    const mia = await join(page, browser, 'Mia Member');
    const ned = await join(page, browser, 'Ned Newcomer');

    await visit(page, TEAMS);
    await expect(page.getByText('No teams yet')).toBeVisible();
    await button(page, 'Create Team').click();
    await expect(page).toHaveURL(/\/settings\/teams\?new=1$/);
    const form = page.getByRole('region', { name: 'Create Team' });
    // The search reloads the page: search first, then fill in the rest.
    await field(form, 'Members').fill('example.com');
    await button(form, 'Search').click();
    await expect(page).toHaveURL(/\?(?=.*\bnew=1\b)(?=.*\bfind=example\.com\b)/);
    await form.getByRole('checkbox', { name: new RegExp(lena.email) }).check();
    await form.getByRole('checkbox', { name: new RegExp(mia.email) }).check();
    await expect(form.getByRole('checkbox', { name: new RegExp(lena.email) })).toHaveAttribute('name', /^user_id\[\d\]$/);
    await form.getByLabel('Team lead (optional)').selectOption({ label: `Lena Lead (${lena.email})` });
    const name = `Plain ${Math.random().toString(36).slice(2, 8)}`;
    await field(form, 'Name').fill(name);
    await field(form, 'Description (optional)').fill('Made without JavaScript');
    await shot(page, 'create');
    await button(form, 'Create Team').click();
    await expect(page).toHaveURL(/\/settings\/teams\/[0-9a-f-]{36}\?saved=created$/);
    await expect(statusWith(page, 'Team created')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    await expect(page.locator('.team-facts')).toHaveText('Lead: Lena Lead · 2 members · 0 projects');
    const row = (email: string) => page.locator('.team-members-table tbody tr').filter({ hasText: email });
    await expect(row(lena.email).getByText('Lead', { exact: true })).toBeVisible();
    await expect(row(mia.email)).toBeVisible();

    // Add Ned; a refusal (nobody chosen) comes back as a message on the same screen.
    const add = page.getByRole('region', { name: 'Add members' });
    await button(add, 'Add').click();
    await expect(page.getByText('Choose at least one person to add')).toBeVisible();
    await field(add, 'Search members by email or name').fill(ned.email);
    await button(add, 'Search').click();
    await expect(page).toHaveURL(/\?find=/);
    await add.getByRole('checkbox', { name: new RegExp(ned.email) }).check();
    await button(add, 'Add').click();
    await expect(page).toHaveURL(/\?saved=added$/);
    await expect(statusWith(page, 'Added to the team')).toBeVisible();
    await expect(row(ned.email)).toBeVisible();

    await button(row(mia.email), 'Remove Mia Member from the team').click();
    await expect(page).toHaveURL(/\?saved=removed$/);
    await expect(statusWith(page, 'Removed from the team')).toBeVisible();
    await expect(row(mia.email)).toHaveCount(0);

    const lead = page.getByRole('region', { name: 'Team lead' });
    await lead.getByLabel('Lead', { exact: true }).selectOption({ label: `Ned Newcomer (${ned.email})` });
    await button(lead, 'Save lead').click();
    await expect(page).toHaveURL(/\?saved=lead$/);
    await expect(statusWith(page, 'Team lead updated')).toBeVisible();
    await expect(row(ned.email).getByText('Lead', { exact: true })).toBeVisible();
    await expect(row(lena.email).getByText('Lead', { exact: true })).toHaveCount(0);

    await button(page, 'Edit team').click();
    await expect(page).toHaveURL(/\?edit=1$/);
    const edit = page.getByRole('region', { name: 'Edit team' });
    await field(edit, 'Name').fill(`${name} renamed`);
    await button(edit, 'Save').click();
    await expect(page).toHaveURL(/\?saved=saved$/);
    await expect(statusWith(page, 'Team saved')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: `${name} renamed` })).toBeVisible();

    await button(page, 'Delete team').click();
    await expect(page).toHaveURL(/\?delete=1$/);
    const confirm = page.getByRole('region', { name: 'Delete team' });
    await expect(confirm).toContainText('This cannot be undone.');
    await shot(page, 'delete');
    await button(confirm, 'Delete team').click();
    await expect(page).toHaveURL(/\/settings\/teams\?saved=deleted$/);
    await expect(statusWith(page, 'Team deleted')).toBeVisible();
    await expect(page.getByText('No teams yet')).toBeVisible();

    for (const person of [lena, mia, ned]) await person.context.close();
  });
});
