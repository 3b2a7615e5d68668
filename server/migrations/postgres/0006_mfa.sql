-- Second factors. Each account has at most one TOTP authenticator; its secret is sealed with the
-- server key (AES-256-GCM, bound to the user id). A row with enabled_at NULL is an enrollment in
-- progress and protects nothing. last_step is the highest time step accepted: a code for it or
-- an earlier step is refused, so a code works once.
CREATE TABLE mfa_totp (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    confirmed_at BIGINT,
    enabled_at BIGINT,
    last_step BIGINT
);

-- Backup codes: only an HMAC of each (keyed by the server key) is stored; each works once.
CREATE TABLE mfa_backup_codes (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash TEXT NOT NULL,
    used_at BIGINT,
    PRIMARY KEY (user_id, code_hash)
);

-- Sign-ins whose password was right and whose second step is pending (5 minutes, single use).
-- Only the SHA-256 of the browser's token is stored.
CREATE TABLE mfa_challenges (
    id TEXT PRIMARY KEY,
    token_hash TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    org_id TEXT,
    credential_version BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX mfa_challenges_by_user ON mfa_challenges (user_id);

-- An organization's security policy. MFA is required while enforced_since is set (the grace
-- period counts from then); roles lists the roles it covers, comma-separated.
CREATE TABLE security_policies (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    enforced_since BIGINT,
    roles TEXT NOT NULL,
    grace_days BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    updated_by TEXT REFERENCES users (id) ON DELETE SET NULL
);

-- A value sealed with the server key when the database was first used with it: start-up checks
-- it opens, so a wrong key file stops the server instead of locking everyone with MFA out.
CREATE TABLE secret_key_check (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    sealed TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
