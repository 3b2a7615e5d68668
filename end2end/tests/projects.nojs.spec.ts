// Runs in the `no-js` project: every project screen works as plain HTML — "New project" and
// "Delete project" come back as forms on the page, the Members tab's search is a GET form whose
// candidates are checkboxes posted to add_project_members, and each change redirects back with
// its confirmation (or its error).
import { expect, test } from './fixtures';
import { button, expectPath, field, statusWith, visit } from './helpers';
import { MEMBERS, memberRow } from './members';
import { PROJECTS, join, owner, projectName, projectRow, projectRows } from './projects';

test.describe('without JavaScript', () => {
  test('an Owner creates a project and adds a member with a role', async ({ page, browser }) => {
    const boss = await owner(page);
    const mia = await join(page, browser, 'Mia Member');
    const vic = await join(page, browser, 'Vic Viewer');

    await visit(page, PROJECTS);
    await expect(page.getByText('No projects yet')).toBeVisible();
    await button(page, 'New project').click();
    await expect(page).toHaveURL(/\/projects\?new=1$/);
    const form = page.getByRole('region', { name: 'New project' });
    const name = projectName('Plain');
    await field(form, 'Name').fill(name);
    await field(form, 'Description (optional)').fill('Made without JavaScript');
    await button(form, 'Create project').click();
    await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}\?saved=created$/);
    await expect(statusWith(page, 'Project created')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    const id = new URL(page.url()).pathname.split('/')[2];

    await page.getByRole('link', { name: 'Members', exact: true }).click();
    await expectPath(page, `/projects/${id}/members`);
    const panel = page.getByRole('region', { name: 'Add members' });
    await field(panel, 'Search members by email or name').fill('example.com');
    await button(panel, 'Search').click();
    await expect(page).toHaveURL(/\?q=example\.com$/);
    // Both are offered; only the second is checked (its field is user_id[1]).
    const boxes = panel.getByRole('checkbox');
    await expect(boxes).toHaveCount(2);
    await expect(boxes.nth(1)).toHaveAttribute('name', 'user_id[1]');
    const second = (await boxes.nth(1).getAttribute('value')) ?? '';
    await boxes.nth(1).check();
    await panel.getByLabel('Role', { exact: true }).selectOption({ label: 'Viewer' });
    await button(panel, 'Add').click();
    await expect(page).toHaveURL(/\/members\?saved=added$/);
    await expect(statusWith(page, 'Added to the project')).toBeVisible();
    const added = page.locator(`.project-members-table tbody tr`).filter({ has: page.locator(`input[name="user_id"][value="${second}"]`) });
    await expect(added).toHaveCount(1);
    const person = (await added.textContent())?.includes(mia.email) ? mia : vic;
    const other = person === mia ? vic : mia;
    await expect(projectRow(page, person.email).getByLabel(`Project role of ${person.name}`)).toHaveValue('viewer');
    await expect(projectRow(page, other.email)).toHaveCount(0);

    // Role change, the explainer, and Remove, each a form post.
    const row = projectRow(page, person.email);
    await row.getByLabel(`Project role of ${person.name}`).selectOption('member');
    await button(row, 'Update role').click();
    await expect(statusWith(page, 'Project role updated')).toBeVisible();
    await projectRow(page, person.email).getByRole('button', { name: `Why does ${person.name} have access?` }).click();
    await expect(page).toHaveURL(/\?why=/);
    await expect(projectRow(page, person.email).locator('.reasons')).toContainText(`Use — Member of this project, added by ${boss.name}`);

    // The Members screen lists the person's projects on the page.
    await visit(page, MEMBERS);
    await button(memberRow(page, person.email), `Projects of ${person.name}`).click();
    await expect(page).toHaveURL(/\/settings\/members\?projects=/);
    const projects = page.getByRole('region', { name: `Projects of ${person.name}` });
    await expect(projects.getByRole('link', { name })).toBeVisible();
    await expect(projects).toContainText('Use — Member of this project');
    await projects.getByRole('link', { name }).click();
    await page.getByRole('link', { name: 'Members', exact: true }).click();

    await button(projectRow(page, person.email), `Remove ${person.name} from the project`).click();
    await expect(statusWith(page, 'Removed from the project')).toBeVisible();
    await expect(projectRow(page, person.email)).toHaveCount(0);

    // A refusal comes back as a message on the same screen.
    await field(panel, 'Search members by email or name').fill('example.com');
    await button(panel, 'Search').click();
    await button(panel, 'Add').click();
    await expect(page.getByText('Choose at least one person to add')).toBeVisible();

    await mia.context.close();
    await vic.context.close();
  });

  test('archive, restore and delete with the typed name', async ({ page }) => {
    await owner(page);
    const name = projectName('Plain');
    await visit(page, PROJECTS);
    await button(page, 'New project').click();
    await field(page.getByRole('region', { name: 'New project' }), 'Name').fill(name);
    await button(page, 'Create project').click();
    await expect(statusWith(page, 'Project created')).toBeVisible();
    const id = new URL(page.url()).pathname.split('/')[2];

    await button(page, 'Archive').click();
    await expect(page).toHaveURL(/\?saved=archived$/);
    await expect(page.getByText('This project is archived.')).toBeVisible();
    await expect(field(page, 'Name')).toHaveCount(0);
    await visit(page, `${PROJECTS}?archived=1`);
    await expect(projectRows(page).filter({ hasText: name })).toHaveCount(1);
    await visit(page, `/projects/${id}`);
    await button(page, 'Restore').click();
    await expect(statusWith(page, 'Project restored')).toBeVisible();
    await expect(field(page, 'Name')).toHaveValue(name);

    await button(page, 'Delete project').click();
    await expect(page).toHaveURL(/\?delete=1$/);
    await field(page, 'Project name').fill('not it');
    await button(page, 'Delete project').click();
    await expect(page.getByText("That is not the project's name")).toBeVisible();
    await field(page, 'Project name').fill(name);
    await button(page, 'Delete project').click();
    await expectPath(page, PROJECTS);
    await expect(statusWith(page, 'Project deleted')).toBeVisible();
    await expect(page.getByRole('link', { name, exact: true })).toHaveCount(0);
  });
});
