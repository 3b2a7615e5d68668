// Service accounts and API keys (issue 16): an Owner creates a service account in Settings →
// Service accounts, gives it Viewer on a project on the project's Members tab, creates a key and
// copies it once; a script calls whoami and check_permission with it (no cookie); revoking it in
// the UI makes the next call 401. Rotation with an overlap, deactivation, editing and deletion;
// a person's own key for a project; Members do not see the screen. With SHOTS=1, screenshots of each
// screen, desktop and narrow, go to /tmp/shots/service-accounts-*.png.
import { test, expect, type APIRequestContext, type Locator, type Page } from './fixtures';
import { apiPost, button, checkA11y, field, screenshots, statusWith, visit } from './helpers';
import { addMembers, apiCreateProject, join, membersTab, owner, projectName, today } from './projects';

const SERVICE_ACCOUNTS = '/settings/service-accounts';

function shots(page: Page, name: string): Promise<void> {
  return screenshots(page, `service-accounts-${name}`, true);
}

function accountName(prefix = 'CI deploy'): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 8)}`;
}

/** A call a script makes with a key: bearer only, no cookie (the `request` fixture has none). */
async function withKey(request: APIRequestContext, endpoint: string, key: string, form: Record<string, string> = {}) {
  return request.post(`/api/${endpoint}`, {
    form,
    headers: { Authorization: `Bearer ${key}`, Accept: 'application/json' },
    maxRedirects: 0,
  });
}

function settingsNav(page: Page): Locator {
  return page.getByRole('navigation', { name: 'Settings' });
}

function keyRow(page: Page, name: string): Locator {
  return page.locator('.keys-table tbody tr').filter({ has: page.getByRole('rowheader', { name, exact: true }) });
}

/** Creates a service account through the dialog and waits for its page; returns its id. */
async function createAccount(page: Page, name: string, description = ''): Promise<string> {
  await visit(page, SERVICE_ACCOUNTS);
  await button(page, 'Create service account').click();
  const dialog = page.getByRole('dialog', { name: 'Create service account' });
  await field(dialog, 'Name').fill(name);
  if (description) await field(dialog, 'Description (optional)').fill(description);
  await button(dialog, 'Create service account').click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`${SERVICE_ACCOUNTS}/[0-9a-f-]{36}$`));
  return new URL(page.url()).pathname.split('/')[3];
}

/** "Create key" in the keys section of the page: name, lifetime; returns the secret shown once
 * after checking the dialog around it, and closes that dialog. */
async function createKey(page: Page, name: string, days = '90 days'): Promise<string> {
  await button(page, 'Create key').click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  await field(dialog, 'Name').fill(name);
  const expiry = dialog.getByLabel('Expires after', { exact: true });
  await expect(expiry.locator('option')).toHaveText(['7 days', '30 days', '90 days', '365 days']);
  await expect(expiry).toHaveValue('90');
  await expiry.selectOption({ label: days });
  await button(dialog, 'Create key').click();
  return readSecret(page, `Key “${name}” created`);
}

/** Reads the secret in the once-only dialog titled `title` and closes it. */
async function readSecret(page: Page, title: string): Promise<string> {
  const shown = page.getByRole('dialog', { name: title });
  await expect(shown).toBeVisible();
  await expect(shown).toContainText('You will not see it again');
  const secret = await shown.getByLabel('API key', { exact: true }).inputValue();
  expect(secret).toMatch(/^ghk_\S{40,}$/);
  await button(shown, 'Done').click();
  await expect(shown).toBeHidden();
  return secret;
}

test('the issue scenario: a service account with Viewer, a key copied once, whoami and check_permission with it, revoked in the UI, then 401', async ({ page, context, request }) => {
  test.slow(); // many screens, each checked with axe and photographed twice
  const boss = await owner(page);
  const project = projectName('Payments');
  const projectId = await apiCreateProject(page, project);
  const name = accountName();

  // Settings → Service accounts, from the settings navigation.
  await visit(page, '/settings/profile');
  await settingsNav(page).getByRole('link', { name: 'Service accounts' }).click();
  await expect(page).toHaveURL(new RegExp(`${SERVICE_ACCOUNTS}$`));
  await expect(settingsNav(page).getByRole('link', { name: 'Service accounts' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'Service accounts' })).toBeVisible();
  await expect(page.getByText('No service accounts yet')).toBeVisible();
  await checkA11y(page);
  await shots(page, 'empty');

  // Create it: the dialog, then its page.
  await button(page, 'Create service account').click();
  const dialog = page.getByRole('dialog', { name: 'Create service account' });
  await expect(field(dialog, 'Name')).toBeFocused();
  await field(dialog, 'Name').fill(name);
  await field(dialog, 'Description (optional)').fill('Deploys the payments service from CI');
  await checkA11y(page);
  await shots(page, 'create-dialog');
  await button(dialog, 'Create service account').click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(statusWith(page, 'Service account created')).toBeVisible();
  const accountId = new URL(page.url()).pathname.split('/')[3];
  await expect(page.locator('.team-facts')).toContainText(`Created by ${boss.name} on ${today()} · no active keys · never used`);
  await expect(page.getByText('No project roles yet')).toBeVisible();
  await expect(page.getByText('No keys yet')).toBeVisible();

  // Viewer on the project, from the project's Members tab.
  await visit(page, membersTab(projectId));
  const section = page.getByRole('region', { name: 'Service accounts' });
  await expect(section).toContainText('No service account has a role on this project.');
  const add = section.getByRole('region', { name: 'Add service account' });
  await add.getByLabel('Service account', { exact: true }).selectOption({ label: name });
  const role = add.getByLabel('Role', { exact: true });
  await expect(role.locator('option')).toHaveText(['Admin', 'Member', 'Viewer']);
  await expect(role).toHaveValue('viewer');
  await button(add, 'Add service account').click();
  await expect(statusWith(page, 'Service account added to the project')).toBeVisible();
  const row = section.locator('tbody tr').filter({ hasText: name });
  await expect(row.getByLabel(`Project role of service account ${name}`)).toHaveValue('viewer');
  await expect(row).toContainText(`By ${boss.name} on ${today()}`);
  await expect(add).toContainText('Every active service account of the organization already has a role here');
  await checkA11y(page);
  await shots(page, 'project-members');

  // Its page lists the project; a key is created and shown once.
  await visit(page, `${SERVICE_ACCOUNTS}/${accountId}`);
  const projects = page.getByRole('region', { name: 'Projects' });
  await expect(projects.getByRole('row', { name: new RegExp(`${project}\\s+Viewer`) })).toBeVisible();
  await button(page, 'Create key').click();
  const create = page.getByRole('dialog', { name: 'Create key' });
  await expect(field(create, 'Name')).toBeFocused();
  await field(create, 'Name').fill('deploy');
  await create.getByLabel('Expires after', { exact: true }).selectOption({ label: '30 days' });
  await checkA11y(page);
  await shots(page, 'create-key');
  await button(create, 'Create key').click();
  const shown = page.getByRole('dialog', { name: 'Key “deploy” created' });
  await expect(shown).toBeVisible();
  await expect(shown).toContainText('You will not see it again');
  const secretField = shown.getByLabel('API key', { exact: true });
  await expect(secretField).toHaveAttribute('readonly', '');
  const secret = await secretField.inputValue();
  expect(secret).toMatch(/^ghk_\S{40,}$/);
  // Copy: the clipboard holds exactly the key.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await button(shown, 'Copy').click();
  await expect(shown.getByRole('status').filter({ hasText: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  await checkA11y(page);
  await shots(page, 'secret');
  await button(shown, 'Done').click();
  await expect(shown).toBeHidden();
  await expect(button(page, 'Create key')).toBeFocused();
  // Shown once: the page keeps only the hint.
  expect(await page.content()).not.toContain(secret);
  const key = keyRow(page, 'deploy');
  await expect(key).toContainText(`ghk_…${secret.slice(-4)}`);
  await expect(key).toContainText('Active');
  await expect(key).toContainText('Never used');
  await expect(key).toContainText(`By ${boss.name} on ${today()}`);
  await page.reload();
  expect(await page.content()).not.toContain(secret);

  // A script uses it: no cookie, only the key.
  const me = await withKey(request, 'whoami', secret);
  expect(me.status(), await me.text()).toBe(200);
  expect(await me.json()).toMatchObject({ type: 'service_account', id: accountId, name, project: null });
  const view = await withKey(request, 'check_permission', secret, { project_id: projectId, permission: 'view' });
  expect(view.status(), await view.text()).toBe(200);
  expect(await view.json()).toMatchObject({ allowed: true, role: 'viewer' });
  const edit = await withKey(request, 'check_permission', secret, { project_id: projectId, permission: 'edit' });
  expect((await edit.json()).allowed).toBe(false);

  // The list and the page show its use.
  await visit(page, SERVICE_ACCOUNTS);
  const listed = page.locator('.service-accounts-table tbody tr').filter({ hasText: name });
  await expect(listed).toContainText('Deploys the payments service from CI');
  await expect(listed).toContainText(`${project} · Viewer`);
  await expect(listed).toContainText('1 key');
  await expect(listed).toContainText('just now');
  await expect(listed).toContainText(`By ${boss.name} on ${today()}`);
  await checkA11y(page);
  await shots(page, 'list');
  await listed.getByRole('link', { name }).click();
  await expect(keyRow(page, 'deploy')).toContainText('just now');
  await expect(keyRow(page, 'deploy')).toContainText('from 127.0.0.1');
  await checkA11y(page);
  await shots(page, 'account');

  // Revoked in the UI: the next call is 401.
  await button(keyRow(page, 'deploy'), 'Revoke key deploy').click();
  const revoke = page.getByRole('dialog', { name: 'Revoke key “deploy”?' });
  await expect(revoke).toContainText('refused from its next request');
  await shots(page, 'revoke');
  await button(revoke, 'Revoke key').click();
  await expect(statusWith(page, 'Key revoked: it is refused from its next use')).toBeVisible();
  await expect(keyRow(page, 'deploy')).toContainText('Revoked');
  await expect(keyRow(page, 'deploy').getByRole('button')).toHaveCount(0);
  const refused = await withKey(request, 'whoami', secret);
  expect(refused.status()).toBe(401);
  expect((await withKey(request, 'check_permission', secret, { project_id: projectId, permission: 'view' })).status()).toBe(401);
});

test('rotating a key shows the new secret once; the previous one works for the overlap chosen, or stops at once', async ({ page, request }) => {
  await owner(page);
  const name = accountName('Nightly');
  await createAccount(page, name);
  const first = await createKey(page, 'nightly', '7 days');
  // Seven days from expiry: badged.
  await expect(keyRow(page, 'nightly')).toContainText('Expires in 7 days');

  await button(keyRow(page, 'nightly'), 'Rotate key nightly').click();
  const rotate = page.getByRole('dialog', { name: 'Rotate key “nightly”' });
  const overlap = rotate.getByLabel('Current secret keeps working for', { exact: true });
  await expect(overlap.locator('option')).toHaveText(['None', '1 hour', '1 day', '7 days']);
  await overlap.selectOption({ label: '1 hour' });
  await checkA11y(page);
  await shots(page, 'rotate');
  await button(rotate, 'Rotate key').click();
  const second = await readSecret(page, 'New secret for “nightly”');
  expect(second).not.toBe(first);
  await expect(keyRow(page, 'nightly')).toContainText(`ghk_…${second.slice(-4)}`);
  await expect(keyRow(page, 'nightly')).toContainText('Previous secret works until');
  expect((await withKey(request, 'whoami', first)).status()).toBe(200);
  expect((await withKey(request, 'whoami', second)).status()).toBe(200);

  // No overlap: the secret it replaces stops at once.
  await button(keyRow(page, 'nightly'), 'Rotate key nightly').click();
  await page.getByRole('dialog', { name: 'Rotate key “nightly”' }).getByLabel('Current secret keeps working for').selectOption({ label: 'None' });
  await button(page.getByRole('dialog', { name: 'Rotate key “nightly”' }), 'Rotate key').click();
  const third = await readSecret(page, 'New secret for “nightly”');
  expect((await withKey(request, 'whoami', second)).status()).toBe(401);
  expect((await withKey(request, 'whoami', third)).status()).toBe(200);
});

test("the key lifetimes offered follow the organization's cap", async ({ page, request }) => {
  await owner(page);
  const capped = await apiPost(page.request, 'update_security_policy', { grace_days: '0', max_key_days: '30' });
  expect(capped.status(), await capped.text()).toBe(200);
  await createAccount(page, accountName('Capped'));
  await button(page, 'Create key').click();
  const dialog = page.getByRole('dialog', { name: 'Create key' });
  const expiry = dialog.getByLabel('Expires after', { exact: true });
  await expect(expiry.locator('option')).toHaveText(['7 days', '30 days']);
  await expect(expiry).toHaveValue('30');
  await expect(dialog).toContainText('Your organization allows keys of at most 30 days.');
  await field(dialog, 'Name').fill('short-lived');
  await button(dialog, 'Create key').click();
  const secret = await readSecret(page, 'Key “short-lived” created');
  const me = await withKey(request, 'whoami', secret);
  const days = (Date.parse((await me.json()).expires_at) - Date.now()) / 86_400_000;
  expect(days).toBeGreaterThan(29.9);
  expect(days).toBeLessThanOrEqual(30);
});

test('deactivating stops the keys at once, reactivating brings them back; editing, and deleting kills them', async ({ page, request }) => {
  await owner(page);
  const name = accountName('Scheduler');
  await createAccount(page, name, 'Runs reports');
  const secret = await createKey(page, 'reports');

  // Edit.
  const renamed = `${name} v2`;
  await button(page, 'Edit service account').click();
  const edit = page.getByRole('dialog', { name: 'Edit service account' });
  await expect(field(edit, 'Name')).toHaveValue(name);
  await field(edit, 'Name').fill(renamed);
  await field(edit, 'Description (optional)').fill('Runs the nightly reports');
  await button(edit, 'Save').click();
  await expect(statusWith(page, 'Service account saved')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: renamed })).toBeVisible();
  await expect(page.getByText('Runs the nightly reports')).toBeVisible();

  // Deactivate: asked first; then the key is refused and no key can be created.
  await button(page, 'Deactivate').click();
  const deactivate = page.getByRole('dialog', { name: `Deactivate ${renamed}?` });
  await expect(deactivate).toContainText('Its keys stop working at once');
  await button(deactivate, 'Deactivate').click();
  await expect(statusWith(page, 'Service account deactivated')).toBeVisible();
  await expect(page.locator('.project-head')).toContainText('Deactivated');
  await expect(page.getByText('This service account is deactivated.')).toBeVisible();
  await expect(button(page, 'Create key')).toHaveCount(0);
  expect((await withKey(request, 'whoami', secret)).status()).toBe(401);
  await checkA11y(page);
  await shots(page, 'deactivated');
  await visit(page, SERVICE_ACCOUNTS);
  await expect(page.locator('.service-accounts-table tbody tr').filter({ hasText: renamed })).toContainText('Deactivated');
  await page.getByRole('link', { name: renamed }).click();

  // Reactivate: the key works again.
  await button(page, 'Reactivate').click();
  await expect(statusWith(page, 'Service account reactivated')).toBeVisible();
  await expect(button(page, 'Create key')).toBeVisible();
  expect((await withKey(request, 'whoami', secret)).status()).toBe(200);

  // Delete: asked first, saying its keys stop working.
  await button(page, 'Delete service account').click();
  const remove = page.getByRole('dialog', { name: `Delete ${renamed}?` });
  await expect(remove).toContainText('Its keys stop working at once');
  await shots(page, 'delete');
  await button(remove, 'Delete service account').click();
  await expect(page).toHaveURL(new RegExp(`${SERVICE_ACCOUNTS}$`));
  await expect(statusWith(page, 'Service account deleted: its keys no longer work')).toBeVisible();
  await expect(page.getByRole('link', { name: renamed })).toHaveCount(0);
  expect((await withKey(request, 'whoami', secret)).status()).toBe(401);
});

test('a person with Use creates a personal key for a project; it acts as them, loses Use with them, and the Owner sees and may revoke it', async ({ page, browser, request }) => {
  test.slow(); // two people
  await owner(page);
  const project = projectName('Analytics');
  const projectId = await apiCreateProject(page, project);
  const mia = await join(page, browser, 'Mia Member');
  await addMembers(page, projectId, [mia], 'Member');

  // Mia, a Member of the organization, sees no Service accounts entry, and is refused the screen.
  await visit(mia.page, '/settings/profile');
  await expect(settingsNav(mia.page).getByRole('link', { name: 'Teams' })).toBeVisible();
  await expect(settingsNav(mia.page).getByRole('link', { name: 'Service accounts' })).toHaveCount(0);
  await visit(mia.page, SERVICE_ACCOUNTS);
  await expect(mia.page.getByRole('alert').filter({ hasText: 'Your role in this organization does not allow that.' })).toBeVisible();
  await expect(button(mia.page, 'Create service account')).toHaveCount(0);
  await checkA11y(mia.page);
  await shots(mia.page, 'member-refused');

  // Her key for the project, from its API keys tab.
  await visit(mia.page, `/projects/${projectId}`);
  await mia.page.getByRole('navigation', { name: 'Project sections' }).getByRole('link', { name: 'API keys' }).click();
  await expect(mia.page).toHaveURL(new RegExp(`/projects/${projectId}/keys$`));
  await expect(mia.page.getByRole('heading', { level: 2, name: 'Your API keys' })).toBeVisible();
  await expect(mia.page.getByText('You have no keys for this project')).toBeVisible();
  await checkA11y(mia.page);
  const secret = await createKey(mia.page, 'laptop script');
  await expect(keyRow(mia.page, 'laptop script')).toContainText('Active');
  await checkA11y(mia.page);
  await shots(mia.page, 'personal-keys');

  const me = await withKey(request, 'whoami', secret);
  expect(me.status(), await me.text()).toBe(200);
  expect(await me.json()).toMatchObject({ type: 'user', name: 'Mia Member', project: projectId });
  const use = await withKey(request, 'check_permission', secret, { project_id: projectId, permission: 'use' });
  expect(await use.json()).toMatchObject({ allowed: true });

  // Viewer now: her key loses Use on its next request, and she can no longer create keys.
  const members = await apiPost(page.request, 'list_project_members', { project_id: projectId });
  const miaId = (await members.json()).members.find((m: { email: string }) => m.email === mia.email).user_id;
  const downgraded = await apiPost(page.request, 'update_project_member_role', { project_id: projectId, user_id: miaId, role: 'viewer' });
  expect(downgraded.status(), await downgraded.text()).toBe(200);
  const after = await withKey(request, 'check_permission', secret, { project_id: projectId, permission: 'use' });
  expect((await after.json()).allowed).toBe(false);
  await mia.page.reload();
  await expect(mia.page.getByText('Creating a key needs Use on this project')).toBeVisible();
  await expect(button(mia.page, 'Create key')).toHaveCount(0);

  // The Owner sees it among other people's keys and may revoke it.
  await visit(page, `/projects/${projectId}/keys`);
  const others = page.getByRole('region', { name: "Other people's keys" });
  const theirs = others.locator('tbody tr').filter({ hasText: 'laptop script' });
  await expect(theirs).toContainText('Mia Member');
  // Revoke, never Rotate: a new secret would let the Owner act as Mia.
  await expect(button(theirs, 'Revoke key laptop script')).toBeVisible();
  await expect(theirs.getByRole('button', { name: /^Rotate/ })).toHaveCount(0);
  await checkA11y(page);
  await shots(page, 'owner-project-keys');

  // Mia revokes her own key: 401 from then on.
  await button(keyRow(mia.page, 'laptop script'), 'Revoke key laptop script').click();
  await button(mia.page.getByRole('dialog', { name: 'Revoke key “laptop script”?' }), 'Revoke key').click();
  await expect(keyRow(mia.page, 'laptop script')).toContainText('Revoked');
  expect((await withKey(request, 'whoami', secret)).status()).toBe(401);

  await mia.context.close();
});
