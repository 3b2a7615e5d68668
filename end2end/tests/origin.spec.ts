import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from './fixtures';
import {
  apiSignIn,
  field,
  newAccount,
  signUp,
  visit,
} from './helpers';

interface EvilSite {
  origin: string;
  close(): Promise<void>;
}

/** Serves `html` on a free loopback port: a site of a different origin than the app. */
async function serveEvilSite(html: string): Promise<EvilSite> {
  const server = http.createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/"/g, '&quot;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

test.describe('cross-origin requests', () => {
  test('a sign-in POST from a foreign origin is refused', async ({ page, request }) => {
    const account = newAccount();
    await signUp(page, account);

    const foreignOrigin = await apiSignIn(request, account.email, account.password, {
      Origin: 'http://evil.example',
    });
    expect(foreignOrigin.status()).toBe(403);

    const crossSite = await apiSignIn(request, account.email, account.password, {
      'Sec-Fetch-Site': 'cross-site',
    });
    expect(crossSite.status()).toBe(403);

    // The same credentials from the app's own origin are accepted: the refusals above were
    // about where the requests came from.
    expect((await apiSignIn(request, account.email, account.password)).status()).toBe(200);
  });

  test('a form on another origin cannot change the profile of a signed-in user', async ({
    page,
    baseURL,
  }) => {
    const account = newAccount();
    await signUp(page, account);

    const target = new URL('/api/update_profile', baseURL).href;
    const evil = await serveEvilSite(`<!doctype html>
<html lang="en">
  <head><meta charset="utf-8"><title>Free prizes</title></head>
  <body>
    <form method="post" action="${escapeHtml(target)}">
      <label>Name <input name="name" value="Changed by evil"></label>
      <button type="submit">Claim prize</button>
    </form>
  </body>
</html>`);
    try {
      await page.goto(evil.origin);
      const responsePromise = page.waitForResponse((response) => response.url() === target);
      await page.getByRole('button', { name: 'Claim prize' }).click();
      const response = await responsePromise;

      expect(response.request().isNavigationRequest()).toBe(true);
      expect(response.status()).toBe(403);
      // The browser did send the session cookie (same site, other port): only the Origin
      // check stands between this form and the account.
      expect(await response.request().headerValue('origin')).toBe(evil.origin);
      expect(await response.request().headerValue('cookie')).toContain('gatehouse_session=');
    } finally {
      await evil.close();
    }

    await visit(page, '/settings/profile');
    await expect(field(page, 'Name')).toHaveValue(account.name);
  });
});
