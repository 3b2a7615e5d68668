// Runs in the `no-js` project: an access review works as plain HTML — "Start access review" and
// "Complete review" are form posts, each row's decision buttons post their own `decision`
// (Remove and Deactivate without the confirmation the hydrated page asks), a decision comes back
// to the rows it was made from with its confirmation, and a refusal comes back as a message.
import { expect, test, type Locator, type Page } from './fixtures';
import { alertWith, button, screenshots, statusWith, visit } from './helpers';
import { MEMBERS, memberRow } from './members';
import { join, owner } from './projects';

const REVIEWS = '/settings/access-reviews';

function shot(page: Page, name: string): Promise<void> {
  return screenshots(page, `access-reviews-nojs-${name}`);
}

function reviewRow(page: Page, email: string): Locator {
  return page.locator('.review-table tbody tr').filter({ hasText: email });
}

test.describe('without JavaScript', () => {
  test('an Owner starts, decides and completes a review with plain form posts', async ({ page, browser }) => {
    test.slow(); // three people, each signed up and verified
    const boss = await owner(page);
    const alan = await join(page, browser, 'Alan Admin', 'admin');
    const bea = await join(page, browser, 'Bea Member');

    await visit(page, REVIEWS);
    await button(page, 'Start access review').click();
    await expect(page).toHaveURL(new RegExp(`${REVIEWS}/[0-9a-f-]{36}\\?saved=started$`));
    await expect(statusWith(page, "Access review started: decide each person's access")).toBeVisible();
    await expect(page.locator('#review-progress-label')).toHaveText('0 of 3 decided');
    const reviewPath = new URL(page.url()).pathname;
    // A second tab, left open on the undecided rows.
    const stale = await page.context().newPage();
    await visit(stale, reviewPath);

    // The list now offers the review in progress instead of a second one.
    await visit(page, REVIEWS);
    await expect(button(page, 'Start access review')).toHaveCount(0);
    await page.getByRole('link', { name: 'Continue the review in progress' }).click();
    await expect(page).toHaveURL(new RegExp(`${reviewPath}$`));

    // Deactivate posts at once; the page comes back to the same rows, confirmed.
    await page.getByRole('navigation', { name: 'Show' }).getByRole('link', { name: 'Undecided' }).click();
    await expect(page).toHaveURL(/\?show=undecided$/);
    await button(reviewRow(page, bea.email), 'Deactivate Bea Member').click();
    await expect(page).toHaveURL(new RegExp(`${reviewPath}\\?show=undecided&saved=decided$`));
    await expect(statusWith(page, 'Decision recorded')).toBeVisible();
    await expect(reviewRow(page, bea.email)).toHaveCount(0);
    await expect(page.locator('#review-progress-label')).toHaveText('1 of 3 decided');

    // The role chosen in the row's select goes with "Change role".
    await reviewRow(page, alan.email).getByLabel('New role for Alan Admin').selectOption({ label: 'Owner' });
    await button(reviewRow(page, alan.email), 'Change role of Alan Admin').click();
    await expect(statusWith(page, 'Decision recorded')).toBeVisible();
    await button(reviewRow(page, boss.email), `Keep ${boss.name}`).click();
    await expect(page.locator('#review-progress-label')).toHaveText('3 of 3 decided');
    await expect(page.getByText('Every row is decided.')).toBeVisible();

    await visit(page, reviewPath);
    await expect(reviewRow(page, bea.email).locator('.decision')).toContainText('Deactivated');
    await expect(reviewRow(page, alan.email).locator('.decision')).toContainText('Role changed to Owner');
    await shot(page, 'decided');

    // The stale tab's decision is refused with the reason, on the page it came from.
    await button(reviewRow(stale, bea.email), 'Keep Bea Member').click();
    await expect(alertWith(stale, 'This decision already changed their access.')).toBeVisible();
    await expect(stale).toHaveURL(new RegExp(`${reviewPath}\\?`));
    await expect(reviewRow(stale, bea.email).locator('.decision')).toContainText('Deactivated');
    await shot(stale, 'refused');

    // A row kept offers "Change decision" (a <details>, no script needed).
    await reviewRow(page, boss.email).locator('summary').filter({ hasText: 'Change decision' }).click();
    await expect(button(reviewRow(page, boss.email), `Change role of ${boss.name}`)).toBeVisible();

    await button(page, 'Complete review').click();
    await expect(page).toHaveURL(new RegExp(`${reviewPath}\\?saved=completed$`));
    await expect(statusWith(page, 'Access review completed')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: /Completed$/ })).toBeVisible();
    await expect(page.getByRole('button', { name: /^Keep / })).toHaveCount(0);
    await shot(page, 'completed');

    await visit(page, MEMBERS);
    await expect(memberRow(page, bea.email)).toContainText('Deactivated');
    await expect(memberRow(page, alan.email).getByLabel('Role of Alan Admin')).toHaveValue('owner');
    for (const person of [alan, bea]) await person.context.close();
  });
});
