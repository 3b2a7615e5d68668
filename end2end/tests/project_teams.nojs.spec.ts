// Runs in the `no-js` project: a project's Teams work as plain HTML — the search is a GET form
// (`?team_q=`) whose teams are radio buttons posted to add_project_team; changing a team's role
// and removing it are form posts that come back with their confirmation (or their error).
import { expect, test, type Page } from './fixtures';
import { apiPost, button, field, statusWith, visit } from './helpers';
import { apiCreateProject, membersTab, owner, projectName } from './projects';

async function apiCreateTeam(page: Page, name: string): Promise<string> {
  const created = await apiPost(page.request, 'create_team', { name, description: '' });
  expect(created.status(), await created.text()).toBe(200);
  return (await created.json()).id;
}

test.describe('without JavaScript', () => {
  test('an Owner adds a team with a role, changes the role and removes the team', async ({ page }) => {
    await owner(page);
    const suffix = Math.random().toString(36).slice(2, 6);
    const team = `Analytics ${suffix}`;
    await apiCreateTeam(page, team);
    await apiCreateTeam(page, `Billing ${suffix}`);
    const id = await apiCreateProject(page, projectName('Plain'));

    await visit(page, membersTab(id));
    const section = page.getByRole('region', { name: 'Teams', exact: true });
    const add = section.getByRole('region', { name: 'Add team' });
    // Nothing typed: Search lists the organization's teams.
    await button(add, 'Search').click();
    await expect(page).toHaveURL(/\?team_q=$/);
    await expect(add.getByRole('radio')).toHaveCount(2);
    // Adding without choosing a team says so.
    await button(add, 'Add team').click();
    await expect(add.locator('#add-team-errors')).toContainText('Choose a team');
    await expect(add.getByRole('radio').first()).toHaveAccessibleDescription(/Choose a team/);
    await field(add, 'Search teams by name').fill('analytics');
    await button(add, 'Search').click();
    await expect(page).toHaveURL(/\?team_q=analytics$/);
    await add.getByRole('radio', { name: new RegExp(team) }).check();
    await add.getByLabel('Role', { exact: true }).selectOption({ label: 'Viewer' });
    await button(add, 'Add team').click();
    await expect(page).toHaveURL(/\/members\?saved=team_added$/);
    await expect(statusWith(page, 'Team added: everyone in it has its role on the project')).toBeVisible();
    const row = page.locator('.project-teams-table tbody tr').filter({ hasText: team });
    await expect(row.getByLabel(`Project role of team ${team}`)).toHaveValue('viewer');

    await row.getByLabel(`Project role of team ${team}`).selectOption({ label: 'Admin' });
    await button(row, 'Update role').click();
    await expect(page).toHaveURL(/\?saved=team_role$/);
    await expect(statusWith(page, 'Team role updated')).toBeVisible();
    await expect(row.getByLabel(`Project role of team ${team}`)).toHaveValue('admin');

    await button(row, `Remove team ${team} from the project`).click();
    await expect(page).toHaveURL(/\?saved=team_removed$/);
    await expect(statusWith(page, 'Team removed from the project')).toBeVisible();
    await expect(section).toContainText('No team has a role on this project.');
  });
});
