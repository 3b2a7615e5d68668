-- Organization-managed single sign-on: one SAML identity provider per organization, the
-- requests sent to it (each answered once), the assertions it sent (each accepted once), and the
-- email domains the organization proved it owns.

CREATE TABLE saml_connections (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    -- As pasted by an Owner; the fields below are read from it when it is saved.
    idp_metadata_xml TEXT NOT NULL,
    idp_entity_id TEXT NOT NULL,
    idp_sso_url TEXT NOT NULL,
    default_role TEXT NOT NULL CHECK (default_role IN ('admin', 'member', 'auditor')),
    enabled BIGINT NOT NULL CHECK (enabled IN (0, 1)),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- A trip to the identity provider (10 minutes). Started in one browser (`binding_hash`: the hash
-- of the cookie set there); answered once at the ACS (`used_at`, with what the verified
-- assertion said and `arrival_hash`, the hash of the one-time token the browser carries on);
-- finished in the browser that started it, which spends the token (`arrival_hash` back to
-- NULL). Rows stay until they expire, so a second answer is told apart from a stranger's.
CREATE TABLE saml_requests (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    binding_hash TEXT NOT NULL,
    next_path TEXT,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT,
    arrival_hash TEXT UNIQUE,
    name_id TEXT,
    email TEXT,
    display_name TEXT
);
CREATE INDEX saml_requests_by_expiry ON saml_requests (expires_at);

-- Assertions accepted, kept until they expire: the key refuses a replay on every instance.
CREATE TABLE saml_assertions (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    assertion_id TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, assertion_id)
);
CREATE INDEX saml_assertions_by_expiry ON saml_assertions (expires_at);

-- Email domains an organization claims; proved by a DNS TXT record holding `token`. Several
-- organizations may claim a domain; only one can have it verified.
CREATE TABLE sso_domains (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain TEXT NOT NULL,
    token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    verified_at BIGINT,
    PRIMARY KEY (org_id, domain)
);
CREATE UNIQUE INDEX sso_domains_verified ON sso_domains (domain) WHERE verified_at IS NOT NULL;
