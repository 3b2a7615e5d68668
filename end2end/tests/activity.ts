/** Activity fixtures shared by the activity spec files: the screen, its export, screenshots. */
import fs from 'node:fs';
import { expect, type Download, type Locator, type Page } from '@playwright/test';
import { apiPost, button, screenshots } from './helpers';

export const ACTIVITY = '/settings/activity';

/** The CSV export's columns, in order (`gatehouse_server::activity::export::COLUMNS`). */
export const COLUMNS = [
  'time',
  'seq',
  'event_id',
  'actor_type',
  'actor_id',
  'actor_name',
  'action',
  'kind',
  'outcome',
  'target',
  'target_name',
  'subject_id',
  'subject_name',
  'ip',
  'user_agent',
  'hash',
  'prev_hash',
];

export function shots(page: Page, name: string): Promise<void> {
  return screenshots(page, `activity-${name}`, true);
}

/** The rows of the events table. */
export function eventRows(page: Page): Locator {
  return page.locator('.activity-table tbody tr');
}

/** Clicks an export button and returns the file it downloads, with its text. */
export async function exportFile(page: Page, label: 'Export CSV' | 'Export JSON Lines'): Promise<{ download: Download; text: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), button(page, label).click()]);
  const path = await download.path();
  return { download, text: fs.readFileSync(path, 'utf8') };
}

/** RFC 4180 CSV: quoted fields may hold commas, quotes (doubled) and line breaks. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else {
      field += c;
    }
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The user id of the member with `email`, as the caller of `page` lists them. */
export async function memberId(page: Page, email: string): Promise<string> {
  const listed = await apiPost(page.request, 'list_members', { query: email });
  expect(listed.status(), await listed.text()).toBe(200);
  const { members } = await listed.json();
  const found = members.find((m: { email: string }) => m.email === email);
  expect(found, `${email} in ${JSON.stringify(members)}`).toBeTruthy();
  return found.user_id;
}
