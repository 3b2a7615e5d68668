import { expect, test } from '@playwright/test';
import { jsEnabled, newAccount, signUpVerified, visit, waitForHydration } from './helpers';

/**
 * What a first visit to /login downloads before it is interactive (JS, WASM, CSS, compressed as
 * sent). Issue 13 asks for 250 KB; the split by route brought it from 3,000 KB (uncompressed,
 * unsplit) to about 300 KB, and this guard keeps it from growing back while the rest is cut.
 */
const LOGIN_FIRST_DOWNLOAD_BUDGET_KB = 310;

interface Download {
  url: string;
  bytes: number;
}

/** Every resource the page fetched so far, with the bytes that came over the wire. */
async function downloads(page: import('@playwright/test').Page): Promise<Download[]> {
  return page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).map((entry) => ({
      url: entry.name,
      bytes: entry.encodedBodySize,
    })),
  );
}

test.beforeEach(async ({ page }) => {
  test.skip(!jsEnabled(), 'the bundle is what JavaScript loads');
  // Room beyond the browser's default buffer of 250 timing entries, so that whatever a screen
  // fetches is recorded.
  await page.addInitScript(() => performance.setResourceTimingBufferSize(5000));
});

test("/login's first download stays within its budget, compressed", async ({ page }) => {
  await visit(page, '/login');
  await waitForHydration(page);
  const bundle = (await downloads(page)).filter((d) => new URL(d.url).pathname.startsWith('/pkg/'));
  const wasm = bundle.filter((d) => d.url.endsWith('.wasm'));
  expect(wasm.length, 'the main module and the login route chunks').toBeGreaterThan(1);
  const total = bundle.reduce((sum, d) => sum + d.bytes, 0);
  const raw = await page.evaluate(() =>
    (performance.getEntriesByType('resource') as PerformanceResourceTiming[])
      .filter((e) => new URL(e.name).pathname.startsWith('/pkg/'))
      .reduce((sum, e) => sum + e.decodedBodySize, 0),
  );
  expect(total, 'the files arrive compressed').toBeLessThan(raw / 2);
  expect(total / 1024).toBeLessThanOrEqual(LOGIN_FIRST_DOWNLOAD_BUDGET_KB);
});

test('a settings screen loads its own code when first shown', async ({ page }) => {
  await signUpVerified(page, newAccount());
  await visit(page, '/settings/profile');
  const loaded = new Set((await downloads(page)).map((d) => d.url));
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Security' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Security' })).toBeVisible();
  const fetched = (await downloads(page)).filter((d) => d.url.endsWith('.wasm') && !loaded.has(d.url));
  expect(fetched.length, 'chunks the profile screen did not need').toBeGreaterThan(0);
});
