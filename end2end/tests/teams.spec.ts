// Settings → Teams as the product describes them: an Owner creates a team with a lead and
// members; the lead adds and removes members and sees the team's project access but cannot edit
// or delete the team; a plain member sees only their teams; an Owner edits, re-leads and deletes
// a team. Set SHOTS=1 to save a screenshot of each screen to /tmp/shots/teams-*.png.
import { test, expect, type Locator, type Page } from './fixtures';
import { apiPost, button, checkA11y, expectFieldError, field, screenshots, statusWith, visit, type Account } from './helpers';
import { apiCreateProject, join, owner, projectName, type Person } from './projects';

const TEAMS = '/settings/teams';

function teamName(prefix = 'Data Science'): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 8)}`;
}

function shot(page: Page, name: string): Promise<void> {
  return screenshots(page, `teams-${name}`);
}

/** The user id of the organization member with `email`, as the Owner on `page` reads it. */
async function userId(page: Page, email: string): Promise<string> {
  const listed = await apiPost(page.request, 'list_members', { query: email });
  expect(listed.status(), await listed.text()).toBe(200);
  const { members } = await listed.json();
  expect(members).toHaveLength(1);
  return members[0].user_id;
}

/** Creates a team through the API as the caller of `page`; returns its id. */
async function apiCreateTeam(
  page: Page,
  name: string,
  people: (Person | Account)[],
  lead?: Person,
): Promise<string> {
  const form: Record<string, string> = { name, description: `What ${name} does` };
  for (const [i, person] of people.entries()) form[`user_id[${i}]`] = await userId(page, person.email);
  if (lead) form.lead_user_id = await userId(page, lead.email);
  const created = await apiPost(page.request, 'create_team', form);
  expect(created.status(), await created.text()).toBe(200);
  return (await created.json()).id;
}

/** The row of `email` on a team's page. */
function memberRow(page: Page, email: string) {
  return page.locator('.team-members-table tbody tr').filter({ hasText: email });
}

/** The "Lead" badge in a member's row. */
function leadBadge(row: Locator) {
  return row.getByText('Lead', { exact: true });
}

/** The row of the team called `name` on the Teams screen. */
function teamRow(page: Page, name: string) {
  return page.locator('.teams-table tbody tr').filter({ has: page.getByRole('link', { name, exact: true }) });
}

/** Types `text` into a member search of `scope` and checks the candidate with `email`. */
async function pick(scope: Locator, label: string, email: string): Promise<void> {
  await field(scope, label).fill(email);
  const box = scope.getByRole('checkbox', { name: new RegExp(email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
  await expect(box).toBeVisible();
  await box.check();
}

test('an Owner creates a team with a lead and members through the dialog', async ({ page, browser }) => {
  const boss = await owner(page);
  const lena = await join(page, browser, 'Lena Lead');
  const mia = await join(page, browser, 'Mia Member');

  await visit(page, '/settings/profile');
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Teams' }).click();
  await expect(page).toHaveURL(new RegExp(`${TEAMS}$`));
  await expect(page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Teams' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'Teams' })).toBeVisible();
  await expect(page.getByText('No teams yet')).toBeVisible();
  await checkA11y(page);
  await shot(page, 'empty-owner');

  await button(page, 'Create Team').click();
  const dialog = page.getByRole('dialog', { name: 'Create Team' });
  const name = teamName();
  await field(dialog, 'Name').fill(name);
  await field(dialog, 'Description (optional)').fill('Models and notebooks');
  // Two people from two searches: the first stays selected (a chip) while searching again.
  await pick(dialog, 'Members', lena.email);
  await pick(dialog, 'Members', mia.email);
  const chips = dialog.getByRole('list', { name: 'Selected' });
  await expect(chips.getByRole('listitem')).toHaveText([/Lena Lead/, /Mia Member/]);
  await dialog.getByLabel('Team lead (optional)').selectOption({ label: `Lena Lead (${lena.email})` });
  await checkA11y(page);
  await shot(page, 'create-dialog');
  await button(dialog, 'Create Team').click();

  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page).toHaveURL(/\/settings\/teams\/[0-9a-f-]{36}$/);
  await expect(statusWith(page, 'Team created')).toBeVisible();
  await expect(page.getByText('Models and notebooks')).toBeVisible();
  await expect(page.locator('.team-facts')).toHaveText('Lead: Lena Lead · 2 members · 0 projects');
  await expect(leadBadge(memberRow(page, lena.email))).toBeVisible();
  await expect(leadBadge(memberRow(page, mia.email))).toHaveCount(0);
  await expect(memberRow(page, mia.email)).toContainText(`by ${boss.name}`);
  await expect(page.getByText('This team holds no role on any project.')).toBeVisible();
  await expect(button(page, 'Edit team')).toBeVisible();
  await expect(button(page, 'Delete team')).toBeVisible();
  await expect(page.getByLabel('Lead', { exact: true })).toHaveValue(await userId(page, lena.email));
  await checkA11y(page);
  await shot(page, 'team-owner');

  await page.getByRole('link', { name: '← All teams' }).click();
  const row = teamRow(page, name);
  await expect(row).toContainText('2 members');
  await expect(row).toContainText('Lena Lead');
  await expect(row).toContainText('0 projects');
  await expect(page.getByText('1 team', { exact: true })).toBeVisible();
  await checkA11y(page);
  await shot(page, 'list-owner');

  // A second team with the same name is refused on the Name field.
  await button(page, 'Create Team').click();
  await field(dialog, 'Name').fill(name.toUpperCase());
  await button(dialog, 'Create Team').click();
  await expectFieldError(field(dialog, 'Name'), 'Another team of this organization already has this name.');
  await shot(page, 'create-duplicate');

  await lena.context.close();
  await mia.context.close();
});

test('the lead adds and removes members and sees the project access, but cannot edit or delete the team', async ({ page, browser }) => {
  test.slow(); // four people, a dozen page loads, three axe checks
  await owner(page);
  const lena = await join(page, browser, 'Lena Lead');
  const mia = await join(page, browser, 'Mia Member');
  const ned = await join(page, browser, 'Ned Newcomer');
  const name = teamName('Platform');
  const id = await apiCreateTeam(page, name, [mia], lena);
  const project = projectName();
  const projectId = await apiCreateProject(page, project);
  const shared = await apiPost(page.request, 'add_project_team', { project_id: projectId, team_id: id, role: 'viewer' });
  expect(shared.status(), await shared.text()).toBe(200);

  const lead = lena.page;
  await visit(lead, TEAMS);
  await expect(button(lead, 'Create Team')).toHaveCount(0);
  await expect(teamRow(lead, name)).toContainText('You lead it');
  await expect(teamRow(lead, name)).toContainText('1 project');
  await lead.getByRole('link', { name, exact: true }).click();
  await expect(lead.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(lead.getByText('You lead this team')).toBeVisible();
  await expect(button(lead, 'Edit team')).toHaveCount(0);
  await expect(button(lead, 'Delete team')).toHaveCount(0);
  await expect(lead.getByRole('region', { name: 'Team lead' })).toHaveCount(0);
  // The team's project access, read-only.
  const projects = lead.getByRole('region', { name: 'Projects' });
  await expect(projects.getByRole('link', { name: project })).toHaveAttribute('href', `/projects/${projectId}`);
  await expect(projects.getByRole('row', { name: new RegExp(project) })).toContainText('Viewer');
  await expect(projects.getByRole('combobox')).toHaveCount(0);
  await expect(projects.getByRole('button')).toHaveCount(0);

  // Adds Ned.
  const add = lead.getByRole('region', { name: 'Add members' });
  await pick(add, 'Search members by email or name', ned.email);
  await checkA11y(lead);
  await button(add, 'Add').click();
  await expect(statusWith(lead, 'Added to the team')).toBeVisible();
  await expect(memberRow(lead, ned.email)).toContainText(`by ${lena.name}`);
  await expect(add.getByRole('list', { name: 'Selected' })).toHaveCount(0);
  // Already in: no longer offered.
  await field(add, 'Search members by email or name').fill(ned.email);
  await expect(add.getByText(/No member of the organization outside this team matches/)).toBeVisible();

  // Removes Mia, after confirming.
  await button(memberRow(lead, mia.email), 'Remove Mia Member from the team').click();
  const confirm = lead.getByRole('dialog', { name: 'Remove Mia Member from the team?' });
  await expect(confirm).toContainText('They stay a member of the organization.');
  await checkA11y(lead);
  await shot(lead, 'remove-dialog');
  await button(confirm, 'Remove').click();
  await expect(statusWith(lead, 'Removed from the team')).toBeVisible();
  await expect(memberRow(lead, mia.email)).toHaveCount(0);
  await expect(leadBadge(memberRow(lead, lena.email))).toBeVisible();
  await expect(lead.locator('.team-facts')).toHaveText('Lead: Lena Lead · 2 members · 1 project');
  await checkA11y(lead);
  await shot(lead, 'team-lead');

  // The server refuses what the lead may not do.
  for (const [endpoint, form] of [
    ['update_team', { team_id: id, name: 'Hijacked', description: '' }],
    ['delete_team', { team_id: id }],
    ['set_team_lead', { team_id: id, user_id: '' }],
  ] as const) {
    const refused = await apiPost(lead.request, endpoint, form);
    expect(refused.status(), `${endpoint}: ${await refused.text()}`).toBe(403);
  }

  // Mia, out of the team, no longer sees it.
  await visit(mia.page, TEAMS);
  await expect(mia.page.getByText('You are not in any team yet')).toBeVisible();
  await visit(mia.page, `${TEAMS}/${id}`);
  await expect(mia.page.getByRole('heading', { level: 1, name: 'Team not found' })).toBeVisible();

  // The lead leaves the team: back on the list, where it is no longer shown.
  await visit(lead, `${TEAMS}/${id}`);
  await button(memberRow(lead, lena.email), 'Remove Lena Lead from the team').click();
  const leave = lead.getByRole('dialog', { name: 'Remove Lena Lead from the team?' });
  await expect(leave).toContainText('This is you: you will no longer see this team.');
  await button(leave, 'Remove').click();
  await expect(lead).toHaveURL(new RegExp(`${TEAMS}$`));
  await expect(lead.getByText('You are not in any team yet')).toBeVisible();

  for (const person of [lena, mia, ned]) await person.context.close();
});

test('a plain member sees only the teams they are in, without any control', async ({ page, browser }) => {
  await owner(page);
  const mia = await join(page, browser, 'Mia Member');
  const zoe = await join(page, browser, 'Zoe Zed');

  await visit(mia.page, TEAMS);
  await expect(mia.page.getByText('You are not in any team yet')).toBeVisible();
  await expect(mia.page.getByText(/Owners and Admins of your organization create teams/)).toBeVisible();
  await expect(button(mia.page, 'Create Team')).toHaveCount(0);
  await checkA11y(mia.page);
  await shot(mia.page, 'empty-member');

  const mine = teamName('Mine');
  const other = teamName('Other');
  const mineId = await apiCreateTeam(page, mine, [mia, zoe]);
  const otherId = await apiCreateTeam(page, other, [zoe], zoe);

  await visit(mia.page, TEAMS);
  await expect(mia.page.getByRole('heading', { name: 'Your teams' })).toBeVisible();
  await expect(mia.page.locator('.teams-table tbody tr')).toHaveCount(1);
  await expect(teamRow(mia.page, mine)).toContainText('You are in it');
  await expect(teamRow(mia.page, mine)).toContainText('No lead');
  await expect(mia.page.getByText(other)).toHaveCount(0);
  await checkA11y(mia.page);
  await shot(mia.page, 'list-member');

  await mia.page.getByRole('link', { name: mine, exact: true }).click();
  await expect(mia.page.getByRole('heading', { level: 1, name: mine })).toBeVisible();
  await expect(memberRow(mia.page, zoe.email)).toBeVisible();
  await expect(memberRow(mia.page, mia.email)).toContainText('You');
  await expect(mia.page.getByRole('region', { name: 'Add members' })).toHaveCount(0);
  await expect(mia.page.getByRole('button', { name: /^Remove/ })).toHaveCount(0);
  await expect(button(mia.page, 'Edit team')).toHaveCount(0);
  await expect(button(mia.page, 'Delete team')).toHaveCount(0);
  await checkA11y(mia.page);
  await shot(mia.page, 'team-member');

  // Another team is "not found" to her, in the page and in the API.
  await visit(mia.page, `${TEAMS}/${otherId}`);
  await expect(mia.page.getByRole('heading', { level: 1, name: 'Team not found' })).toBeVisible();
  expect((await apiPost(mia.page.request, 'get_team', { team_id: otherId })).status()).toBe(404);
  expect((await apiPost(mia.page.request, 'add_team_members', { team_id: mineId, 'user_id[0]': await userId(page, zoe.email) })).status()).toBe(403);
  expect((await apiPost(mia.page.request, 'create_team', { name: teamName() })).status()).toBe(403);

  await mia.context.close();
  await zoe.context.close();
});

test('an Owner edits a team, chooses and clears its lead, and deletes it', async ({ page, browser }) => {
  await owner(page);
  const lena = await join(page, browser, 'Lena Lead');
  const mia = await join(page, browser, 'Mia Member');
  const name = teamName('Research');
  const id = await apiCreateTeam(page, name, [lena, mia]);

  await visit(page, `${TEAMS}/${id}`);
  await expect(page.locator('.team-facts')).toHaveText('No lead · 2 members · 0 projects');
  await button(page, 'Edit team').click();
  const edit = page.getByRole('dialog', { name: 'Edit team' });
  await expect(field(edit, 'Name')).toHaveValue(name);
  await checkA11y(page);
  await shot(page, 'edit-dialog');
  const renamed = `${name} renamed`;
  await field(edit, 'Name').fill(renamed);
  await field(edit, 'Description (optional)').fill('Papers and prototypes');
  await button(edit, 'Save').click();
  await expect(statusWith(page, 'Team saved')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: renamed })).toBeVisible();
  await expect(page.getByText('Papers and prototypes')).toBeVisible();

  const lead = page.getByRole('region', { name: 'Team lead' });
  await lead.getByLabel('Lead', { exact: true }).selectOption({ label: `Lena Lead (${lena.email})` });
  await button(lead, 'Save lead').click();
  await expect(statusWith(page, 'Team lead updated')).toBeVisible();
  await expect(leadBadge(memberRow(page, lena.email))).toBeVisible();
  await expect(page.locator('.team-facts')).toHaveText('Lead: Lena Lead · 2 members · 0 projects');
  // The new lead gets the controls on their next page load.
  await visit(lena.page, `${TEAMS}/${id}`);
  await expect(lena.page.getByRole('region', { name: 'Add members' })).toBeVisible();

  await lead.getByLabel('Lead', { exact: true }).selectOption({ label: 'No lead' });
  await button(lead, 'Save lead').click();
  await expect(page.locator('.team-facts')).toHaveText('No lead · 2 members · 0 projects');
  await expect(leadBadge(memberRow(page, lena.email))).toHaveCount(0);

  await button(page, 'Delete team').click();
  const confirm = page.getByRole('dialog', { name: `Delete team ${renamed}?` });
  await expect(confirm).toContainText('This cannot be undone.');
  await checkA11y(page);
  await shot(page, 'delete-dialog');
  await button(confirm, 'Delete team').click();
  await expect(page).toHaveURL(new RegExp(`${TEAMS}$`));
  await expect(statusWith(page, 'Team deleted')).toBeVisible();
  await expect(page.getByText('No teams yet')).toBeVisible();
  await visit(lena.page, `${TEAMS}/${id}`);
  await expect(lena.page.getByRole('heading', { level: 1, name: 'Team not found' })).toBeVisible();

  await lena.context.close();
  await mia.context.close();
});
