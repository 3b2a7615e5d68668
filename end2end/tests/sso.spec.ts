// An organization's own SAML identity provider: a real one (Debian's pysaml2, signing with
// xmlsec1) on loopback, started by the Playwright config (see saml/idp.py).
import fs from 'node:fs';
import { test, expect, type Page } from './fixtures';
import {
  alertWith,
  apiPost,
  button,
  checkA11y,
  expectFieldError,
  expectPath,
  field,
  newAccount,
  screenshots,
  signUp,
  submitSignIn,
  visit,
  waitForHydration,
} from './helpers';
import { MEMBERS, memberRow } from './members';

const SSO = '/settings/single-sign-on';
const IDP = process.env.GATEHOUSE_E2E_SAML_IDP ?? '';

function shot(page: Page, name: string): Promise<void> {
  return screenshots(page, `sso-${name}`);
}

/** Signs in at the test identity provider's form as `email`, which posts back to Gatehouse. */
async function atIdentityProvider(page: Page, email: string, name: string): Promise<void> {
  await expect(page).toHaveURL((url) => url.origin === IDP && url.pathname === '/sso');
  await field(page, 'Work email').fill(email);
  await field(page, 'Full name').fill(name);
  await button(page, 'Sign in to the test IdP').click();
}

/** Publishes a TXT record on the loopback DNS server (see dns/server.py). */
function publishTxt(name: string, value: string): void {
  const file = process.env.GATEHOUSE_E2E_DNS_RECORDS ?? '';
  const records: Record<string, string[]> = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : {};
  records[name] = [...(records[name] ?? []), value];
  fs.writeFileSync(file, JSON.stringify(records));
}

/** On the single sign-on page: saves the test identity provider's metadata, switched on. */
async function connectIdentityProvider(page: Page): Promise<void> {
  const idpMetadata = await (await page.request.get(`${IDP}/metadata`)).text();
  await field(page, 'Identity provider metadata (XML)').fill(idpMetadata);
  await page.getByLabel('Enable single sign-on').check();
  await button(page, 'Save Single Sign-On').click();
  await expect(page.getByRole('region', { name: 'Identity provider', exact: true }).locator('.status')).toHaveText('On');
}

/** A domain no other test uses. */
function uniqueDomain(): string {
  return `corp-${Date.now()}-${Math.random().toString(36).slice(2, 7)}.example`;
}

/** On the single sign-on page: adds `domain`, publishes its TXT record, verifies it. */
async function proveDomain(page: Page, domain: string): Promise<void> {
  const domains = page.getByRole('region', { name: 'Domains' });
  await field(domains, 'Domain').fill(domain);
  await button(domains, 'Add Domain').click();
  const item = domains.getByRole('listitem', { name: domain });
  publishTxt(await field(item, 'TXT record name').inputValue(), await field(item, 'TXT record value').inputValue());
  await button(item, `Verify ${domain}`).click();
  await expect(item.locator('.status')).toHaveText('Verified');
}

test('an Owner connects the identity provider and a new person becomes a member just in time', async ({ page, browser }) => {
  const owner = newAccount();
  await signUp(page, owner);
  await visit(page, SSO);
  await expect(page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Single sign-on' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Single sign-on', level: 1 })).toBeVisible();
  const entityId = await field(page, 'Entity ID (audience)').inputValue();
  expect(entityId).toMatch(/\/saml\/[0-9a-f-]+\/metadata$/);
  await expect(field(page, 'ACS URL (reply URL)')).toHaveValue(entityId.replace(/metadata$/, 'acs'));
  // The metadata URL serves what the identity provider imports.
  const spMetadata = await page.request.get(entityId);
  expect(spMetadata.headers()['content-type']).toContain('application/samlmetadata+xml');
  expect(await spMetadata.text()).toContain(`entityID="${entityId}"`);
  const connection = page.getByRole('region', { name: 'Identity provider', exact: true });
  await expect(connection).toContainText('Not set up');
  await checkA11y(page);
  await shot(page, 'empty');

  // Something that is not metadata is refused with what is wrong.
  const metadataField = field(page, 'Identity provider metadata (XML)');
  await metadataField.fill('<html><body>not metadata</body></html>');
  await button(page, 'Save Single Sign-On').click();
  await expectFieldError(metadataField, 'This is not SAML metadata');

  const idpMetadata = await (await page.request.get(`${IDP}/metadata`)).text();
  await metadataField.fill(idpMetadata);
  await page.getByLabel('Role of new members').selectOption('member');
  await page.getByLabel('Enable single sign-on').check();
  await button(page, 'Save Single Sign-On').click();
  await expect(page.getByRole('status').filter({ hasText: 'Single sign-on settings saved.' }).first()).toBeVisible();
  await expect(connection.locator('.status')).toHaveText('On');
  await expect(connection).toContainText(`${IDP}/metadata`);
  await shot(page, 'connected');
  const startUrl = await field(page, 'Sign-in URL for your members').inputValue();

  // The provider vouches only for addresses in the organization's proven domains.
  const domain = uniqueDomain();
  const email = `sam@${domain}`;
  const context = await browser.newContext();
  const newcomer = await context.newPage();
  await newcomer.goto(startUrl);
  await atIdentityProvider(newcomer, email, 'Sam Saml');
  await expectPath(newcomer, '/login');
  await expect(alertWith(newcomer, 'Your organization has not verified the domain of your email address')).toBeVisible();
  await proveDomain(page, domain);

  // A new person signs in through the provider: a member with the default role, no sign-up.
  await newcomer.goto(startUrl);
  await atIdentityProvider(newcomer, email, 'Sam Saml');
  await expectPath(newcomer, '/');
  await waitForHydration(newcomer);
  await expect(newcomer.locator('.org-slot')).toContainText(owner.organization);
  await shot(newcomer, 'signed-in');
  // The organization proved the domain: the address needs no confirming.
  await expect(newcomer.getByRole('region', { name: 'Email verification' })).toHaveCount(0);
  await context.close();

  await visit(page, MEMBERS);
  const row = memberRow(page, email);
  await expect(row).toContainText('Sam Saml');
  await expect(row).toContainText('Member');

  // Switched off, the sign-in URL explains itself on the sign-in page.
  await visit(page, SSO);
  await page.getByLabel('Enable single sign-on').uncheck();
  await button(page, 'Save Single Sign-On').click();
  await expect(connection.locator('.status')).toHaveText('Off');
  const later = await browser.newContext();
  const visitor = await later.newPage();
  await visitor.goto(startUrl);
  await expectPath(visitor, '/login');
  await expect(alertWith(visitor, 'Single sign-on is not set up for this organization.')).toBeVisible();
  await shot(visitor, 'refused');
  await later.close();
});

test('the ACS takes a post from another origin, and refuses what is not a signed answer on the sign-in page', async ({ page, browser }) => {
  await signUp(page, newAccount());
  const response = await apiPost(page.request, 'get_saml_connection');
  expect(response.status()).toBe(200);
  const { sp_entity_id: entityId } = (await response.json()) as { sp_entity_id: string };
  const acsUrl = entityId.replace(/metadata$/, 'acs');
  // The identity provider's page posts from its own origin: no 403 from the origin check, the
  // refusal comes from the ACS, and the sign-in page explains it.
  const acs = await page.request.post(acsUrl, {
    headers: { origin: 'https://idp.example.test' },
    form: { SAMLResponse: 'bm90IHNhbWw=' },
    maxRedirects: 0,
  });
  expect(acs.status()).toBe(303);
  expect(acs.headers().location).toBe('/login?saml_error=disabled');
  // Every other state-changing route still refuses that origin.
  const elsewhere = await page.request.post('/api/get_saml_connection', {
    headers: { origin: 'https://idp.example.test' },
    maxRedirects: 0,
  });
  expect(elsewhere.status()).toBe(403);
  // Signed out, the sign-in page explains a refusal.
  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visit(visitor, '/login?saml_error=signature');
  await expect(
    alertWith(visitor, "The identity provider's answer was not signed by the certificate this organization trusts"),
  ).toBeVisible();
  await context.close();
});

test('an Owner proves an email domain with a TXT record, and its people choose "Sign in with SSO"', async ({ page, browser }) => {
  const owner = newAccount();
  await signUp(page, owner);
  await visit(page, SSO);
  await connectIdentityProvider(page);
  const domain = uniqueDomain();
  const domains = page.getByRole('region', { name: 'Domains' });
  await field(domains, 'Domain').fill('not a domain');
  await button(domains, 'Add Domain').click();
  await expectFieldError(field(domains, 'Domain'), 'Enter a domain name such as example.com');
  await field(domains, 'Domain').fill(domain.toUpperCase());
  await button(domains, 'Add Domain').click();
  const item = domains.getByRole('listitem', { name: domain });
  await expect(item.locator('.status')).toHaveText('Not verified');
  const recordName = await field(item, 'TXT record name').inputValue();
  const recordValue = await field(item, 'TXT record value').inputValue();
  expect(recordName).toBe(`_gatehouse-verification.${domain}`);
  expect(recordValue).toMatch(/^gatehouse-verification=[0-9a-f]{32}$/);

  // Not published yet: the page says where it looked.
  await button(item, `Verify ${domain}`).click();
  await expect(alertWith(page, `The TXT record was not found at ${recordName}.`)).toBeVisible();
  publishTxt(recordName, recordValue);
  await button(item, `Verify ${domain}`).click();
  await expect(item.locator('.status')).toHaveText('Verified');
  await checkA11y(page);
  await shot(page, 'domain-verified');

  // Someone at the domain starts from the sign-in page with their email alone.
  const context = await browser.newContext();
  const visitor = await context.newPage();
  await visit(visitor, '/login');
  await visitor.getByRole('link', { name: 'Sign in with SSO' }).click();
  await field(visitor, 'Work email').fill(`unknown@elsewhere-${Date.now()}.example`);
  await button(visitor, 'Continue with SSO').click();
  await expect(
    visitor.getByRole('status').filter({ hasText: "Single sign-on is not set up for that email's domain." }),
  ).toBeVisible();
  await shot(visitor, 'lookup-unknown');
  const email = `pat@${domain}`;
  await field(visitor, 'Work email').fill(email);
  await button(visitor, 'Continue with SSO').click();
  await atIdentityProvider(visitor, email, 'Pat Domain');
  await expectPath(visitor, '/');
  await waitForHydration(visitor);
  await expect(visitor.locator('.org-slot')).toContainText(owner.organization);
  // The organization proved the domain: no "verify your email" for this person.
  await expect(visitor.getByRole('region', { name: 'Email verification' })).toHaveCount(0);
  await context.close();

  await visit(page, SSO);
  await button(domains.getByRole('listitem', { name: domain }), `Remove ${domain}`).click();
  await expect(domains.getByRole('listitem', { name: domain })).toHaveCount(0);
});

test('an Owner requires single sign-on: their account is linked through the provider, then passwords are refused', async ({ page, browser }) => {
  const domain = uniqueDomain();
  const owner = newAccount({ email: `owner@${domain}` });
  await signUp(page, owner);
  await visit(page, SSO);
  await connectIdentityProvider(page);
  await proveDomain(page, domain);
  const startUrl = await field(page, 'Sign-in URL for your members').inputValue();
  // Required before the Owner has a way in through it: refused, naming what to do.
  await visit(page, '/settings/security');
  await page.getByLabel('Members must sign in with').selectOption({ label: 'Single sign-on (SAML)' });
  await button(page, 'Save Restriction').click();
  await expect(alertWith(page, 'Sign in with Single sign-on (SAML) once first')).toBeVisible();

  // Through the provider once, in the proven domain: the account is linked.
  await page.goto(startUrl);
  await atIdentityProvider(page, owner.email, owner.name);
  await expectPath(page, '/');
  // The provider of the domain's verified owner vouched for the address.
  await expect(page.getByRole('region', { name: 'Email verification' })).toHaveCount(0);
  await visit(page, '/settings/security');
  await page.getByLabel('Members must sign in with').selectOption({ label: 'Single sign-on (SAML)' });
  await button(page, 'Save Restriction').click();
  await expect(page.getByText('Members must sign in with Single sign-on (SAML).')).toBeVisible();
  await shot(page, 'restriction');

  const elsewhere = await browser.newContext();
  const other = await elsewhere.newPage();
  await visit(other, '/login');
  await submitSignIn(other, owner.email, owner.password);
  await expect(alertWith(other, `Members of ${owner.organization} must sign in with Single sign-on (SAML).`)).toBeVisible();
  await other.goto(startUrl);
  await atIdentityProvider(other, owner.email, owner.name);
  await expectPath(other, '/');
  await waitForHydration(other);
  await expect(other.locator('.org-slot')).toContainText(owner.organization);
  await elsewhere.close();
});
