// The invite dialog of product 003 ("How to Invite Users", step 2): email, full name, role, teams
// and "Send invitation email". The invitation page pre-fills the name (editable) and says which
// teams accepting joins; the new account is in them.
import { test, expect, type Page } from './fixtures';
import { apiPost, button, checkA11y, expectPath, field, newAccount, screenshots, visit, waitForHydration } from './helpers';
import { mailsSoFar, mailsTo, linkIn } from './mail';
import { ownerOnMembers } from './members';


function shot(page: Page, name: string): Promise<void> {
  return screenshots(page, `invite-${name}`);
}

async function apiCreateTeam(page: Page, name: string): Promise<string> {
  const created = await apiPost(page.request, 'create_team', { name, description: '' });
  expect(created.status(), await created.text()).toBe(200);
  return (await created.json()).id;
}

function uniqueEmail(who: string): string {
  return `${who}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.com`;
}

test('an invitation with a full name and teams: emailed, the name pre-filled and editable, the teams joined', async ({ page, browser }) => {
  await ownerOnMembers(page);
  const suffix = Math.random().toString(36).slice(2, 6);
  const science = `Data Science ${suffix}`;
  const platform = `Platform ${suffix}`;
  const research = `Research ${suffix}`;
  const scienceId = await apiCreateTeam(page, science);
  await apiCreateTeam(page, platform);
  const researchId = await apiCreateTeam(page, research);
  const email = uniqueEmail('grace');

  await page.setViewportSize({ width: 1280, height: 1100 });
  await page.reload();
  await waitForHydration(page);
  await button(page, 'Invite member').click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await field(dialog, 'Email').fill(email);
  await field(dialog, 'Full name (optional)').fill('Grace Hopper');
  await dialog.getByLabel('Role', { exact: true }).selectOption({ label: 'Member' });
  const teams = dialog.getByRole('group', { name: 'Teams (optional)' });
  await teams.getByRole('checkbox', { name: new RegExp(science) }).check();
  await teams.getByRole('checkbox', { name: new RegExp(research) }).check();
  // SMTP is configured here: the email goes out unless unchecked.
  await expect(dialog.getByRole('checkbox', { name: 'Send invitation email' })).toBeChecked();
  await checkA11y(page);
  await shot(page, 'dialog');
  await button(dialog, 'Send Invitation').click();
  const linkDialog = page.getByRole('dialog', { name: 'Invitation link' });
  await expect(linkDialog).toContainText('We emailed the invitation.');
  const link = await linkDialog.getByLabel('Invitation link').inputValue();
  const [mail] = await mailsTo(email);
  expect(linkIn(mail, '/invite/')).toBe(link);

  // The invitee, in a fresh browser: the teams named, the name pre-filled and theirs to change.
  const context = await browser.newContext();
  const invitee = await context.newPage();
  await visit(invitee, link);
  await expect(invitee.locator('.invite-offer')).toContainText(`You also join the teams ${science} and ${research}.`);
  const name = field(invitee, 'Name');
  await expect(name).toHaveValue('Grace Hopper');
  await checkA11y(invitee);
  await shot(invitee, 'accept');
  await name.fill('Grace B. Hopper');
  await field(invitee, 'Password').fill(newAccount().password);
  await button(invitee, 'Create account and join').click();
  await expectPath(invitee, '/');

  const me = await (await apiPost(invitee.request, 'current_user')).json();
  expect(me.user.name).toBe('Grace B. Hopper');
  const listed = await (await apiPost(invitee.request, 'list_teams', {})).json();
  expect(listed.teams.map((t: { name: string }) => t.name).sort()).toEqual([science, research].sort());
  const members = await (await apiPost(page.request, 'list_team_members', { team_id: scienceId })).json();
  expect(JSON.stringify(members)).toContain(email);
  const others = await (await apiPost(page.request, 'list_team_members', { team_id: researchId })).json();
  expect(JSON.stringify(others)).toContain(email);
  await context.close();
});

test('"Send invitation email" unchecked: no email, the link is only shown', async ({ page }) => {
  await ownerOnMembers(page);
  const email = uniqueEmail('linus');
  await button(page, 'Invite member').click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await field(dialog, 'Email').fill(email);
  await expect(dialog.getByRole('group', { name: 'Teams (optional)' })).toContainText('The organization has no teams yet');
  await dialog.getByRole('checkbox', { name: 'Send invitation email' }).uncheck();
  await button(dialog, 'Send Invitation').click();
  const linkDialog = page.getByRole('dialog', { name: 'Invitation link' });
  await expect(linkDialog).toContainText('Share this link with the person you invited');
  await shot(page, 'link-only');
  const link = await linkDialog.getByLabel('Invitation link').inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  // Another invitation, emailed, proves the mail would have arrived by now.
  const control = uniqueEmail('control');
  await apiPost(page.request, 'invite_member', { email: control, role: 'member' });
  await mailsTo(control);
  expect(mailsSoFar(email)).toHaveLength(0);
  // Without a name the invitation page's name field starts empty.
  const details = await (await apiPost(page.request, 'invitation_details', { token: link.split('/invite/')[1] })).json();
  expect(details).toMatchObject({ invitee_name: null, teams: [] });
});

test('invite_member over the API: optional name, indexed team_ids, send_email=false; foreign or too many teams refused', async ({ page }) => {
  await ownerOnMembers(page);
  const suffix = Math.random().toString(36).slice(2, 6);
  const a = await apiCreateTeam(page, `Alpha ${suffix}`);
  const b = await apiCreateTeam(page, `Beta ${suffix}`);
  const email = uniqueEmail('ada');
  const issued = await apiPost(page.request, 'invite_member', {
    email,
    role: 'member',
    name: 'Ada Lovelace',
    'team_ids[0]': a,
    'team_ids[1]': b,
    send_email: 'false',
  });
  expect(issued.status(), await issued.text()).toBe(200);
  expect((await issued.json()).emailed).toBe(false);
  const token = (await issued.json()).link.split('/invite/')[1];
  const details = await (await apiPost(page.request, 'invitation_details', { token })).json();
  expect(details.invitee_name).toBe('Ada Lovelace');
  expect([...details.teams].sort()).toEqual([`Alpha ${suffix}`, `Beta ${suffix}`]);

  // A team id that is not the organization's.
  const foreign = await apiPost(page.request, 'invite_member', {
    email: uniqueEmail('eve'),
    role: 'member',
    'team_ids[0]': '00000000-0000-4000-8000-000000000000',
  });
  expect(foreign.status()).toBe(404);
  // A name that is not one.
  const badName = await apiPost(page.request, 'invite_member', { email: uniqueEmail('bob'), role: 'member', name: 'x'.repeat(101) });
  expect(badName.status()).toBe(422);
  expect((await badName.json()).fields).toHaveProperty('name');
});
