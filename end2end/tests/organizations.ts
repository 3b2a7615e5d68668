/** Accounts in several organizations, for the organization chooser at sign-in. */
import { expect, type APIRequestContext, type Browser, type Locator, type Page } from './fixtures';
import { apiPost, newAccount, signUpVerified, type Account } from './helpers';
import { enrollByApi } from './totp';

export const CHOOSER = '/choose-organization';

export interface Organization {
  id: string;
  name: string;
}

export interface InTwoOrganizations {
  account: Account;
  /** The organization the account signed up with: an Owner there, and the one used last. */
  home: Organization;
  /** The organization another Owner invited the account into, as an Admin. */
  other: Organization;
  /** The authenticator secret, when MFA was turned on. */
  secret?: string;
}

/** The verified Owner signed in on `inviter` invites `email` as an Admin; returns the link. */
export async function inviteAsAdmin(inviter: Page, email: string): Promise<string> {
  const issued = await apiPost(inviter.request, 'invite_member', { email, role: 'admin' });
  expect(issued.status(), await issued.text()).toBe(200);
  return (await issued.json()).link;
}

/**
 * The account signed in on `request` accepts the invitation `link` (into `otherName`), then
 * switches back to its own organization `homeName`, so that one is used last.
 */
export async function joinThenGoHome(
  request: APIRequestContext,
  link: string,
  homeName: string,
  otherName: string,
): Promise<{ home: Organization; other: Organization }> {
  const accepted = await apiPost(request, 'accept_invitation', { token: link.split('/invite/')[1] });
  expect(accepted.status(), await accepted.text()).toBe(200);
  const listed: Organization[] = await (await apiPost(request, 'list_organizations')).json();
  const home = listed.find((org) => org.name === homeName);
  const other = listed.find((org) => org.name === otherName);
  expect(home && other, `both organizations in ${JSON.stringify(listed)}`).toBeTruthy();
  const switched = await apiPost(request, 'switch_organization', { organization_id: home!.id });
  expect(switched.status(), await switched.text()).toBe(200);
  return { home: { id: home!.id, name: home!.name }, other: { id: other!.id, name: other!.name } };
}

/**
 * Creates an account in two organizations through the API, in browser contexts of its own:
 * another verified Owner invites it, it accepts, and switches back to its own organization so
 * that one is used last. Nothing stays signed in. With `mfa`, the account turns MFA on too.
 */
export async function accountInTwoOrganizations(
  browser: Browser,
  { mfa = false }: { mfa?: boolean } = {},
): Promise<InTwoOrganizations> {
  const inviterContext = await browser.newContext();
  const inviter = await inviterContext.newPage();
  const otherOwner = newAccount();
  await signUpVerified(inviter, otherOwner);
  const account = newAccount();
  const link = await inviteAsAdmin(inviter, account.email);
  await inviterContext.close();

  const context = await browser.newContext();
  const request = context.request;
  const signedUp = await apiPost(request, 'sign_up', {
    name: account.name,
    email: account.email,
    password: account.password,
    organization: account.organization,
  });
  expect(signedUp.status(), await signedUp.text()).toBe(200);
  const { home, other } = await joinThenGoHome(request, link, account.organization, otherOwner.organization);
  const secret = mfa ? (await enrollByApi(request)).secret : undefined;
  await context.close();
  return { account, home, other, secret };
}

/** The chooser's radio group. */
export function choices(page: Page): Locator {
  return page.getByRole('group', { name: 'Organization' });
}

/**
 * Expects the chooser to offer exactly `first` (checked) then `second`, each with the account's
 * role there.
 */
export async function expectChoices(
  page: Page,
  first: Organization & { role: string },
  second: Organization & { role: string },
): Promise<void> {
  const radios = choices(page).getByRole('radio');
  await expect(radios).toHaveCount(2);
  await expect(radios.nth(0)).toHaveAccessibleName(first.name);
  await expect(radios.nth(0)).toHaveAccessibleDescription(first.role);
  await expect(radios.nth(0)).toBeChecked();
  await expect(radios.nth(1)).toHaveAccessibleName(second.name);
  await expect(radios.nth(1)).toHaveAccessibleDescription(second.role);
  await expect(radios.nth(1)).not.toBeChecked();
}

/** The organization the session on `page` acts in, as the API says. */
export async function currentOrganization(page: Page): Promise<string | undefined> {
  const me = await (await apiPost(page.request, 'current_user')).json();
  return me.organization?.id;
}
