/** The loopback OpenID provider (see ../oidc/provider.mjs) as a person meets it. */
import { expect, type Page } from './fixtures';
import { button, expectPath, field, visit, waitForHydration } from './helpers';

export const PROVIDER = 'Test ID';

/** At the provider: signs in as `login` (any name works) and consents. */
export async function atProvider(page: Page, login: string): Promise<void> {
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

export async function continueWithProvider(page: Page): Promise<void> {
  await page.getByRole('link', { name: `Continue with ${PROVIDER}` }).click();
}

export function uniqueEmail(prefix: string): string {
  return `${prefix}-${Date.now()}-${Math.random().toString(36).slice(2, 7)}@example.com`;
}

/** A new person signs up through the provider and names their organization. */
export async function signUpWithProvider(page: Page, email: string, organization: string): Promise<void> {
  await visit(page, '/login');
  await continueWithProvider(page);
  await atProvider(page, email);
  await expectPath(page, '/signup/provider');
  await waitForHydration(page);
  await expect(page.getByText(email)).toBeVisible();
  await field(page, 'Organization name').fill(organization);
  await button(page, 'Create account').click();
  await expectPath(page, '/');
  await waitForHydration(page);
}

/**
 * Opens an invitation `link` in `page` (signed out), goes through the provider as `email`, sees
 * the invitation again and confirms "Join".
 */
export async function joinThroughProvider(page: Page, link: string, email: string): Promise<void> {
  await visit(page, link);
  await continueWithProvider(page);
  await atProvider(page, email);
  await expectPath(page, new URL(link).pathname);
  await waitForHydration(page);
  await button(page, 'Join').click();
  await expectPath(page, '/');
  await waitForHydration(page);
}

/**
 * As an Owner who linked the provider: "Members must sign in with" it on the Security page,
 * optionally letting its own MFA stand in for Gatehouse's.
 */
export async function restrictToProvider(page: Page, trustItsMfa: boolean): Promise<void> {
  await visit(page, '/settings/security');
  await page.getByLabel('Members must sign in with').selectOption({ label: PROVIDER });
  if (trustItsMfa) await page.getByLabel(/enforces its own MFA/).check();
  await button(page, 'Save Restriction').click();
  await expect(page.getByText(`Members must sign in with ${PROVIDER}.`)).toBeVisible();
}
