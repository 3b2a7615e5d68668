// A project's life and the list around it: archive (read-only, listed under Archived), restore,
// delete with the typed name, search and pages; inviting someone who is not in the organization
// yet; and a member's projects on the organization's Members screen.
import { test, expect } from './fixtures';
import { apiPost, button, checkA11y, expectFieldError, field, statusWith, visit } from './helpers';
import { MEMBERS, acceptAsNew, memberRow } from './members';
import {
  PROJECTS,
  addMembers,
  addPanel,
  apiCreateProject,
  join,
  membersTab,
  openProject,
  owner,
  projectName,
  projectRow,
  projectRows,
  today,
} from './projects';

test('an archived project is listed under Archived and read-only until restored', async ({ page, browser }) => {
  await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const name = projectName('Archive');
  const id = await apiCreateProject(page, name, 'Old work');
  await addMembers(page, id, [mia], 'Member');

  await visit(page, `/projects/${id}`);
  await button(page, 'Archive').click();
  await expect(statusWith(page, 'Project archived: it is read-only until restored')).toBeVisible();
  await expect(page.getByText('This project is archived.')).toBeVisible();
  await expect(field(page, 'Name')).toHaveCount(0);
  await expect(button(page, 'Save')).toHaveCount(0);
  await expect(button(page, 'Restore')).toBeVisible();
  await checkA11y(page);

  // Listed under Archived only.
  await visit(page, PROJECTS);
  await expect(page.getByRole('link', { name, exact: true })).toHaveCount(0);
  await page.getByRole('navigation', { name: 'Show' }).getByRole('link', { name: 'Archived' }).click();
  await expect(page).toHaveURL(/archived=1/);
  await expect(page.getByRole('link', { name: 'Archived' })).toHaveAttribute('aria-current', 'page');
  await expect(projectRows(page)).toHaveCount(1);
  await expect(projectRows(page).first()).toContainText(name);
  await expect(projectRows(page).first()).toContainText('Archived');

  // Its members stay, read-only: no adding, no role control, no Remove.
  await visit(page, membersTab(id));
  await expect(projectRow(page, mia.email)).toContainText('Member');
  await expect(addPanel(page)).toHaveCount(0);
  await expect(page.getByRole('combobox')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Remove/ })).toHaveCount(0);

  // The member sees it under Archived, read-only too.
  await visit(mia.page, `${PROJECTS}?archived=1`);
  await openProject(mia.page, name);
  await expect(mia.page.getByText('This project is archived.')).toBeVisible();
  await expect(mia.page.getByRole('textbox')).toHaveCount(0);

  await visit(page, `/projects/${id}`);
  await button(page, 'Restore').click();
  await expect(statusWith(page, 'Project restored')).toBeVisible();
  await expect(field(page, 'Name')).toHaveValue(name);
  await expect(page.getByText('This project is archived.')).toHaveCount(0);
  await mia.context.close();
});

test('deleting asks for the project name in a dialog', async ({ page }) => {
  await owner(page);
  const name = projectName('Doomed');
  const id = await apiCreateProject(page, name);
  await visit(page, `/projects/${id}`);
  const opener = button(page, 'Delete project');
  await opener.click();
  const dialog = page.getByRole('dialog', { name: 'Delete project' });
  await expect(dialog).toContainText(`This deletes ${name}`);
  await expect(field(dialog, 'Project name')).toBeFocused();
  await checkA11y(page);
  // Escape closes it and focus returns to the button that opened it.
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(opener).toBeFocused();

  await opener.click();
  await field(dialog, 'Project name').fill('Something else');
  await button(dialog, 'Delete project').click();
  await expectFieldError(field(dialog, 'Project name'), "That is not the project's name");
  await field(dialog, 'Project name').fill(name);
  await button(dialog, 'Delete project').click();
  await expect(page).toHaveURL((url) => url.pathname === PROJECTS);
  await expect(statusWith(page, 'Project deleted')).toBeVisible();
  await expect(page.getByRole('link', { name, exact: true })).toHaveCount(0);
  await visit(page, `/projects/${id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Project not found' })).toBeVisible();
});

test('the list searches, pages past 25 projects, and refuses a duplicate name', async ({ page }) => {
  await owner(page);
  const prefix = `Batch ${Math.random().toString(36).slice(2, 6)}`;
  for (let i = 1; i <= 26; i += 1) {
    await apiCreateProject(page, `${prefix} ${String(i).padStart(2, '0')}`);
  }
  await visit(page, PROJECTS);
  await expect(projectRows(page)).toHaveCount(25);
  await expect(page.getByText('Showing 1–25 of 26')).toBeVisible();
  const pages = page.getByRole('navigation', { name: 'Pages' });
  await expect(pages).toContainText('Page 1 of 2');
  await pages.getByRole('link', { name: 'Next' }).click();
  await expect(pages).toContainText('Page 2 of 2');
  await expect(projectRows(page)).toHaveCount(1);
  await expect(projectRows(page).first()).toContainText(`${prefix} 26`);

  await page.getByLabel('Search projects').fill(`${prefix} 07`);
  await button(page, 'Search').click();
  await expect(projectRows(page)).toHaveCount(1);
  await expect(projectRows(page).first()).toContainText(`${prefix} 07`);
  await page.getByLabel('Search projects').fill('nothing like this');
  await button(page, 'Search').click();
  await expect(page.getByText('No projects match')).toBeVisible();

  await visit(page, PROJECTS);
  await button(page, 'New project').click();
  const dialog = page.getByRole('dialog', { name: 'New project' });
  await field(dialog, 'Name').fill(`${prefix} 07`.toUpperCase());
  await button(dialog, 'Create project').click();
  await expectFieldError(field(dialog, 'Name'), 'Another project of this organization already has this name.');
});

test('someone outside the organization is invited from the Members tab and gets the role on acceptance', async ({ page, browser }) => {
  await owner(page);
  const name = projectName('Invite');
  const id = await apiCreateProject(page, name);
  await visit(page, membersTab(id));
  const panel = addPanel(page);
  const search = field(panel, 'Search members by email or name');
  await expect(panel.getByText('Type an email or a name to find members of the organization.')).toBeVisible();
  const email = `newbie-${Date.now()}@example.com`;
  await search.fill(email);
  await expect(panel.getByText(/No member of the organization without a role here matches/)).toBeVisible();
  await panel.getByLabel('Role', { exact: true }).selectOption({ label: 'Viewer' });
  await button(panel, `Invite ${email}`).click();
  const linkDialog = page.getByRole('dialog', { name: 'Invitation link' });
  await expect(linkDialog).toContainText('They get the project role when they accept.');
  const link = await linkDialog.getByLabel('Invitation link').inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await checkA11y(page);
  await button(linkDialog, 'Close').click();
  // The search is cleared for the next person.
  await expect(search).toHaveValue('');
  await expect(panel.getByText('Type an email or a name to find members of the organization.')).toBeVisible();

  const newbie = await acceptAsNew(browser, link, 'Nina Newbie');
  await visit(newbie.page, PROJECTS);
  await expect(projectRows(newbie.page)).toHaveCount(1);
  await expect(projectRows(newbie.page).first()).toContainText(name);
  await expect(projectRows(newbie.page).first()).toContainText('Viewer');
  await visit(page, membersTab(id));
  await expect(projectRow(page, email)).toContainText('Nina Newbie');
  await expect(projectRow(page, email).getByLabel('Project role of Nina Newbie')).toHaveValue('viewer');
  await newbie.context.close();
});

test("the Members screen opens a member's projects with role and reason", async ({ page, browser }) => {
  const boss = await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const vic = await join(page, browser, 'Vic Viewer');
  const shared = projectName('Shared');
  const hidden = projectName('Hidden');
  const id = await apiCreateProject(page, shared);
  await apiCreateProject(page, hidden);
  await addMembers(page, id, [mia], 'Member');

  await visit(page, MEMBERS);
  await button(memberRow(page, mia.email), 'Projects of Mia Member').click();
  const dialog = page.getByRole('dialog', { name: 'Projects of Mia Member' });
  await expect(dialog.getByRole('listitem').filter({ hasText: shared })).toContainText('Member');
  await expect(dialog).toContainText(`Use — Member of this project, added by ${boss.name} on ${today()}`);
  await expect(dialog).not.toContainText(hidden);
  await checkA11y(page);
  await button(dialog, 'Close').click();

  // The Owner's own: every project, as Admin through the organization.
  await button(memberRow(page, boss.email), `Projects of ${boss.name}`).click();
  const own = page.getByRole('dialog', { name: `Projects of ${boss.name}` });
  await expect(own.getByRole('listitem').filter({ hasText: hidden })).toContainText('Edit — Owner of the organization');
  await expect(own.getByRole('listitem').filter({ hasText: shared })).toContainText('Admin');
  await button(own, 'Close').click();

  await button(memberRow(page, vic.email), 'Projects of Vic Viewer').click();
  await expect(page.getByRole('dialog', { name: 'Projects of Vic Viewer' })).toContainText('no access to any project');
  await page.keyboard.press('Escape');

  // A link in the dialog leads to the project.
  await button(memberRow(page, mia.email), 'Projects of Mia Member').click();
  await dialog.getByRole('link', { name: shared }).click();
  await expect(page.getByRole('heading', { level: 1, name: shared })).toBeVisible();

  // A Member opens their own projects only.
  await visit(mia.page, MEMBERS);
  await expect(mia.page.getByRole('button', { name: /^Projects of/ })).toHaveCount(1);
  await button(memberRow(mia.page, mia.email), 'Projects of Mia Member').click();
  await expect(mia.page.getByRole('dialog', { name: 'Projects of Mia Member' })).toContainText(shared);
  await mia.context.close();
  await vic.context.close();
});

test('the pages JavaScript-less browsers get for each dialog pass the accessibility checks', async ({ page, browser }) => {
  await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const id = await apiCreateProject(page, projectName());
  await addMembers(page, id, [mia], 'Member');
  const me = await (await apiPost(page.request, 'current_user')).json();
  const miaId = await projectRow(page, mia.email).locator('input[name="user_id"]').first().getAttribute('value');

  await visit(page, `${PROJECTS}?new=1`);
  await expect(page.getByRole('region', { name: 'New project' })).toBeVisible();
  await checkA11y(page);
  await visit(page, `/projects/${id}?delete=1`);
  await expect(field(page, 'Project name')).toBeVisible();
  await checkA11y(page);
  await visit(page, `${membersTab(id)}?q=${encodeURIComponent(mia.email.slice(0, 8))}&why=${miaId}`);
  await expect(projectRow(page, mia.email).locator('.reasons')).toContainText('Use — Member of this project');
  await checkA11y(page);
  await visit(page, `${MEMBERS}?projects=${me.user.id}`);
  await expect(page.getByRole('region', { name: /^Projects of/ })).toContainText('Edit — Owner of the organization');
  await checkA11y(page);
  await mia.context.close();
});
