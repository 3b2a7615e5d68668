// The Content-Security-Policy seen from a browser: the app's own bundle hydrates under it, and a
// script injected into a page does not run. Uses Playwright's plain `test` on purpose: the
// suite's fixture fails any test whose page reports a policy violation, and this one provokes one.
import { expect, test } from '@playwright/test';
import { visit } from './helpers';

test('a script injected into a page is blocked while the app itself hydrates', async ({ page }) => {
  const reports: string[] = [];
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) reports.push(message.text());
  });
  // `visit` waits for hydration: the nonced loader, the module and the WebAssembly all ran.
  await visit(page, '/login');
  expect(reports, 'the app needs nothing the policy forbids').toEqual([]);

  const ran = await page.evaluate(() => {
    const script = document.createElement('script');
    script.textContent = 'document.body.dataset.injected = "yes";';
    document.body.append(script);
    return document.body.dataset.injected === 'yes';
  });
  expect(ran, 'an inline script without the nonce does not run').toBe(false);
  // The report the suite's fixture listens for.
  await expect.poll(() => reports.length).toBeGreaterThan(0);
  expect(reports.join('\n')).toContain('script-src');
});
