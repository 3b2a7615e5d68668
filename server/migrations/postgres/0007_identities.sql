-- Sign-in with OpenID Connect providers. An identity is keyed on the provider's issuer and the
-- subject it names, never on the email. Accounts created through a provider have no password
-- (an empty password_hash matches nothing).
CREATE TABLE identities (
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    provider TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_used_at BIGINT NOT NULL,
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX identities_by_user ON identities (user_id);

-- A browser's trip to a provider and back (10 minutes, single use), or, once the provider
-- vouched for a person, the identity waiting for them to create an account or prove the
-- existing one. Only the SHA-256 of the browser's cookie is stored; the PKCE verifier is sealed.
CREATE TABLE oauth_flows (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    provider TEXT NOT NULL,
    state TEXT NOT NULL,
    nonce TEXT NOT NULL,
    verifier_sealed TEXT NOT NULL,
    next_path TEXT,
    invitation TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE TABLE pending_identities (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    provider TEXT NOT NULL,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    existing_user TEXT REFERENCES users (id) ON DELETE CASCADE,
    invitation TEXT,
    next_path TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

-- "Members must sign in with …", and whether that provider's own MFA stands in for ours.
ALTER TABLE security_policies ADD COLUMN sign_in_provider TEXT;
ALTER TABLE security_policies ADD COLUMN provider_enforces_mfa BIGINT NOT NULL DEFAULT 0;
-- How a session (and a sign-in waiting for its code) was started: NULL for a password.
ALTER TABLE sessions ADD COLUMN via_provider TEXT;
ALTER TABLE mfa_challenges ADD COLUMN via_provider TEXT;
