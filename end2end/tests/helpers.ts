import AxeBuilder from '@axe-core/playwright';
import {
  expect,
  test,
  type APIRequestContext,
  type APIResponse,
  type Browser,
  type BrowserContext,
  type Locator,
  type Page,
} from '@playwright/test';
import fs from 'node:fs';
import { linkIn, mailsTo } from './mail';

/** Passes the password policy: long enough, mixed case, a digit, a special character, not common. */
export const PASSWORD = 'Gatehouse-Test-42!';
/** A second policy-compliant password, for password changes. */
export const NEW_PASSWORD = 'Gatehouse-Next-77?';

export const INVALID_CREDENTIALS = 'Invalid email or password';
export const TOO_MANY_ATTEMPTS = 'Too many attempts, try again in';

export interface Account {
  name: string;
  email: string;
  password: string;
  organization: string;
}

function randomSuffix(): string {
  return Math.random().toString(36).slice(2, 10);
}

export function uniqueEmail(): string {
  return `e2e-${Date.now()}-${randomSuffix()}@example.com`;
}

/** A fresh account description; nothing is created until it is passed to `signUp`. */
export function newAccount(overrides: Partial<Account> = {}): Account {
  const suffix = randomSuffix();
  return {
    name: `Ada ${suffix}`,
    email: uniqueEmail(),
    password: PASSWORD,
    organization: `Org ${suffix}`,
    ...overrides,
  };
}

/** Whether the current project runs pages with JavaScript (the `js` project) or without (`no-js`). */
export function jsEnabled(): boolean {
  return test.info().project.use.javaScriptEnabled !== false;
}

/** Waits until the WASM has hydrated the page. Does nothing in the no-JS project. */
export async function waitForHydration(page: Page): Promise<void> {
  if (!jsEnabled()) return;
  await page.locator('body[data-hydrated]').waitFor({ state: 'attached' });
}

/** Navigates and, in the js project, waits for hydration before the test interacts. */
export async function visit(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await waitForHydration(page);
}

/** Asserts the page ends up at `path` (query string and hash ignored). */
export async function expectPath(page: Page, path: string): Promise<void> {
  await expect(page).toHaveURL((url) => url.pathname === path);
}

/** Text input located by its exact label. */
export function field(scope: Page | Locator, label: string): Locator {
  return scope.getByLabel(label, { exact: true });
}

export function button(scope: Page | Locator, name: string): Locator {
  return scope.getByRole('button', { name, exact: true });
}

/** role=alert elements that contain `text` (an app may keep empty live regions around). */
export function alertWith(page: Page, text: string): Locator {
  return page.getByRole('alert').filter({ hasText: text });
}

/** role=status elements that contain `text`. */
export function statusWith(page: Page, text: string): Locator {
  return page.getByRole('status').filter({ hasText: text });
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Asserts that `input` is marked invalid and that `message` is shown, visibly, in an element the
 * input names in aria-describedby.
 */
export async function expectFieldError(input: Locator, message: string): Promise<void> {
  await expect(input).toHaveAttribute('aria-invalid', 'true');
  await expect(input).toHaveAccessibleDescription(new RegExp(escapeRegExp(message)));
  const ids = ((await input.getAttribute('aria-describedby')) ?? '').split(/\s+/).filter(Boolean);
  expect(ids, 'the field names its error messages in aria-describedby').not.toEqual([]);
  const page = input.page();
  const descriptions = page.locator(ids.map((id) => `[id=${JSON.stringify(id)}]`).join(', '));
  await expect(descriptions.filter({ hasText: message }).first()).toBeVisible();
}

/** Fills and submits the sign-up form, then waits to land on `/`. */
export async function signUp(page: Page, account: Account): Promise<void> {
  await visit(page, '/signup');
  await fillSignUp(page, account);
  await expectPath(page, '/');
  await waitForHydration(page);
}

export const VERIFY_SUBJECT = 'Verify your email address for Gatehouse';
export const EMAIL_VERIFIED = 'Your email address is verified.';

/** The link in the latest verification mail sent to `email`, waiting for it. */
export async function verificationLink(email: string, count = 1): Promise<string> {
  const mails = (await mailsTo(email, count)).filter((mail) => mail.subject === VERIFY_SUBJECT);
  expect(mails.length, `a verification mail to ${email}`).toBeGreaterThanOrEqual(count);
  return linkIn(mails[mails.length - 1], '/verify-email/');
}

/** Opens the verification mail's link as its owner would, then goes home. */
export async function verifyEmail(page: Page, email: string): Promise<void> {
  await visit(page, await verificationLink(email));
  await expect(statusWith(page, EMAIL_VERIFIED)).toBeVisible();
  await visit(page, '/');
}

/**
 * Signs up and verifies the address through the emailed link: with SMTP configured (as here)
 * only a verified account may invite.
 */
export async function signUpVerified(page: Page, account: Account): Promise<void> {
  await signUp(page, account);
  await verifyEmail(page, account.email);
}

/** Fills and submits the sign-up form without waiting for the outcome. */
export async function fillSignUp(page: Page, account: Account): Promise<void> {
  await field(page, 'Name').fill(account.name);
  await field(page, 'Email').fill(account.email);
  await field(page, 'Password').fill(account.password);
  await field(page, 'Organization name').fill(account.organization);
  await button(page, 'Create account').click();
}

/** Fills and submits the sign-in form on /login without waiting for the outcome. */
export async function submitSignIn(page: Page, email: string, password: string): Promise<void> {
  await field(page, 'Email').fill(email);
  await field(page, 'Password').fill(password);
  await button(page, 'Sign in').click();
}

/** Opens /login, signs in, and waits to land on `/`. */
export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await visit(page, '/login');
  await submitSignIn(page, email, password);
  await expectPath(page, '/');
  await waitForHydration(page);
}

/**
 * The `<summary>` of the account menu. `<summary>` has no implicit ARIA role that getByRole can
 * query, so match its accessible name from either its text or its aria-label.
 */
export function accountMenuToggle(page: Page): Locator {
  return page
    .locator('summary')
    .filter({ hasText: 'Account menu' })
    .or(page.locator('summary[aria-label="Account menu"]'));
}

/** The account menu's `<details>` element. */
export function accountMenu(page: Page): Locator {
  return page.locator('details').filter({ has: accountMenuToggle(page) });
}

/** Opens the account menu (idempotent) and returns it. */
export async function openAccountMenu(page: Page): Promise<Locator> {
  const menu = accountMenu(page);
  const toggle = accountMenuToggle(page);
  await expect(toggle).toHaveAccessibleName('Account menu');
  if ((await menu.getAttribute('open')) === null) await toggle.click();
  await expect(menu).toHaveAttribute('open');
  return menu;
}

/** Signs out through the account menu and waits to land on /login. */
export async function signOut(page: Page): Promise<void> {
  const menu = await openAccountMenu(page);
  await button(menu, 'Sign out').click();
  await expectPath(page, '/login');
  await waitForHydration(page);
}

const SHOTS = '/tmp/shots';

/**
 * With SHOTS set, saves a full-page screenshot of the screen as /tmp/shots/`name`.png, and with
 * `narrow` one at a phone's width too (`name`-narrow.png): for people looking at the screens, not
 * a check, so the suite spends no time on them otherwise.
 */
export async function screenshots(page: Page, name: string, narrow = false): Promise<void> {
  if (!process.env.SHOTS) return;
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
  const size = page.viewportSize();
  if (!narrow || !size) return;
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/${name}-narrow.png`, fullPage: true });
  await page.setViewportSize(size);
}

/** Runs axe with the WCAG 2.0/2.1 A and AA rules and expects no violations. */
export async function checkA11y(page: Page): Promise<void> {
  const results = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const summary = results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    nodes: v.nodes.map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`),
  }));
  if (summary.length > 0) {
    console.log(`axe violations on ${page.url()}:\n${JSON.stringify(summary, null, 2)}`);
  }
  expect(summary, `axe violations on ${page.url()}`).toEqual([]);
}

/** Headers a same-origin browser request would carry; the request fixture sends no Origin itself. */
export function sameOriginHeaders(): Record<string, string> {
  const baseURL = test.info().project.use.baseURL;
  if (!baseURL) throw new Error('baseURL is not configured');
  return { Origin: new URL(baseURL).origin };
}

/** POSTs /api/sign_in as form data, the way the sign-in form does. */
export async function apiSignIn(
  request: APIRequestContext,
  email: string,
  password: string,
  headers: Record<string, string> = sameOriginHeaders(),
): Promise<APIResponse> {
  return request.post('/api/sign_in', { form: { email, password }, headers, maxRedirects: 0 });
}

/** POSTs a server function under /api as (possibly empty) form data, from the same origin. */
export async function apiPost(
  request: APIRequestContext,
  endpoint: string,
  form: Record<string, string> = {},
): Promise<APIResponse> {
  return request.post(`/api/${endpoint}`, { form, headers: sameOriginHeaders(), maxRedirects: 0 });
}

/**
 * Browsers the tests pretend to be, keyed by the device name the app should show for them.
 *
 * Headless Chromium keeps sending its own User-Agent Client Hints with an overridden UA
 * (`Sec-CH-UA: "Chromium";v=…`, and a `Sec-CH-UA-Platform` derived from the UA), and the server
 * reads hints before the UA. So each device also sends the hints its real browser would: Chrome's
 * own for Chrome, and empty values for Safari and Firefox, which send none (the server ignores an
 * empty hint and the UA decides). The names then don't depend on how the server weighs Chromium's
 * generic hints against the UA.
 */
export const DEVICES = {
  'Safari on macOS': {
    userAgent:
      'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
    hints: { 'sec-ch-ua': '', 'sec-ch-ua-mobile': '', 'sec-ch-ua-platform': '' },
  },
  'Chrome on Windows': {
    userAgent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
    hints: {
      'sec-ch-ua': '"Not/A)Brand";v="8", "Chromium";v="126", "Google Chrome";v="126"',
      'sec-ch-ua-mobile': '?0',
      'sec-ch-ua-platform': '"Windows"',
    },
  },
  'Firefox on Linux': {
    userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
    hints: { 'sec-ch-ua': '', 'sec-ch-ua-mobile': '', 'sec-ch-ua-platform': '' },
  },
  'Mobile Safari on iOS': {
    userAgent:
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    hints: { 'sec-ch-ua': '', 'sec-ch-ua-mobile': '', 'sec-ch-ua-platform': '' },
  },
} as const;

export type DeviceName = keyof typeof DEVICES;

/** A fresh browser context (its own cookies) that looks like `device` to the server. */
export async function newDeviceContext(browser: Browser, device: DeviceName): Promise<BrowserContext> {
  const { userAgent, hints } = DEVICES[device];
  return browser.newContext({ userAgent, extraHTTPHeaders: { ...hints } });
}
