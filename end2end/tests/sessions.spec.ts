import {
  test as base,
  expect,
  type APIRequestContext,
  type BrowserContext,
  type Locator,
  type Page,
} from './fixtures';
import {
  apiPost,
  button,
  checkA11y,
  expectPath,
  newAccount,
  newDeviceContext,
  signIn,
  signUp,
  statusWith,
  visit,
  waitForHydration,
  type Account,
  type DeviceName,
} from './helpers';

const PROFILE = '/settings/profile';
const REVOKED_NOTICE = 'You were signed out from another device.';
const REVOKE_ALL = 'Revoke all other sessions';
/** `2026-11-28T02:18:22.000Z` */
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
/** `2026-11-28 02:18 UTC` */
const EXACT_UTC = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC$/;

interface SessionJson {
  id: string;
  device: string;
  ip: string | null;
  signed_in_at: string;
  last_active_at: string;
  expires_at: string;
  current: boolean;
}

/**
 * `device(name)` opens a new browser context that looks like `name` to the server and returns a
 * page in it; every context opened this way is closed when the test ends.
 */
const test = base.extend<{ device: (name: DeviceName) => Promise<Page> }>({
  device: async ({ browser }, use, testInfo) => {
    const contexts: BrowserContext[] = [];
    const pageErrors: string[] = [];
    await use(async (name) => {
      const context = await newDeviceContext(browser, name);
      contexts.push(context);
      const page = await context.newPage();
      page.on('pageerror', (error) => pageErrors.push(`${name} at ${page.url()}: ${error.message}`));
      return page;
    });
    await Promise.all(contexts.map((context) => context.close()));
    // A panic during hydration leaves some controls without their handlers: fail on it.
    if (pageErrors.length > 0) {
      await testInfo.attach('page errors', { body: pageErrors.join('\n'), contentType: 'text/plain' });
    }
    expect(pageErrors, 'no page error on any device').toEqual([]);
  },
});

/** Lets a frame and a task pass in the page, so errors raised just after hydration are reported. */
async function nextTask(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve))));
}

/** Collects uncaught errors of `page` from now on (e.g. a WASM panic while hydrating). */
function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().includes('panicked')) {
      errors.push(message.text().split('\n')[0]);
    }
  });
  return errors;
}

/** Signs up `account` on a new `name` device and returns its page, on `/`. */
async function signUpOn(
  device: (name: DeviceName) => Promise<Page>,
  name: DeviceName,
  account: Account,
): Promise<Page> {
  const page = await device(name);
  await signUp(page, account);
  return page;
}

/** Signs `account` in on a new `name` device and returns its page, on `/`. */
async function signInOn(
  device: (name: DeviceName) => Promise<Page>,
  name: DeviceName,
  account: Account,
): Promise<Page> {
  const page = await device(name);
  await signIn(page, account.email, account.password);
  return page;
}

function sessionsSection(page: Page): Locator {
  return page
    .locator('section')
    .filter({ has: page.getByRole('heading', { level: 2, name: 'Active sessions', exact: true }) });
}

function sessionRows(page: Page): Locator {
  return page.locator('ul.session-list > li.session');
}

function revokeButton(scope: Page | Locator, device: string): Locator {
  return scope.getByRole('button', { name: `Revoke ${device}`, exact: true });
}

/** The row of `device`, found by its Revoke button's accessible name. */
function sessionRow(page: Page, device: string): Locator {
  return sessionRows(page).filter({ has: revokeButton(page, device) });
}

/** The `<dd>` that follows the `<dt>` named `term` in a session row. */
function detail(row: Locator, term: string): Locator {
  return row
    .getByRole('term')
    .filter({ hasText: new RegExp(`^\\s*${term}\\s*$`) })
    .locator('xpath=following-sibling::dd[1]');
}

function dialog(page: Page, name: string): Locator {
  return page.getByRole('dialog', { name, exact: true });
}

/** Opens the profile page and waits until the session list shows `devices`, in that order. */
async function expectSessionList(page: Page, devices: string[]): Promise<void> {
  const rows = sessionRows(page);
  await expect(rows).toHaveCount(devices.length);
  await expect(rows).toHaveText(devices.map((d) => new RegExp(d)));
  for (const [index, device] of devices.entries()) {
    await expect(revokeButton(rows.nth(index), device)).toBeVisible();
  }
}

/** Marks the document, so `expectSameDocument` can tell the page was not reloaded. */
async function markDocument(page: Page): Promise<void> {
  await page.evaluate(() => {
    (window as unknown as { __sessionsMark: boolean }).__sessionsMark = true;
  });
}

async function expectSameDocument(page: Page): Promise<void> {
  const marked = await page.evaluate(
    () => (window as unknown as { __sessionsMark?: boolean }).__sessionsMark === true,
  );
  expect(marked, 'the page was not reloaded').toBe(true);
}

/** Asserts `page` was sent to /login?signed_out=revoked and told why. */
async function expectRevokedNotice(page: Page): Promise<void> {
  await expect(page).toHaveURL(
    (url) => url.pathname === '/login' && url.searchParams.get('signed_out') === 'revoked',
  );
  await waitForHydration(page);
  await expect(statusWith(page, REVOKED_NOTICE)).toBeVisible();
}

async function listSessions(request: APIRequestContext): Promise<SessionJson[]> {
  const response = await apiPost(request, 'list_sessions');
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as SessionJson[];
}

function exactUtc(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

test.describe('active sessions', () => {
  test('lists every signed-in device, the current one first', async ({ device }) => {
    const account = newAccount();
    const safari = await signUpOn(device, 'Safari on macOS', account);
    const chrome = await signInOn(device, 'Chrome on Windows', account);

    await visit(safari, PROFILE);
    await expect(safari.getByRole('heading', { level: 1, name: 'Profile', exact: true })).toBeVisible();
    const section = sessionsSection(safari);
    await expect(section).toBeVisible();
    // The section follows "Profile details".
    const headings = safari.getByRole('heading', { level: 2 });
    await expect(headings.first()).toHaveText('Profile details');
    await expect(headings.nth(1)).toHaveText('Active sessions');

    await expectSessionList(safari, ['Safari on macOS', 'Chrome on Windows']);
    await expect(sessionRows(safari).first().getByText('This device', { exact: true })).toBeVisible();
    await expect(sessionRows(safari).filter({ hasText: 'This device' })).toHaveCount(1);

    // Each row: IP address, and times shown relatively with the exact UTC time in the title.
    for (const row of await sessionRows(safari).all()) {
      await expect(row.getByRole('term')).toHaveText(['IP address', 'Signed in', 'Last active', 'Expires']);
      await expect(detail(row, 'IP address')).toHaveText('127.0.0.1');
      await expect(detail(row, 'Signed in').locator('time')).toHaveText('just now');
      await expect(detail(row, 'Last active').locator('time')).toHaveText('just now');
      await expect(detail(row, 'Expires').locator('time')).toHaveText(/^in \d+ (day|days|hour|hours)$/);
      for (const term of ['Signed in', 'Last active', 'Expires']) {
        await expect(detail(row, term).locator('time')).toHaveAttribute('title', EXACT_UTC);
      }
    }

    // The titles are the API's times, to the minute.
    const listed = await listSessions(safari.request);
    expect(listed.map((s) => s.device)).toEqual(['Safari on macOS', 'Chrome on Windows']);
    for (const [index, session] of listed.entries()) {
      const row = sessionRows(safari).nth(index);
      await expect(detail(row, 'Signed in').locator('time')).toHaveAttribute(
        'title',
        exactUtc(session.signed_in_at),
      );
      await expect(detail(row, 'Expires').locator('time')).toHaveAttribute(
        'title',
        exactUtc(session.expires_at),
      );
    }

    // The other device sees the same two sessions, itself first.
    await visit(chrome, PROFILE);
    await expectSessionList(chrome, ['Chrome on Windows', 'Safari on macOS']);
    await expect(sessionRows(chrome).first().getByText('This device', { exact: true })).toBeVisible();

    // A third device appears after a reload; the others follow by last activity, newest first.
    await signInOn(device, 'Firefox on Linux', account);
    await safari.reload();
    await waitForHydration(safari);
    await expectSessionList(safari, ['Safari on macOS', 'Firefox on Linux', 'Chrome on Windows']);
    await expect(sessionRows(safari).first().getByText('This device', { exact: true })).toBeVisible();
    await expect(sessionRows(safari).filter({ hasText: 'This device' })).toHaveCount(1);
  });

  test('the profile page hydrates without errors, with one session and with two', async ({ device }) => {
    const account = newAccount();
    const safari = await signUpOn(device, 'Safari on macOS', account);
    const errors = collectPageErrors(safari);

    // A hydration mismatch does not always panic, so load the page a few times.
    const loads = 5;
    for (let load = 1; load <= loads; load++) {
      await visit(safari, PROFILE);
      await expectSessionList(safari, ['Safari on macOS']);
      await nextTask(safari);
    }
    expect(errors, `errors while hydrating ${PROFILE} with one session (${loads} loads)`).toEqual([]);

    await signInOn(device, 'Chrome on Windows', account);
    for (let load = 1; load <= loads; load++) {
      await visit(safari, PROFILE);
      await expectSessionList(safari, ['Safari on macOS', 'Chrome on Windows']);
      await nextTask(safari);
    }
    expect(errors, `errors while hydrating ${PROFILE} with two sessions (${loads} loads)`).toEqual([]);
  });

  test('revoking another device removes its row and signs it out there', async ({ device }) => {
    const account = newAccount();
    const safari = await signUpOn(device, 'Safari on macOS', account);
    const chrome = await signInOn(device, 'Chrome on Windows', account);

    await visit(safari, PROFILE);
    await expectSessionList(safari, ['Safari on macOS', 'Chrome on Windows']);
    await markDocument(safari);

    // Cancel first: nothing changes and focus goes back to the button.
    const revoke = revokeButton(safari, 'Chrome on Windows');
    await expect(revoke).toHaveText('Revoke');
    await revoke.click();
    const confirm = dialog(safari, 'Revoke this session?');
    await expect(confirm).toBeVisible();
    await expect(confirm).toContainText('Chrome on Windows will be signed out at once.');
    await expect(button(confirm, 'Cancel')).toBeVisible();
    await expect(button(confirm, 'Revoke')).toBeVisible();
    await button(confirm, 'Cancel').click();
    await expect(confirm).toBeHidden();
    await expect(revoke).toBeFocused();
    await expect(sessionRows(safari)).toHaveCount(2);

    // Escape closes it too.
    await revoke.click();
    await expect(confirm).toBeVisible();
    await safari.keyboard.press('Escape');
    await expect(confirm).toBeHidden();
    await expect(revoke).toBeFocused();

    // Confirm; focus moves to the list's heading since the row is gone.
    await revoke.click();
    await button(confirm, 'Revoke').click();
    await expect(confirm).toBeHidden();
    await expect(sessionRow(safari, 'Chrome on Windows')).toHaveCount(0);
    await expect(
      safari.getByRole('heading', { level: 2, name: 'Active sessions', exact: true }),
    ).toBeFocused();
    await expectSessionList(safari, ['Safari on macOS']);
    await expect(statusWith(safari, 'Session revoked: Chrome on Windows')).toBeVisible();
    await expectSameDocument(safari);

    // The revoked browser finds out on its next navigation, even an in-app one that loads no page.
    await chrome.getByRole('link', { name: 'Edit profile' }).click();
    await expectRevokedNotice(chrome);

    // The device that revoked it is still signed in.
    await visit(safari, PROFILE);
    await expectPath(safari, PROFILE);
    await expectSessionList(safari, ['Safari on macOS']);
  });

  test('"Revoke all other sessions" ends every session but this one', async ({ device }) => {
    const account = newAccount();
    const safari = await signUpOn(device, 'Safari on macOS', account);
    const chrome = await signInOn(device, 'Chrome on Windows', account);
    const firefox = await signInOn(device, 'Firefox on Linux', account);

    await visit(safari, PROFILE);
    await expectSessionList(safari, ['Safari on macOS', 'Firefox on Linux', 'Chrome on Windows']);
    await markDocument(safari);

    const revokeAll = button(safari, REVOKE_ALL);
    await revokeAll.click();
    const confirm = dialog(safari, 'Revoke all other sessions?');
    await expect(confirm).toBeVisible();
    await expect(confirm).toContainText('2 sessions will end. This device stays signed in.');
    await expect(confirm.getByRole('listitem')).toHaveText(['Firefox on Linux', 'Chrome on Windows'], {
      useInnerText: true,
    });
    await expect(confirm).not.toContainText('Safari on macOS');
    await expect(button(confirm, 'Cancel')).toBeVisible();

    await button(confirm, 'Revoke all').click();
    await expect(confirm).toBeHidden();
    await expectSessionList(safari, ['Safari on macOS']);
    await expect(statusWith(safari, '2 other sessions revoked')).toBeVisible();
    await expect(revokeAll).toBeHidden();
    await expectSameDocument(safari);

    await chrome.reload();
    await expectRevokedNotice(chrome);
    await firefox.goto(PROFILE);
    await expectRevokedNotice(firefox);

    await visit(safari, '/');
    await expectPath(safari, '/');
  });

  test('with a single session there is nothing else to revoke', async ({ device }) => {
    const safari = await signUpOn(device, 'Safari on macOS', newAccount());
    await visit(safari, PROFILE);
    await expectSessionList(safari, ['Safari on macOS']);
    await expect(sessionRows(safari).first().getByText('This device', { exact: true })).toBeVisible();
    await expect(button(safari, REVOKE_ALL)).toHaveCount(0);
  });

  test('revoking the current session signs this browser out', async ({ device }) => {
    const account = newAccount();
    const safari = await signUpOn(device, 'Safari on macOS', account);
    const chrome = await signInOn(device, 'Chrome on Windows', account);

    await visit(safari, PROFILE);
    await expectSessionList(safari, ['Safari on macOS', 'Chrome on Windows']);
    await revokeButton(safari, 'Safari on macOS').click();
    const confirm = dialog(safari, 'Sign out this device?');
    await expect(confirm).toBeVisible();
    await expect(button(confirm, 'Cancel')).toBeVisible();
    await button(confirm, 'Revoke').click();

    await expectPath(safari, '/login');
    await waitForHydration(safari);
    await expect(safari.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
    await safari.goto('/');
    await expectPath(safari, '/login');

    // Only this browser was signed out.
    await visit(chrome, PROFILE);
    await expectPath(chrome, PROFILE);
    await expectSessionList(chrome, ['Chrome on Windows']);
  });

  test('a session can be revoked with the keyboard alone', async ({ device }) => {
    const account = newAccount();
    const safari = await signUpOn(device, 'Safari on macOS', account);
    await signInOn(device, 'Firefox on Linux', account);

    await visit(safari, PROFILE);
    await expectSessionList(safari, ['Safari on macOS', 'Firefox on Linux']);
    const revoke = revokeButton(safari, 'Firefox on Linux');
    await revoke.focus();
    await expect(revoke).toBeFocused();

    await safari.keyboard.press('Enter');
    const confirm = dialog(safari, 'Revoke this session?');
    await expect(confirm).toBeVisible();
    await expect(confirm.locator(':focus')).toHaveCount(1);

    await safari.keyboard.press('Escape');
    await expect(confirm).toBeHidden();
    await expect(revoke).toBeFocused();

    await safari.keyboard.press('Enter');
    await expect(confirm).toBeVisible();
    await expect(confirm.locator(':focus')).toHaveCount(1);
    const confirmButton = button(confirm, 'Revoke');
    for (let presses = 0; presses < 5; presses++) {
      if (await confirmButton.evaluate((el) => el === document.activeElement)) break;
      await safari.keyboard.press('Tab');
    }
    await expect(confirmButton).toBeFocused();
    await safari.keyboard.press('Enter');

    await expect(confirm).toBeHidden();
    await expectSessionList(safari, ['Safari on macOS']);
    await expect(statusWith(safari, 'Session revoked: Firefox on Linux')).toBeVisible();
  });

  test('the sessions API lists and revokes only the caller\'s own sessions', async ({ device }) => {
    const ada = newAccount();
    const adaSafari = await signUpOn(device, 'Safari on macOS', ada);
    const adaChrome = await signInOn(device, 'Chrome on Windows', ada);
    const grace = newAccount();
    const graceIphone = await signUpOn(device, 'Mobile Safari on iOS', grace);

    // Shape: the current session first, ISO 8601 UTC times, the local IP.
    const listed = await listSessions(adaSafari.request);
    expect(listed).toHaveLength(2);
    expect(listed.map((s) => [s.device, s.current])).toEqual([
      ['Safari on macOS', true],
      ['Chrome on Windows', false],
    ]);
    for (const session of listed) {
      expect(Object.keys(session).sort()).toEqual(
        ['current', 'device', 'expires_at', 'id', 'ip', 'last_active_at', 'signed_in_at'],
      );
      expect(typeof session.id).toBe('string');
      expect(session.id).not.toBe('');
      expect(session.ip).toBe('127.0.0.1');
      for (const time of [session.signed_in_at, session.last_active_at, session.expires_at]) {
        expect(time).toMatch(ISO_UTC);
        expect(Number.isNaN(Date.parse(time))).toBe(false);
      }
      expect(Date.parse(session.last_active_at)).toBeGreaterThanOrEqual(Date.parse(session.signed_in_at));
      expect(Date.parse(session.expires_at)).toBeGreaterThan(Date.now());
      expect(Math.abs(Date.parse(session.signed_in_at) - Date.now())).toBeLessThan(5 * 60_000);
    }
    expect(new Set(listed.map((s) => s.id)).size).toBe(2);

    // The same sessions, seen from the other device.
    const fromChrome = await listSessions(adaChrome.request);
    expect(fromChrome.map((s) => [s.id, s.current])).toEqual([
      [listed[1].id, true],
      [listed[0].id, false],
    ]);

    // Grace's session never shows in Ada's list, and Ada cannot revoke it.
    const graceListed = await listSessions(graceIphone.request);
    expect(graceListed).toHaveLength(1);
    expect(graceListed[0]).toMatchObject({ device: 'Mobile Safari on iOS', current: true });
    const graceSession = graceListed[0].id;
    expect(listed.map((s) => s.id)).not.toContain(graceSession);

    const foreign = await apiPost(adaSafari.request, 'revoke_session', { session_id: graceSession });
    expect(foreign.status()).toBe(404);
    expect(await foreign.json()).toMatchObject({ code: 'not_found' });
    const garbage = await apiPost(adaSafari.request, 'revoke_session', { session_id: 'not-a-session' });
    expect(garbage.status()).toBe(404);
    expect(await garbage.json()).toMatchObject({ code: 'not_found' });

    expect((await listSessions(graceIphone.request)).map((s) => s.id)).toEqual([graceSession]);
    await visit(graceIphone, PROFILE);
    await expectPath(graceIphone, PROFILE);
    await expectSessionList(graceIphone, ['Mobile Safari on iOS']);

    // Ada revokes her Chrome session; its cookie is then refused, saying why.
    const revoked = await apiPost(adaSafari.request, 'revoke_session', { session_id: listed[1].id });
    expect(revoked.status(), await revoked.text()).toBe(200);
    expect(await revoked.json()).toBeNull();

    const refused = await apiPost(adaChrome.request, 'list_sessions');
    expect(refused.status()).toBe(401);
    expect(await refused.json()).toMatchObject({ code: 'unauthenticated', signed_out: 'revoked' });

    expect((await listSessions(adaSafari.request)).map((s) => s.id)).toEqual([listed[0].id]);

    // revoke_other_sessions reports how many it ended.
    await signInOn(device, 'Firefox on Linux', ada);
    await signInOn(device, 'Chrome on Windows', ada);
    const others = await apiPost(adaSafari.request, 'revoke_other_sessions');
    expect(others.status(), await others.text()).toBe(200);
    expect(await others.json()).toEqual({ revoked: 2 });
    expect((await listSessions(adaSafari.request)).map((s) => s.id)).toEqual([listed[0].id]);
  });

  test('the sessions list and its dialog pass the accessibility checks', async ({ device }) => {
    const account = newAccount();
    const safari = await signUpOn(device, 'Safari on macOS', account);
    await signInOn(device, 'Chrome on Windows', account);

    await visit(safari, PROFILE);
    await expectSessionList(safari, ['Safari on macOS', 'Chrome on Windows']);
    await expect(button(safari, REVOKE_ALL)).toBeVisible();
    await checkA11y(safari);

    await revokeButton(safari, 'Chrome on Windows').click();
    await expect(dialog(safari, 'Revoke this session?')).toBeVisible();
    await checkA11y(safari);

    await safari.keyboard.press('Escape');
    await button(safari, REVOKE_ALL).click();
    await expect(dialog(safari, 'Revoke all other sessions?')).toBeVisible();
    await checkA11y(safari);
  });
});
