-- Service accounts: non-human members of an organization (never above Member) that hold project
-- roles and authenticate with API keys. Names are unique in their organization ignoring case.
CREATE TABLE service_accounts (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    deactivated_at INTEGER,
    UNIQUE (org_id, name_key),
    UNIQUE (id, org_id)
);

-- A service account's role on a project.
CREATE TABLE service_account_grants (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    service_account_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    granted_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, service_account_id),
    FOREIGN KEY (service_account_id, org_id)
        REFERENCES service_accounts (id, org_id) ON DELETE CASCADE
);
CREATE INDEX service_account_grants_by_org ON service_account_grants (org_id);

-- API keys: a service account's, or a person's for one project (`user_id`, `project_id`). Only
-- hashes of secrets are stored. A rotation keeps the previous secret's hash until
-- `previous_until`. A person's key goes with their membership.
CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    service_account_id TEXT,
    user_id TEXT,
    project_id TEXT REFERENCES projects (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    last_four TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    previous_hash TEXT,
    previous_last_four TEXT,
    previous_until INTEGER,
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    rotated_at INTEGER,
    revoked_at INTEGER,
    last_used_at INTEGER,
    last_used_ip TEXT,
    -- When the owners were told it expires within 7 days, and when its expiry was audited.
    expiry_warned_at INTEGER,
    expiry_recorded_at INTEGER,
    CHECK ((service_account_id IS NULL) <> (user_id IS NULL)),
    CHECK (user_id IS NULL OR project_id IS NOT NULL),
    FOREIGN KEY (service_account_id, org_id)
        REFERENCES service_accounts (id, org_id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES memberships (org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX api_keys_by_org ON api_keys (org_id, created_at);
CREATE INDEX api_keys_by_service_account ON api_keys (service_account_id);
CREATE INDEX api_keys_by_expiry ON api_keys (expires_at);

-- Addresses each key was used from, so a first use from a new one is audited once.
CREATE TABLE api_key_addresses (
    key_id TEXT NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    ip TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (key_id, ip)
);

-- The longest lifetime a new key may have in the organization, in days.
ALTER TABLE security_policies ADD COLUMN max_key_days INTEGER NOT NULL DEFAULT 365;
