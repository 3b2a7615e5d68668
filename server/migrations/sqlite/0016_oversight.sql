-- The Auditor role; the audit log as one hash chain per organization, with what the Activity
-- screen filters on; when each account last signed in and was last active.

-- A CHECK constraint changes by rebuilding its table (SQLite's documented procedure); the
-- migrations run with foreign keys off so dropping the old table cascades nowhere (db.rs).
CREATE TABLE memberships_new (
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'auditor')),
    created_at INTEGER NOT NULL,
    last_used_at INTEGER NOT NULL,
    deactivated_at INTEGER,
    sort_key TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, user_id)
);
INSERT INTO memberships_new (org_id, user_id, role, created_at, last_used_at, deactivated_at, sort_key)
    SELECT org_id, user_id, role, created_at, last_used_at, deactivated_at, sort_key FROM memberships;
DROP TABLE memberships;
ALTER TABLE memberships_new RENAME TO memberships;
CREATE INDEX memberships_by_user ON memberships (user_id, last_used_at);
CREATE INDEX memberships_by_sort_key ON memberships (org_id, sort_key);
CREATE INDEX memberships_by_role ON memberships (org_id, role);

CREATE TABLE invitations_new (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'auditor')),
    token_hash TEXT NOT NULL UNIQUE,
    invited_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    accepted_at INTEGER,
    accepted_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    revoked_at INTEGER,
    project_id TEXT REFERENCES projects (id) ON DELETE SET NULL,
    project_role TEXT CHECK (project_role IS NULL OR project_role IN ('admin', 'member', 'viewer')),
    invitee_name TEXT
);
INSERT INTO invitations_new (id, org_id, email, role, token_hash, invited_by, created_at,
        expires_at, accepted_at, accepted_by, revoked_at, project_id, project_role, invitee_name)
    SELECT id, org_id, email, role, token_hash, invited_by, created_at, expires_at, accepted_at,
        accepted_by, revoked_at, project_id, project_role, invitee_name FROM invitations;
DROP TABLE invitations;
ALTER TABLE invitations_new RENAME TO invitations;
CREATE INDEX invitations_by_org ON invitations (org_id, email);

-- The chain: `chain` is the organization's id ('' for events outside any organization), `seq`
-- counts from 1 in each chain, `hash` is SHA-256 over the row's content and `prev_hash`.
-- Rows written before this migration are numbered but not hashed: the chain starts after them.
ALTER TABLE audit_events ADD COLUMN chain TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_events ADD COLUMN seq INTEGER;
ALTER TABLE audit_events ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_events ADD COLUMN hash TEXT;
-- 'user', 'service_account'; NULL with no actor: the system.
ALTER TABLE audit_events ADD COLUMN actor_type TEXT;
-- The account the event is about (its target), for "everything about this person".
ALTER TABLE audit_events ADD COLUMN subject_id TEXT;
-- What the filters ask: sign_in, members, projects, teams, keys, security, account.
ALTER TABLE audit_events ADD COLUMN kind TEXT NOT NULL DEFAULT 'account';
-- 'succeeded' or 'refused'.
ALTER TABLE audit_events ADD COLUMN outcome TEXT NOT NULL DEFAULT 'succeeded';

UPDATE audit_events SET chain = COALESCE(org_id, ''),
    actor_type = CASE WHEN actor_id IS NULL THEN NULL ELSE 'user' END,
    subject_id = CASE WHEN instr(' ' || target, ' user:') > 0
        THEN substr(target, instr(' ' || target, ' user:') + 5, 36) ELSE NULL END,
    kind = CASE
        WHEN action LIKE 'session.%'
            OR action IN ('mfa.code_refused', 'mfa.throttled', 'mfa.locked') THEN 'sign_in'
        WHEN action LIKE 'member.%' OR action LIKE 'invitation.%' THEN 'members'
        WHEN action LIKE 'project.%' THEN 'projects'
        WHEN action LIKE 'team.%' THEN 'teams'
        WHEN action LIKE 'service_account.%' OR action LIKE 'api_key.%' THEN 'keys'
        WHEN action LIKE 'mfa.%' OR action LIKE 'security_policy.%' OR action LIKE 'identity.%'
            OR action LIKE 'user.password%' THEN 'security'
        ELSE 'account' END,
    outcome = CASE WHEN action IN ('session.sign_in_failed', 'session.sign_in_throttled',
        'user.sign_up_throttled', 'mfa.code_refused', 'mfa.throttled', 'mfa.locked')
        THEN 'refused' ELSE 'succeeded' END;

CREATE TEMP TABLE audit_numbering AS
    SELECT id, ROW_NUMBER() OVER (PARTITION BY chain ORDER BY created_at, id) AS n FROM audit_events;
CREATE INDEX temp.audit_numbering_by_id ON audit_numbering (id);
UPDATE audit_events SET seq = (SELECT n FROM audit_numbering WHERE audit_numbering.id = audit_events.id);
DROP TABLE audit_numbering;

-- Each chain's last link: the next event takes `seq + 1` and `hash` as its `prev_hash`, under
-- this row's lock (one writer per chain at a time, on every instance). `anchor_seq` and
-- `anchor_hash` are where verification starts: after the unhashed rows from before this
-- migration, then after whatever the retention purge removed.
CREATE TABLE audit_chain_heads (
    chain TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    anchor_seq INTEGER NOT NULL,
    anchor_hash TEXT NOT NULL
);
INSERT INTO audit_chain_heads (chain, seq, hash, anchor_seq, anchor_hash)
    SELECT chain, MAX(seq), '', MAX(seq), '' FROM audit_events GROUP BY chain;

CREATE UNIQUE INDEX audit_events_by_chain ON audit_events (chain, seq);
CREATE INDEX audit_events_by_actor_seq ON audit_events (chain, actor_id, seq);
CREATE INDEX audit_events_by_subject ON audit_events (chain, subject_id, seq);
CREATE INDEX audit_events_by_kind ON audit_events (chain, kind, seq);
CREATE INDEX audit_events_by_outcome ON audit_events (chain, outcome, seq);
CREATE INDEX audit_events_by_chain_time ON audit_events (chain, created_at);
DROP INDEX audit_events_by_org;

-- Stored when it happens (not derived from sessions, which expire).
ALTER TABLE users ADD COLUMN last_sign_in_at INTEGER;
ALTER TABLE users ADD COLUMN last_active_at INTEGER;
UPDATE users SET last_sign_in_at = (SELECT MAX(created_at) FROM audit_events e
    WHERE e.actor_id = users.id AND e.action = 'session.signed_in');
UPDATE users SET last_active_at = (SELECT MAX(last_active_at) FROM sessions s WHERE s.user_id = users.id);
