-- How a session was established, so an organization's rules can be applied to it exactly:
-- `via_provider` (0007) names the provider it came through; `mfa_waived` marks a session whose
-- account has MFA but skipped the second step because the organization it signed into lets the
-- provider's own MFA stand in. Such a session must prove the second factor before it acts
-- anywhere else.
ALTER TABLE sessions ADD COLUMN mfa_waived INTEGER NOT NULL DEFAULT 0;

-- A reset link holds a fingerprint of the account's credentials, second factor, linked
-- providers and memberships when it was made; it works only while they are unchanged. An
-- administrator's link also names the organization it was made in.
ALTER TABLE password_resets ADD COLUMN account_stamp TEXT NOT NULL DEFAULT '';
ALTER TABLE password_resets ADD COLUMN org_id TEXT;

-- The devices ("Firefox on Linux") each account has signed in from, so that a sign-in from a new
-- one can be told to the account's owner; kept longer than the sessions themselves.
CREATE TABLE known_devices (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device TEXT NOT NULL,
    last_seen_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, device)
);

-- When the session last proved its owner is present (password or a current code), for changes
-- that need recent proof; sign-in itself counts (created_at).
ALTER TABLE sessions ADD COLUMN proven_at INTEGER;
