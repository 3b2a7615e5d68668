/**
 * The independent counterparts for MFA: Debian's `oathtool` computes authenticator codes and
 * `zbarimg` reads the QR code the page renders. The project's own TOTP code is never used here.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, type APIRequestContext, type Locator } from './fixtures';
import { apiPost } from './helpers';

/** The code an authenticator app shows for `secret` (base32), `stepsAhead` 30-second steps from now. */
export function totp(secret: string, stepsAhead = 0): string {
  const at = Math.floor(Date.now() / 1000) + 30 * stepsAhead;
  return execFileSync('oathtool', ['--totp', '-b', secret, '-N', `@${at}`]).toString().trim();
}

/** Six digits that no step near now produces for `secret`. */
export function wrongCode(secret: string): string {
  const valid = [-1, 0, 1, 2].map((step) => totp(secret, step));
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((c) => !valid.includes(c))!;
}

/** Screenshots the rendered QR code and decodes it with zbarimg; returns the otpauth URI. */
export async function readQr(qr: Locator): Promise<string> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-qr-')), 'qr.png');
  await qr.screenshot({ path: file });
  return execFileSync('zbarimg', ['-q', '--raw', file], { stdio: ['ignore', 'pipe', 'ignore'] })
    .toString()
    .trim();
}

/** The secret parameter of an otpauth URI. */
export function secretOf(uri: string): string {
  const secret = new URL(uri).searchParams.get('secret');
  expect(secret, `a secret in ${uri}`).toBeTruthy();
  return secret!;
}

/**
 * Turns MFA on through the API for the account signed in on `request` (the UI path is covered by
 * its own test); returns the secret and the backup codes. The current step's code is used up.
 */
export async function enrollByApi(request: APIRequestContext): Promise<{ secret: string; codes: string[] }> {
  const started = await apiPost(request, 'start_mfa_enrollment');
  expect(started.status()).toBe(200);
  const secret = ((await started.json()).secret as string).replace(/ /g, '');
  const confirmed = await apiPost(request, 'confirm_mfa_enrollment', { code: totp(secret) });
  expect(confirmed.status(), await confirmed.text()).toBe(200);
  const codes = (await confirmed.json()).backup_codes as string[];
  expect((await apiPost(request, 'activate_mfa')).status()).toBe(200);
  return { secret, codes };
}
