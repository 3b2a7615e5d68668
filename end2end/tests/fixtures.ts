/**
 * The suite's `test`: Playwright's, plus a check that no page of the test's browser context
 * threw or panicked (a hydration panic leaves a page that looks right but does not work).
 */
import { test as base, expect } from '@playwright/test';

export const test = base.extend<{ failOnPageErrors: void }>({
  failOnPageErrors: [
    async ({ context }, use) => {
      const errors: string[] = [];
      context.on('weberror', (error) => errors.push(error.error().message));
      context.on('console', (message) => {
        if (message.type() === 'error' && message.text().includes('panicked')) {
          errors.push(message.text());
        }
      });
      await use();
      expect(errors, 'no page error or panic during the test').toEqual([]);
    },
    { auto: true },
  ],
});

export { expect };
export type { APIRequestContext, BrowserContext, Locator, Page } from '@playwright/test';
