/**
 * Reads the messages the test SMTP server (aiosmtpd, started by the Playwright config) stored in
 * its Maildir: real SMTP deliveries from the app, parsed here only as far as the tests need.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '@playwright/test';

export interface Mail {
  to: string;
  subject: string;
  /** The raw message, transfer encodings undone where it matters (quoted-printable bodies). */
  body: string;
}

function maildir(): string {
  const dir = process.env.GATEHOUSE_E2E_MAILDIR;
  if (!dir) throw new Error('GATEHOUSE_E2E_MAILDIR is not set: run through the Playwright config');
  return dir;
}

function decodeQuotedPrintable(text: string): string {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

function header(raw: string, name: string): string {
  const match = raw.match(new RegExp(`^${name}: (.*(?:\\r?\\n[ \\t].*)*)`, 'mi'));
  return match ? match[1].replace(/\r?\n[ \t]/g, ' ').trim() : '';
}

function readAll(): Mail[] {
  const mails: Mail[] = [];
  for (const sub of ['new', 'cur']) {
    const dir = path.join(maildir(), sub);
    if (!fs.existsSync(dir)) continue;
    for (const file of fs.readdirSync(dir)) {
      const raw = fs.readFileSync(path.join(dir, file), 'utf8');
      mails.push({
        to: header(raw, 'To'),
        subject: header(raw, 'Subject'),
        body: decodeQuotedPrintable(raw),
      });
    }
  }
  return mails;
}

/** Waits for the mails sent to `to` and returns them once at least `count` have arrived. */
export async function mailsTo(to: string, count = 1): Promise<Mail[]> {
  let found: Mail[] = [];
  await expect
    .poll(
      () => {
        found = readAll().filter((mail) => mail.to.includes(to));
        return found.length;
      },
      { timeout: 15_000, message: `waiting for ${count} mail(s) to ${to}` },
    )
    .toBeGreaterThanOrEqual(count);
  return found;
}

/** Every mail sent to `to` so far (no waiting). */
export function mailsSoFar(to: string): Mail[] {
  return readAll().filter((mail) => mail.to.includes(to));
}

/** The first link in `mail` whose path starts with `prefix` (e.g. `/invite/`). */
export function linkIn(mail: Mail, prefix: string): string {
  const match = mail.body.match(new RegExp(`https?://[^\\s"<>]*${prefix}[A-Za-z0-9_-]+`));
  if (!match) throw new Error(`no ${prefix} link in mail "${mail.subject}"`);
  return match[0];
}
