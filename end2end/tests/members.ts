/** Organization fixtures shared by the spec files: owners, invitations, the Members screen. */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { expect, type Browser, type Page } from './fixtures';
import { button, expectPath, field, newAccount, signUpVerified, visit, waitForHydration, type Account } from './helpers';

export const MEMBERS = '/settings/members';
export const DEACTIVATED = 'This account has been deactivated.';

/** Runs one statement against the e2e server's SQLite database (to age rows, never to assert). */
export function sql(statement: string, ...params: string[]): void {
  const db = path.join(process.env.GATEHOUSE_E2E_DATA_DIR ?? '', 'gatehouse.db');
  execFileSync('/usr/bin/python3', [
    '-c',
    'import sqlite3,sys; c=sqlite3.connect(sys.argv[1], timeout=10); c.execute(sys.argv[2], sys.argv[3:]); c.commit()',
    db,
    statement,
    ...params,
  ]);
}

/** The owner's page: signs up, verifies the address (to be allowed to invite) and opens the
 * Members screen. */
export async function ownerOnMembers(page: Page): Promise<Account> {
  const owner = newAccount();
  await signUpVerified(page, owner);
  await visit(page, MEMBERS);
  return owner;
}

/** Invites `email` with `role` through the dialog; returns the link shown to the inviter. */
export async function invite(page: Page, email: string, role: 'Admin' | 'Member' | 'Owner'): Promise<string> {
  await button(page, 'Invite member').click();
  const dialog = page.getByRole('dialog', { name: 'Invite member' });
  await field(dialog, 'Email').fill(email);
  await dialog.getByLabel('Role').selectOption({ label: role });
  await button(dialog, 'Send Invitation').click();
  const linkDialog = page.getByRole('dialog', { name: 'Invitation link' });
  await expect(linkDialog).toBeVisible();
  const link = await linkDialog.getByLabel('Invitation link').inputValue();
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{43}$/);
  await button(linkDialog, 'Close').click();
  return link;
}

/** Accepts `link` in a fresh browser as a new person; returns their page, signed in. */
export async function acceptAsNew(browser: Browser, link: string, name: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await visit(page, link);
  await field(page, 'Name').fill(name);
  await field(page, 'Password').fill(newAccount().password);
  await button(page, 'Create account and join').click();
  await expectPath(page, '/');
  await waitForHydration(page);
  return { context, page };
}

export function memberRow(page: Page, email: string) {
  return page.locator('tbody tr').filter({ hasText: email });
}

/** Opens the row's "Manage" menu and chooses `action`. */
export async function memberAction(page: Page, email: string, action: string): Promise<void> {
  const row = memberRow(page, email);
  await row.locator('summary').filter({ hasText: 'Manage' }).click();
  await button(row, action).click();
}

