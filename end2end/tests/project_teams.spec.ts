// Projects shared with teams (product 003, "Sharing Projects"): an Owner adds a team to a
// project's Members tab with a role; a member of the team, already signed in, has that access on
// their next request; leaving the team takes it away on the next one; the explainer names the
// team; the team's role changes and the team is removed from the tab.
import { test, expect, type Page } from './fixtures';
import { apiPost, button, checkA11y, field, screenshots, statusWith, visit } from './helpers';
import { addMembers, apiCreateProject, join, membersTab, owner, projectName, today } from './projects';


function shot(page: Page, name: string): Promise<void> {
  return screenshots(page, `project-teams-${name}`);
}

/** The user id of the organization member with `email`, as the caller of `page` sees it. */
async function userId(page: Page, email: string): Promise<string> {
  const listed = await apiPost(page.request, 'list_members', { query: email });
  expect(listed.status(), await listed.text()).toBe(200);
  return (await listed.json()).members[0].user_id;
}

/** Creates a team with `members` (user ids) through the API; returns its id. */
async function apiCreateTeam(page: Page, name: string, members: string[]): Promise<string> {
  const form: Record<string, string> = { name, description: 'Models and experiments' };
  members.forEach((id, i) => (form[`user_id[${i}]`] = id));
  const created = await apiPost(page.request, 'create_team', form);
  expect(created.status(), await created.text()).toBe(200);
  return (await created.json()).id;
}

async function check(page: Page, projectId: string, permission: string) {
  return apiPost(page.request, 'check_permission', { project_id: projectId, permission });
}

function teamsSection(page: Page) {
  return page.getByRole('region', { name: 'Teams' });
}

function teamRow(page: Page, name: string) {
  return page.locator('.project-teams-table tbody tr').filter({ hasText: name });
}

test('a team added to a project gives its members access on their next request, and leaving the team takes it away', async ({ page, browser }) => {
  test.slow(); // two people, a dozen page loads and four accessibility checks
  const boss = await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const miaId = await userId(page, mia.email);
  const team = `Data Science ${Math.random().toString(36).slice(2, 6)}`;
  const teamId = await apiCreateTeam(page, team, [miaId]);
  const name = projectName();
  const id = await apiCreateProject(page, name, 'Shared with a team');

  // Before: the project does not exist for Mia.
  expect((await check(mia.page, id, 'view')).status()).toBe(404);
  await visit(mia.page, `/projects/${id}`);
  await expect(mia.page.getByRole('heading', { level: 1, name: 'Project not found' })).toBeVisible();

  // The Owner adds the team with Member through the type-ahead.
  await visit(page, membersTab(id));
  const section = teamsSection(page);
  await expect(section).toContainText('No team has a role on this project.');
  const add = section.getByRole('region', { name: 'Add team' });
  await field(add, 'Search teams by name').fill(team.slice(0, 8));
  const choice = add.getByRole('radio', { name: new RegExp(team) });
  await expect(choice).toBeVisible();
  await choice.check();
  await expect(add).toContainText(`Selected: ${team}`);
  const role = add.getByLabel('Role', { exact: true });
  await expect(role.locator('option')).toHaveText(['Admin', 'Member', 'Viewer']);
  await role.selectOption({ label: 'Member' });
  await checkA11y(page);
  await shot(page, 'add');
  await button(add, 'Add team').click();
  await expect(statusWith(page, 'Team added: everyone in it has its role on the project')).toBeVisible();
  const row = teamRow(page, team);
  await expect(row.getByLabel(`Project role of team ${team}`)).toHaveValue('member');
  await expect(row).toContainText('1 person');
  await expect(row).toContainText(`By ${boss.name} on ${today()}`);
  // Added: no longer offered.
  await field(add, 'Search teams by name').fill(team);
  await expect(add.getByText(/No team without a role here matches/)).toBeVisible();
  await checkA11y(page);
  await shot(page, 'listed');

  // Mia, signed in all along, has Member on her next request, and the explainer says why.
  const allowed = await check(mia.page, id, 'use');
  expect(allowed.status(), await allowed.text()).toBe(200);
  expect(await allowed.json()).toEqual({ allowed: true, role: 'member', because: `Through team ${team} (Member)` });
  await mia.page.reload();
  await expect(mia.page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(mia.page.locator('.project-role')).toContainText('Your role: Member · Through a team');
  const explained = await apiPost(mia.page.request, 'explain_access', { project_id: id });
  expect((await explained.json()).reasons).toEqual([`Use — through team ${team} (Member)`]);
  // A team member who is not a project Admin sees the teams, without controls.
  await visit(mia.page, membersTab(id));
  await expect(teamRow(mia.page, team)).toContainText('Member');
  await expect(teamsSection(mia.page).getByRole('region', { name: 'Add team' })).toHaveCount(0);
  await expect(teamRow(mia.page, team).getByRole('combobox')).toHaveCount(0);
  await checkA11y(mia.page);
  await shot(mia.page, 'member-view');

  // Viewer: view, no longer use.
  await row.getByLabel(`Project role of team ${team}`).selectOption({ label: 'Viewer' });
  await button(row, 'Update role').click();
  await expect(statusWith(page, 'Team role updated')).toBeVisible();
  expect((await (await check(mia.page, id, 'use')).json()).allowed).toBe(false);
  expect((await (await check(mia.page, id, 'view')).json()).allowed).toBe(true);

  // Out of the team: the project is gone on her next request.
  const removed = await apiPost(page.request, 'remove_team_member', { team_id: teamId, user_id: miaId });
  expect(removed.status(), await removed.text()).toBe(200);
  expect((await check(mia.page, id, 'view')).status()).toBe(404);
  await mia.page.reload();
  await expect(mia.page.getByRole('heading', { level: 1, name: 'Project not found' })).toBeVisible();
  await visit(page, membersTab(id));
  await expect(teamRow(page, team)).toContainText('0 people');

  // Removing the team asks first.
  await button(teamRow(page, team), `Remove team ${team} from the project`).click();
  const dialog = page.getByRole('dialog', { name: `Remove team ${team} from the project?` });
  await expect(dialog).toContainText('ends at once');
  await shot(page, 'remove-dialog');
  await button(dialog, 'Remove').click();
  await expect(statusWith(page, 'Team removed from the project')).toBeVisible();
  await expect(teamsSection(page)).toContainText('No team has a role on this project.');

  await mia.context.close();
});

test('a person with their own grant and a team grant holds the higher role, and the explainer lists both', async ({ page, browser }) => {
  const boss = await owner(page);
  const vic = await join(page, browser, 'Vic Viewer');
  const vicId = await userId(page, vic.email);
  const team = `Platform ${Math.random().toString(36).slice(2, 6)}`;
  const teamId = await apiCreateTeam(page, team, [vicId]);
  const id = await apiCreateProject(page, projectName());
  await addMembers(page, id, [vic], 'Viewer');
  const added = await apiPost(page.request, 'add_project_team', { project_id: id, team_id: teamId, role: 'admin' });
  expect(added.status(), await added.text()).toBe(200);
  // Adding it twice is a conflict.
  const again = await apiPost(page.request, 'add_project_team', { project_id: id, team_id: teamId, role: 'member' });
  expect(again.status()).toBe(409);

  await visit(vic.page, `/projects/${id}`);
  await expect(vic.page.locator('.project-role')).toContainText('Your role: Admin · Through a team');
  await vic.page.getByRole('link', { name: 'Members' }).click();
  const row = vic.page.locator('.project-members-table tbody tr').filter({ hasText: vic.email });
  await row.getByRole('button', { name: 'Why does Vic Viewer have access?' }).click();
  await expect(row.locator('.reasons li')).toHaveText([
    `Edit — through team ${team} (Admin)`,
    `View — Viewer of this project, added by ${boss.name} on ${today()}`,
  ]);
  // As a project Admin through the team, Vic manages the project's teams.
  await expect(teamsSection(vic.page).getByRole('region', { name: 'Add team' })).toBeVisible();
  await expect(teamRow(vic.page, team).getByLabel(`Project role of team ${team}`)).toHaveValue('admin');
  await shot(vic.page, 'two-paths');

  await vic.context.close();
});

test('project team endpoints refuse what the caller may not do', async ({ page, browser }) => {
  await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const miaId = await userId(page, mia.email);
  const teamId = await apiCreateTeam(page, `Ops ${Math.random().toString(36).slice(2, 6)}`, [miaId]);
  const id = await apiCreateProject(page, projectName());
  await apiPost(page.request, 'add_project_team', { project_id: id, team_id: teamId, role: 'member' });

  // A Member of the project (through the team) sees the list, may not change it.
  const listed = await apiPost(mia.page.request, 'list_project_teams', { project_id: id });
  expect(listed.status()).toBe(200);
  const list = await listed.json();
  expect(list.can_manage).toBe(false);
  expect(list.teams).toHaveLength(1);
  expect(list.teams[0]).toMatchObject({ team_id: teamId, role: 'member', member_count: 1 });
  expect((await apiPost(mia.page.request, 'update_project_team_role', { project_id: id, team_id: teamId, role: 'admin' })).status()).toBe(403);
  expect((await apiPost(mia.page.request, 'remove_project_team', { project_id: id, team_id: teamId })).status()).toBe(403);
  expect((await apiPost(mia.page.request, 'project_team_candidates', { project_id: id, query: '' })).status()).toBe(403);
  // Bad input.
  const noTeam = await apiPost(page.request, 'add_project_team', { project_id: id, team_id: '', role: 'member' });
  expect(noTeam.status()).toBe(422);
  const badRole = await apiPost(page.request, 'update_project_team_role', { project_id: id, team_id: teamId, role: 'owner' });
  expect(badRole.status()).toBe(422);
  // Candidates: every team without a role here (none left).
  const candidates = await apiPost(page.request, 'project_team_candidates', { project_id: id, query: '' });
  expect(await candidates.json()).toEqual([]);

  await mia.context.close();
});
