/** Project fixtures shared by the project spec files: an organization with people, projects. */
import { expect, type Browser, type BrowserContext, type Locator, type Page } from './fixtures';
import { apiPost, button, expectPath, field, newAccount, signUpVerified, visit, waitForHydration, type Account } from './helpers';
import { acceptAsNew } from './members';

export const PROJECTS = '/projects';

export interface Person {
  name: string;
  email: string;
  context: BrowserContext;
  page: Page;
}

/** A unique, readable project name. */
export function projectName(prefix = 'Apollo'): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 8)}`;
}

/** "3 Dec": the day as the explainer writes it (UTC, this year). */
export function today(): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const now = new Date();
  return `${now.getUTCDate()} ${months[now.getUTCMonth()]}`;
}

/** Signs up a verified Owner (only a verified address may invite here). */
export async function owner(page: Page): Promise<Account> {
  const account = newAccount();
  await signUpVerified(page, account);
  return account;
}

/** Invites someone with `role` through the API (as the Owner on `page`) and has them accept in
 * a fresh browser, so they are signed in there. */
export async function join(
  page: Page,
  browser: Browser,
  name: string,
  role: 'member' | 'admin' = 'member',
): Promise<Person> {
  const email = `${name.split(' ')[0].toLowerCase()}-${Date.now()}-${Math.random().toString(36).slice(2, 6)}@example.com`;
  const issued = await apiPost(page.request, 'invite_member', { email, role });
  expect(issued.status(), await issued.text()).toBe(200);
  const { link } = await issued.json();
  const joined = await acceptAsNew(browser, link, name);
  return { name, email, ...joined };
}

/** Creates a project through the API as the caller of `page`; returns its id. */
export async function apiCreateProject(page: Page, name: string, description = ''): Promise<string> {
  const created = await apiPost(page.request, 'create_project', { name, description });
  expect(created.status(), await created.text()).toBe(200);
  return (await created.json()).id;
}

/** Creates a project through the "New project" dialog and waits for its page; returns its id. */
export async function createProject(page: Page, name: string, description = ''): Promise<string> {
  await visit(page, PROJECTS);
  await button(page, 'New project').click();
  const dialog = page.getByRole('dialog', { name: 'New project' });
  await field(dialog, 'Name').fill(name);
  if (description) await field(dialog, 'Description (optional)').fill(description);
  await button(dialog, 'Create project').click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await expect(page).toHaveURL(/\/projects\/[0-9a-f-]{36}$/);
  return new URL(page.url()).pathname.split('/')[2];
}

export function membersTab(id: string): string {
  return `/projects/${id}/members`;
}

/** The row of `email` on a project's Members tab. */
export function projectRow(page: Page, email: string): Locator {
  return page.locator('.project-members-table tbody tr').filter({ hasText: email });
}

/** The Members tab's "Add members" panel. */
export function addPanel(page: Page): Locator {
  return page.getByRole('region', { name: 'Add members' });
}

/** Types `text` into the type-ahead and checks the candidate whose label contains `email`. */
export async function selectCandidate(page: Page, text: string, email: string): Promise<void> {
  const panel = addPanel(page);
  await field(panel, 'Search members by email or name').fill(text);
  const box = panel.getByRole('checkbox', { name: new RegExp(email.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) });
  await expect(box).toBeVisible();
  await box.check();
}

/** Adds `people` with `role` through the Members tab's multi-select. */
export async function addMembers(page: Page, id: string, people: Person[], role: 'Admin' | 'Member' | 'Viewer'): Promise<void> {
  await visit(page, membersTab(id));
  for (const person of people) await selectCandidate(page, person.email, person.email);
  const panel = addPanel(page);
  await panel.getByLabel('Role', { exact: true }).selectOption({ label: role });
  await button(panel, 'Add').click();
  for (const person of people) await expect(projectRow(page, person.email)).toBeVisible();
}

/** The rows of the Projects list. */
export function projectRows(page: Page): Locator {
  return page.locator('.projects-table tbody tr');
}

/** Opens a project from the list by its name. */
export async function openProject(page: Page, name: string): Promise<void> {
  await page.getByRole('link', { name, exact: true }).click();
  await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
  await waitForHydration(page);
}

/** Opens the row's "Why?" and returns the reasons shown. */
export async function why(page: Page, person: { name: string; email: string }): Promise<Locator> {
  const row = projectRow(page, person.email);
  const toggle = row.getByRole('button', { name: `Why does ${person.name} have access?` });
  await toggle.click();
  await expect(toggle).toHaveAttribute('aria-expanded', 'true');
  const reasons = row.locator('.reasons');
  await expect(reasons).toBeVisible();
  return reasons;
}

export { expectPath };
