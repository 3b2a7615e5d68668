// Runs in the `no-js` project: the service account screens work as plain HTML — "Create service
// account", "Edit", "Deactivate", "Delete service account" and a key's "Revoke" come back as
// forms on the page, the project's service accounts are plain form posts, and each change
// redirects back with its confirmation. Creating or rotating a key needs JavaScript (its secret
// never travels in a URL), and the page says so.
import { expect, test, type APIRequestContext, type Page } from './fixtures';
import { apiPost, button, field, statusWith, visit } from './helpers';
import { apiCreateProject, membersTab, owner, projectName } from './projects';

const SERVICE_ACCOUNTS = '/settings/service-accounts';

async function whoami(request: APIRequestContext, key: string): Promise<number> {
  const response = await request.post('/api/whoami', { headers: { Authorization: `Bearer ${key}` } });
  return response.status();
}

/** Creates a key through the API as the caller of `page` (the UI needs JavaScript for it). */
async function apiCreateKey(page: Page, form: Record<string, string>): Promise<string> {
  const created = await apiPost(page.request, 'create_api_key', form);
  expect(created.status(), await created.text()).toBe(200);
  return (await created.json()).secret;
}

test.describe('without JavaScript', () => {
  test('an Owner creates, edits, deactivates, reactivates and deletes a service account, and revokes its key', async ({ page, request }) => {
    await owner(page);
    await visit(page, SERVICE_ACCOUNTS);
    await expect(page.getByText('No service accounts yet')).toBeVisible();
    await button(page, 'Create service account').click();
    await expect(page).toHaveURL(/\/settings\/service-accounts\?new=1$/);
    const form = page.getByRole('region', { name: 'Create service account' });
    const name = `Plain ${Math.random().toString(36).slice(2, 8)}`;
    await field(form, 'Name').fill(name);
    await field(form, 'Description (optional)').fill('Made without JavaScript');
    await button(form, 'Create service account').click();
    await expect(page).toHaveURL(/\/settings\/service-accounts\/[0-9a-f-]{36}\?saved=created$/);
    await expect(statusWith(page, 'Service account created')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    const accountId = new URL(page.url()).pathname.split('/')[3];

    // Creating a key needs JavaScript: the page says why.
    await button(page, 'Create key').click();
    await expect(page).toHaveURL(/\?new_key=1$/);
    await expect(page.getByRole('note').filter({ hasText: 'Creating or rotating a key needs JavaScript' })).toBeVisible();

    // Edit, on the page.
    await button(page, 'Edit service account').click();
    await expect(page).toHaveURL(/\?edit=1$/);
    const edit = page.getByRole('region', { name: 'Edit service account' });
    await field(edit, 'Name').fill(`${name} v2`);
    await button(edit, 'Save').click();
    await expect(page).toHaveURL(/\?saved=saved$/);
    await expect(statusWith(page, 'Service account saved')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: `${name} v2` })).toBeVisible();

    // A key made by a script's owner; revoked here, asked on the page first.
    const secret = await apiCreateKey(page, { name: 'ci', expires_in_days: '30', service_account_id: accountId });
    expect(await whoami(request, secret)).toBe(200);
    await page.reload();
    const key = page.locator('.keys-table tbody tr').filter({ hasText: 'ci' });
    await button(key, 'Revoke key ci').click();
    await expect(page).toHaveURL(/\?revoke=[0-9a-f-]{36}$/);
    const confirm = page.getByRole('region', { name: 'Revoke key “ci”?' });
    await expect(confirm).toContainText('refused from its next request');
    await button(confirm, 'Revoke key').click();
    await expect(page).toHaveURL(new RegExp(`${SERVICE_ACCOUNTS}/${accountId}\\?saved=key_revoked$`));
    await expect(statusWith(page, 'Key revoked')).toBeVisible();
    await expect(key).toContainText('Revoked');
    expect(await whoami(request, secret)).toBe(401);

    // Deactivate (asked on the page), reactivate.
    const second = await apiCreateKey(page, { name: 'ci-2', service_account_id: accountId });
    await button(page, 'Deactivate').click();
    await expect(page).toHaveURL(/\?deactivate=1$/);
    await button(page.getByRole('region', { name: 'Deactivate service account' }), 'Deactivate').click();
    await expect(page).toHaveURL(/\?saved=deactivated$/);
    await expect(statusWith(page, 'Service account deactivated')).toBeVisible();
    expect(await whoami(request, second)).toBe(401);
    await button(page, 'Reactivate').click();
    await expect(page).toHaveURL(/\?saved=reactivated$/);
    await expect(statusWith(page, 'Service account reactivated')).toBeVisible();
    expect(await whoami(request, second)).toBe(200);

    // Delete, asked on the page.
    await button(page, 'Delete service account').click();
    await expect(page).toHaveURL(/\?delete=1$/);
    const remove = page.getByRole('region', { name: 'Delete service account' });
    await expect(remove).toContainText('Its keys stop working at once');
    await button(remove, 'Delete service account').click();
    await expect(page).toHaveURL(/\/settings\/service-accounts\?saved=deleted$/);
    await expect(statusWith(page, 'Service account deleted')).toBeVisible();
    expect(await whoami(request, second)).toBe(401);
  });

  test("a project's service accounts: added, re-roled and removed with plain form posts", async ({ page }) => {
    await owner(page);
    const projectId = await apiCreateProject(page, projectName());
    const name = `Bot ${Math.random().toString(36).slice(2, 8)}`;
    const created = await apiPost(page.request, 'create_service_account', { name });
    expect(created.status(), await created.text()).toBe(200);

    await visit(page, membersTab(projectId));
    const section = page.getByRole('region', { name: 'Service accounts' });
    const add = section.getByRole('region', { name: 'Add service account' });
    await add.getByLabel('Service account', { exact: true }).selectOption({ label: name });
    await add.getByLabel('Role', { exact: true }).selectOption({ label: 'Member' });
    await button(add, 'Add service account').click();
    await expect(page).toHaveURL(/\?saved=service_account_added$/);
    await expect(statusWith(page, 'Service account added to the project')).toBeVisible();
    const row = section.locator('tbody tr').filter({ hasText: name });
    const role = row.getByLabel(`Project role of service account ${name}`);
    await expect(role).toHaveValue('member');

    await role.selectOption({ label: 'Admin' });
    await button(row, 'Update role').click();
    await expect(page).toHaveURL(/\?saved=service_account_role$/);
    await expect(statusWith(page, 'Service account role updated')).toBeVisible();
    await expect(role).toHaveValue('admin');

    await button(row, `Remove service account ${name} from the project`).click();
    await expect(page).toHaveURL(/\?saved=service_account_removed$/);
    await expect(statusWith(page, 'Service account removed from the project')).toBeVisible();
    await expect(section).toContainText('No service account has a role on this project.');
  });

  test("a personal key is revoked from the project's API keys tab", async ({ page, request }) => {
    await owner(page);
    const projectId = await apiCreateProject(page, projectName());
    const secret = await apiCreateKey(page, { name: 'script', project_id: projectId });
    await visit(page, `/projects/${projectId}/keys`);
    const key = page.locator('.keys-table tbody tr').filter({ hasText: 'script' });
    await expect(key).toContainText(`ghk_…${secret.slice(-4)}`);
    await button(key, 'Revoke key script').click();
    await button(page.getByRole('region', { name: 'Revoke key “script”?' }), 'Revoke key').click();
    await expect(page).toHaveURL(new RegExp(`/projects/${projectId}/keys\\?saved=key_revoked$`));
    await expect(statusWith(page, 'Key revoked')).toBeVisible();
    await expect(key).toContainText('Revoked');
    expect(await whoami(request, secret)).toBe(401);
  });
});
