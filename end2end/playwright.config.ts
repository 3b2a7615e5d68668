import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

const PORT = Number(process.env.E2E_PORT ?? 3100);
// A real SMTP server (Debian's aiosmtpd) that stores every message in a Maildir the tests read.
const SMTP_PORT = Number(process.env.E2E_SMTP_PORT ?? PORT + 1);
const baseURL = `http://127.0.0.1:${PORT}`;
// A real OpenID Connect provider (the certified npm `oidc-provider`) on loopback; see oidc/.
const OIDC_PORT = Number(process.env.E2E_OIDC_PORT ?? PORT + 2);
const oidcIssuer = `http://127.0.0.1:${OIDC_PORT}`;
// A real SAML identity provider (Debian's pysaml2 and xmlsec1) on loopback; see saml/idp.py.
const SAML_PORT = Number(process.env.E2E_SAML_PORT ?? PORT + 3);
process.env.GATEHOUSE_E2E_SAML_IDP ??= `http://127.0.0.1:${SAML_PORT}`;
// A real DNS server on loopback (Debian's python3-dnslib) answering from a records file the
// tests write, as an Owner publishes a record at their DNS host; see dns/server.py.
const DNS_PORT = Number(process.env.E2E_DNS_PORT ?? PORT + 4);

// Playwright evaluates this file in the runner and again in every worker. The runner creates the
// data directory once and the workers inherit its path through the environment, so each run gets
// exactly one fresh SQLite directory.
const dataDir = (process.env.GATEHOUSE_E2E_DATA_DIR ??= fs.mkdtempSync(
  path.join(os.tmpdir(), 'gatehouse-e2e-'),
));

// Created by aiosmtpd itself (it must not exist beforehand); the tests read it (see mail.ts).
process.env.GATEHOUSE_E2E_MAILDIR ??= path.join(dataDir, 'maildir');
process.env.GATEHOUSE_E2E_DNS_RECORDS ??= path.join(dataDir, 'dns.json');
const maildir = process.env.GATEHOUSE_E2E_MAILDIR;

// E2E_NO_SERVER=1 skips starting the binary (e.g. `E2E_NO_SERVER=1 npx playwright test --list`).
const startServer = process.env.E2E_NO_SERVER !== '1';

export default defineConfig({
  testDir: './tests',
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: 'list',
  // A test's whole budget, not a check: CI runs two workers, the server and Chromium on 2 cores,
  // and the scenarios with several people (each a browser of its own) take 20-35 s there.
  // Every step inside still waits at most its own 5 s.
  timeout: 60_000,
  forbidOnly: !!process.env.CI,
  use: {
    baseURL,
    browserName: 'chromium',
    // Recording a trace of every test (DOM snapshots and screencast frames at each step) cost
    // a fifth of the suite's time on 2 cores, for the rare failure that needs one: a failing test
    // leaves a screenshot, and E2E_TRACE=retain-on-failure records traces when debugging.
    trace: (process.env.E2E_TRACE as 'on' | 'retain-on-failure' | undefined) ?? 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      // Debian's headless shell: Chromium's rendering engine without the browser around it. The
      // full browser in headless mode ran the whole suite in 9.0 min on 2 cores, the shell in
      // 4.2 (the same 28 tests: 96 -> 47 s). E2E_CHROMIUM=/usr/bin/chromium runs the full
      // browser instead (e.g. with --headed to watch a test).
      executablePath: process.env.E2E_CHROMIUM ?? '/usr/bin/chromium-headless-shell',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        // Every test starts a fresh browser context, so every page load compiles the WASM
        // afresh, and V8's optimizing tier then recompiles its hot functions on the same two
        // cores the tests run on. The baseline compiler alone runs the same code: the same
        // 24 tests took 115-117 s instead of 123-144 s (2 workers).
        '--js-flags=--liftoff-only',
      ],
    },
  },
  projects: [
    {
      name: 'js',
      testIgnore: /.*\.nojs\.spec\.ts$/,
    },
    {
      name: 'no-js',
      testMatch: /.*\.nojs\.spec\.ts$/,
      use: { javaScriptEnabled: false },
    },
  ],
  webServer: startServer
    ? [
      {
        command: `/usr/bin/python3 -m aiosmtpd -n -l 127.0.0.1:${SMTP_PORT} -c aiosmtpd.handlers.Mailbox ${maildir}`,
        port: SMTP_PORT,
        reuseExistingServer: false,
        timeout: 30_000,
      },
      {
        // Started before Gatehouse, which discovers it at start-up.
        command: 'node oidc/provider.mjs',
        env: { OIDC_PORT: String(OIDC_PORT), OIDC_REDIRECT_URI: `${baseURL}/auth/testid/callback` },
        url: `${oidcIssuer}/.well-known/openid-configuration`,
        reuseExistingServer: false,
        timeout: 30_000,
      },
      {
        command: `/usr/bin/python3 dns/server.py ${DNS_PORT} ${process.env.GATEHOUSE_E2E_DNS_RECORDS}`,
        port: DNS_PORT,
        reuseExistingServer: false,
        timeout: 30_000,
      },
      {
        command: '/usr/bin/python3 saml/idp.py',
        env: { SAML_IDP_PORT: String(SAML_PORT) },
        url: `http://127.0.0.1:${SAML_PORT}/health`,
        reuseExistingServer: false,
        timeout: 30_000,
      },
      {
        // Run from the repository root (cwd is resolved against this file's folder), where the
        // server finds Leptos.toml and target/site. The shell resolves the command against cwd.
        // `make e2e` serves the debug build (`E2E_SERVER`): the Rust tests have already built
        // everything it is made of, so no release build waits in CI.
        command: process.env.E2E_SERVER ?? './target/release/gatehouse',
        cwd: '..',
        env: {
          GATEHOUSE_ADDR: `127.0.0.1:${PORT}`,
          GATEHOUSE_DATA_DIR: dataDir,
          GATEHOUSE_SMTP_URL: `smtp://127.0.0.1:${SMTP_PORT}`,
          GATEHOUSE_MAIL_FROM: 'Gatehouse <no-reply@example.com>',
          GATEHOUSE_OIDC_PROVIDERS: 'testid',
          GATEHOUSE_DNS_RESOLVER: `127.0.0.1:${DNS_PORT}`,
          GATEHOUSE_OIDC_TESTID_NAME: 'Test ID',
          GATEHOUSE_OIDC_TESTID_ISSUER: oidcIssuer,
          GATEHOUSE_OIDC_TESTID_CLIENT_ID: 'gatehouse-e2e',
          GATEHOUSE_OIDC_TESTID_CLIENT_SECRET: 'gatehouse-e2e-secret',
          // Every test signs its own people up, all from 127.0.0.1 (about a hundred a run): the
          // limit stays on, far above that. Its behaviour is the integration suite's
          // (server/tests/it/signup_limit.rs); the sign-in limits keep their real values here.
          GATEHOUSE_SIGNUP_LIMIT_PER_HOUR: '1000',
          RUST_LOG: 'info',
        },
        url: `${baseURL}/login`,
        reuseExistingServer: false,
        timeout: 60_000,
        stdout: 'pipe',
        stderr: 'pipe',
      },
    ]
    : undefined,
});
