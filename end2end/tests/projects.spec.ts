// The Projects screens as the product describes them: an Owner creates a project and adds
// members with the multi-select; members see only their projects; a Viewer cannot change
// settings; the explainer; a role change reaches the affected person without signing out.
import { test, expect } from './fixtures';
import { apiPost, button, checkA11y, field, statusWith, visit } from './helpers';
import {
  PROJECTS,
  addMembers,
  addPanel,
  apiCreateProject,
  createProject,
  join,
  membersTab,
  openProject,
  owner,
  projectName,
  projectRow,
  projectRows,
  selectCandidate,
  today,
  why,
} from './projects';

test('an Owner creates a project and adds two members with different roles through the multi-select', async ({ page, browser }) => {
  test.slow(); // three people, each screen checked with axe
  const boss = await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const vic = await join(page, browser, 'Vic Viewer');

  await visit(page, PROJECTS);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Projects' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByText('No projects yet')).toBeVisible();
  await checkA11y(page);
  await button(page, 'New project').click();
  await checkA11y(page);
  await page.keyboard.press('Escape');

  const name = projectName();
  const id = await createProject(page, name, 'The first landing');
  await expect(statusWith(page, 'Project created')).toBeVisible();
  await expect(page.locator('.project-role')).toContainText('Your role: Admin · Organization Owner');
  await checkA11y(page);

  await page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'Members' }).click();
  await expect(page).toHaveURL(new RegExp(`${membersTab(id)}$`));
  const tabs = page.getByRole('navigation', { name: 'Project sections' });
  await expect(tabs.getByRole('link', { name: 'Members' })).toHaveAttribute('aria-current', 'page');
  await expect(tabs.getByRole('link', { name: 'General' })).not.toHaveAttribute('aria-current', 'page');
  const panel = addPanel(page);
  await expect(panel).toBeVisible();
  // The Owner is listed as an implicit Admin, with no role control and no Remove.
  const ownerRow = projectRow(page, boss.email);
  await expect(ownerRow).toContainText('Organization Owner');
  await expect(ownerRow.getByRole('combobox')).toHaveCount(0);
  await expect(ownerRow.getByRole('button', { name: /^Remove/ })).toHaveCount(0);

  // Select two people from two searches: the first stays selected (a chip) while searching again.
  await selectCandidate(page, 'mia', mia.email);
  await selectCandidate(page, vic.email.slice(0, 12), vic.email);
  const chips = panel.getByRole('list', { name: 'Selected' });
  await expect(chips.getByRole('listitem')).toHaveText([/Mia Member/, /Vic Viewer/]);
  await checkA11y(page);
  await panel.getByLabel('Role', { exact: true }).selectOption({ label: 'Member' });
  await button(panel, 'Add').click();
  await expect(statusWith(page, 'Added to the project')).toBeVisible();
  await expect(chips).toHaveCount(0);
  await expect(projectRow(page, mia.email).getByLabel('Project role of Mia Member')).toHaveValue('member');
  await expect(projectRow(page, vic.email).getByLabel('Project role of Vic Viewer')).toHaveValue('member');
  await expect(projectRow(page, mia.email)).toContainText('Direct');

  // Vic becomes a Viewer through the row's dropdown.
  const vicRow = projectRow(page, vic.email);
  await vicRow.getByLabel('Project role of Vic Viewer').selectOption({ label: 'Viewer' });
  await button(vicRow, 'Update role').click();
  await expect(statusWith(page, 'Project role updated')).toBeVisible();
  await visit(page, membersTab(id));
  await expect(projectRow(page, vic.email).getByLabel('Project role of Vic Viewer')).toHaveValue('viewer');
  await expect(projectRow(page, mia.email).getByLabel('Project role of Mia Member')).toHaveValue('member');
  // Already on the project: no longer offered.
  await field(panel, 'Search members by email or name').fill(mia.email);
  await expect(panel.getByText(/No member of the organization without a role here matches/)).toBeVisible();
  await checkA11y(page);

  // Removing asks first.
  await button(projectRow(page, mia.email), 'Remove Mia Member from the project').click();
  const dialog = page.getByRole('dialog', { name: 'Remove Mia Member from the project?' });
  await expect(dialog).toContainText('They stay a member of the organization.');
  await button(dialog, 'Cancel').click();
  await expect(projectRow(page, mia.email)).toBeVisible();

  await mia.context.close();
  await vic.context.close();
});

test('a member sees only the projects they hold a role on; a Viewer cannot change settings', async ({ page, browser }) => {
  await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const vic = await join(page, browser, 'Vic Viewer');
  const mine = projectName('Mine');
  const other = projectName('Other');
  const id = await apiCreateProject(page, mine, 'Shared with Mia and Vic');
  await apiCreateProject(page, other);

  // Before any grant: nothing to see, and what to do about it.
  await visit(mia.page, PROJECTS);
  await expect(mia.page.getByText('No projects yet')).toBeVisible();
  await expect(mia.page.getByText(/You have no access to any project yet\. Ask an Owner or Admin/)).toBeVisible();
  await expect(button(mia.page, 'New project')).toHaveCount(0);
  await checkA11y(mia.page);

  await addMembers(page, id, [mia], 'Member');
  await addMembers(page, id, [vic], 'Viewer');

  await visit(mia.page, PROJECTS);
  await expect(projectRows(mia.page)).toHaveCount(1);
  await expect(projectRows(mia.page).first()).toContainText(mine);
  await expect(projectRows(mia.page).first()).toContainText('Member');
  await expect(projectRows(mia.page).first()).toContainText('Direct');
  await expect(mia.page.getByText(other)).toHaveCount(0);
  // Another project's page is "not found" to her.
  await visit(page, PROJECTS);
  await expect(projectRows(page)).toHaveCount(2);
  const otherHref = await page.getByRole('link', { name: other, exact: true }).getAttribute('href');
  await visit(mia.page, otherHref ?? '/');
  await expect(mia.page.getByRole('heading', { level: 1, name: 'Project not found' })).toBeVisible();

  // The Viewer: read-only text, no form controls, and the server refuses a direct post.
  await visit(vic.page, PROJECTS);
  await openProject(vic.page, mine);
  await expect(vic.page.locator('.project-role')).toContainText('Your role: Viewer');
  await expect(vic.page.locator('.facts')).toContainText('Shared with Mia and Vic');
  await expect(vic.page.getByRole('textbox')).toHaveCount(0);
  await expect(button(vic.page, 'Save')).toHaveCount(0);
  await expect(button(vic.page, 'Archive')).toHaveCount(0);
  await expect(button(vic.page, 'Delete project')).toHaveCount(0);
  await checkA11y(vic.page);
  const refused = await apiPost(vic.page.request, 'update_project', { project_id: id, name: 'Hijacked', description: '' });
  expect(refused.status()).toBe(403);
  await vic.page.getByRole('link', { name: 'Members' }).click();
  await expect(projectRow(vic.page, mia.email)).toBeVisible();
  await expect(addPanel(vic.page)).toHaveCount(0);
  await expect(vic.page.getByRole('combobox')).toHaveCount(0);
  await expect(vic.page.getByRole('button', { name: /^Remove/ })).toHaveCount(0);
  // A Viewer may ask why they themselves have access, not why others do.
  await expect(projectRow(vic.page, mia.email).getByRole('button', { name: /^Why/ })).toHaveCount(0);
  await expect(await why(vic.page, vic)).toContainText(`View — Viewer of this project, added by`);
  await checkA11y(vic.page);

  await mia.context.close();
  await vic.context.close();
});

test('the explainer names an implicit Admin and a direct grant with who added it and when', async ({ page, browser }) => {
  const boss = await owner(page);
  const ada = await join(page, browser, 'Ada Admin', 'admin');
  const mia = await join(page, browser, 'Mia Member');
  const id = await apiCreateProject(page, projectName());
  await addMembers(page, id, [mia], 'Member');

  const adaReasons = await why(page, ada);
  await expect(adaReasons).toHaveText('Edit — Admin of the organization');
  await expect(projectRow(page, ada.email)).toContainText('Organization Admin');
  const miaReasons = await why(page, mia);
  await expect(miaReasons).toHaveText(`Use — Member of this project, added by ${boss.name} on ${today()}`);
  // One explanation open at a time; "Why?" again closes it.
  await expect(adaReasons).toHaveCount(0);
  await projectRow(page, mia.email).getByRole('button', { name: 'Why does Mia Member have access?' }).click();
  await expect(projectRow(page, mia.email).locator('.reasons')).toHaveCount(0);
  await checkA11y(page);

  // The organization Admin sees the Members tab with every control, as an implicit Admin.
  await visit(ada.page, membersTab(id));
  await expect(addPanel(ada.page)).toBeVisible();
  await expect(projectRow(ada.page, mia.email).getByLabel('Project role of Mia Member')).toBeVisible();
  await expect(await why(ada.page, boss)).toHaveText('Edit — Owner of the organization');

  await ada.context.close();
  await mia.context.close();
});

test('a role change reaches the affected person on their next page load, without signing out', async ({ page, browser }) => {
  await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const name = projectName();
  const id = await apiCreateProject(page, name, 'Before');
  await addMembers(page, id, [mia], 'Member');

  await visit(mia.page, `/projects/${id}`);
  await expect(mia.page.locator('.project-role')).toContainText('Your role: Member');
  await expect(field(mia.page, 'Name')).toHaveCount(0);

  const row = projectRow(page, mia.email);
  await row.getByLabel('Project role of Mia Member').selectOption('admin');
  await button(row, 'Update role').click();
  await expect(statusWith(page, 'Project role updated')).toBeVisible();

  await mia.page.reload();
  await expect(mia.page.locator('.project-role')).toContainText('Your role: Admin · Direct');
  await field(mia.page, 'Name').fill(`${name} renamed`);
  await button(mia.page, 'Save').click();
  await expect(statusWith(mia.page, 'Project saved')).toBeVisible();
  await expect(mia.page.getByRole('heading', { level: 1, name: `${name} renamed` })).toBeVisible();

  // And back down: the form is gone at the next load.
  await visit(page, membersTab(id));
  const again = projectRow(page, mia.email);
  await again.getByLabel('Project role of Mia Member').selectOption('viewer');
  await button(again, 'Update role').click();
  await expect(statusWith(page, 'Project role updated')).toBeVisible();
  await mia.page.reload();
  await expect(mia.page.locator('.project-role')).toContainText('Your role: Viewer');
  await expect(field(mia.page, 'Name')).toHaveCount(0);
  await mia.context.close();
});
