// Loopback OpenID Connect provider for Gatehouse's end-to-end tests.
//
// A real, certified OP (the `oidc-provider` npm package) with its built-in
// development login and consent screens, so "Sign in with <provider>" can be
// exercised end to end without any external service.
//
// Start from /work/main/end2end (or wherever node_modules lives):
//
//   OIDC_PORT=4455 \
//   OIDC_REDIRECT_URI=http://127.0.0.1:3100/auth/testid/callback \
//   node oidc/provider.mjs
//
// Environment:
//   OIDC_PORT          port to listen on (127.0.0.1 only). The issuer is
//                      exactly `http://127.0.0.1:${OIDC_PORT}` (no trailing slash).
//   OIDC_REDIRECT_URI  the single redirect URI registered for the client.
//
// Client: confidential `gatehouse-e2e` / `gatehouse-e2e-secret`
// (client_secret_basic), authorization_code + code only, PKCE (S256) required.
//
// Accounts: the development login screen accepts any login name (the password
// field is required by the form but ignored). The login becomes the `sub`;
//   email          = login if it contains '@', else `${login}@example.com`
//   email_verified = false if the login starts with "unverified", else true
//   name           = part before '@', first letter upper-cased
// These claims are put into the ID token (conformIdTokenClaims: false) and are
// also served by the userinfo endpoint.
//
// NOT for production use: development interactions, ephemeral keys, in-memory
// storage.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';

import Provider from 'oidc-provider';

const HOST = '127.0.0.1';
const CLIENT_ID = 'gatehouse-e2e';
const CLIENT_SECRET = 'gatehouse-e2e-secret';

function fail(message) {
  console.error(`[oidc-provider] ${message}`);
  process.exit(2);
}

const port = Number.parseInt(process.env.OIDC_PORT ?? '', 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  fail(`OIDC_PORT must be a TCP port number, got ${JSON.stringify(process.env.OIDC_PORT)}`);
}

const redirectUri = process.env.OIDC_REDIRECT_URI;
if (!redirectUri) {
  fail('OIDC_REDIRECT_URI must be set (e.g. http://127.0.0.1:3100/auth/testid/callback)');
}
try {
  new URL(redirectUri);
} catch {
  fail(`OIDC_REDIRECT_URI is not a valid URL: ${redirectUri}`);
}

const issuer = `http://${HOST}:${port}`;

// Fresh RS256 signing key for every run; published at /jwks.
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = {
  ...privateKey.export({ format: 'jwk' }),
  kid: `e2e-${randomBytes(6).toString('hex')}`,
  alg: 'RS256',
  use: 'sig',
};

function accountFor(login) {
  const email = login.includes('@') ? login : `${login}@example.com`;
  const local = email.split('@')[0];
  return {
    sub: login,
    email,
    email_verified: !login.startsWith('unverified'),
    name: local.charAt(0).toUpperCase() + local.slice(1),
  };
}

const configuration = {
  clients: [
    {
      client_id: CLIENT_ID,
      client_secret: CLIENT_SECRET,
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [redirectUri],
      id_token_signed_response_alg: 'RS256',
    },
  ],

  // PKCE for every client and request; oidc-provider 9 only supports S256.
  pkce: { required: () => true },

  scopes: ['openid', 'email', 'profile'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  // Put the scope-requested claims into the ID token as well, not only userinfo.
  conformIdTokenClaims: false,

  async findAccount(_ctx, id) {
    const claims = accountFor(String(id));
    return {
      accountId: String(id),
      async claims() {
        return claims;
      },
    };
  },

  features: {
    devInteractions: { enabled: true },
    userinfo: { enabled: true },
  },

  jwks: { keys: [signingKey] },

  // Cookies are signed with a per-run key. oidc-provider only sets `Secure`
  // when the request itself is https, so plain http on 127.0.0.1 works.
  cookies: {
    keys: [randomBytes(32).toString('base64url')],
  },

  async renderError(ctx, out) {
    ctx.type = 'html';
    const rows = Object.entries(out)
      .map(([k, v]) => `<dt>${escapeHtml(k)}</dt><dd>${escapeHtml(String(v))}</dd>`)
      .join('');
    ctx.body = `<!DOCTYPE html><html><head><meta charset="utf-8"><title>OIDC error</title></head>`
      + `<body><h1>oops! something went wrong</h1><dl>${rows}</dl></body></html>`;
  },
};

function escapeHtml(s) {
  return s.replace(/[&<>"']/g, (c) => ({
    '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
  })[c]);
}

const provider = new Provider(issuer, configuration);

// The built-in interaction layout pulls a web font from fonts.googleapis.com;
// drop that so the test browser never leaves loopback.
provider.use(async (ctx, next) => {
  await next();
  if (typeof ctx.body === 'string' && ctx.response.is('html')) {
    ctx.body = ctx.body.replace(/@import url\(https:\/\/fonts\.googleapis\.com[^)]*\);?/g, '');
  }
});

provider.on('server_error', (_ctx, err) => {
  console.error('[oidc-provider] server_error', err);
});

const server = createServer(provider.callback());

server.listen(port, HOST, () => {
  console.log(`[oidc-provider] listening on ${issuer} (client_id=${CLIENT_ID}, redirect_uri=${redirectUri})`);
});

server.on('error', (err) => {
  fail(`cannot listen on ${HOST}:${port}: ${err.message}`);
});

function shutdown(signal) {
  server.close(() => process.exit(0));
  server.closeAllConnections();
  // Belt and braces: never hang the test runner on shutdown.
  setTimeout(() => process.exit(0), 2000).unref();
  if (signal === 'SIGINT') process.stdout.write('\n');
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
