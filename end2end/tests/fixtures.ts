/**
 * The suite's `test`: Playwright's, plus a check that no page of the test's browser contexts
 * (the default one and any the test opens) threw or panicked — a hydration panic leaves a page
 * that looks right but does not work — and that the Content-Security-Policy blocked nothing on
 * them: a blocked script or style means the policy and the pages disagree.
 */
import { test as base, expect, type Browser, type BrowserContext } from '@playwright/test';

/** Starts the console line our page hook writes for each `securitypolicyviolation` event. */
const CSP_VIOLATION = 'Content Security Policy violation:';

/** Records page errors, panics and policy violations of `context` into `errors`. */
async function watch(context: BrowserContext, errors: string[]): Promise<void> {
  // Uncaught exceptions, among them a WebAssembly compile the policy refused.
  context.on('weberror', (error) => errors.push(error.error().message));
  context.on('console', (message) => {
    const text = message.text();
    // Chromium reports each blocked load or inline script as a console error naming the
    // "Content Security Policy"; the hook below reports the event itself.
    if (text.includes('Content Security Policy')) {
      errors.push(`${message.type()} on ${message.page()?.url() ?? 'a worker'}: ${text}`);
    } else if (message.type() === 'error' && text.includes('panicked')) {
      errors.push(text);
    }
  });
  // Runs before the page's own scripts and is not itself subject to the policy. With JavaScript
  // disabled it does not run; Chromium's console reports still arrive.
  await context.addInitScript((marker: string) => {
    document.addEventListener(
      'securitypolicyviolation',
      (event) => {
        console.error(
          `${marker} ${event.effectiveDirective} blocked ${event.blockedURI || 'inline'}` +
            ` at ${event.sourceFile}:${event.lineNumber}`,
        );
      },
      true,
    );
  }, CSP_VIOLATION);
}

export const test = base.extend<{ failOnPageErrors: void }>({
  failOnPageErrors: [
    async ({ browser, context }, use) => {
      const errors: string[] = [];
      await watch(context, errors);
      // Contexts a test opens itself (a second user, another device) are watched too.
      const newContext = browser.newContext;
      browser.newContext = (async (...args: Parameters<Browser['newContext']>) => {
        const opened = await newContext.apply(browser, args);
        await watch(opened, errors);
        return opened;
      }) as Browser['newContext'];
      try {
        await use();
      } finally {
        browser.newContext = newContext;
      }
      expect(errors, 'no page error, panic or Content-Security-Policy violation').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { APIRequestContext, BrowserContext, Locator, Page } from '@playwright/test';
