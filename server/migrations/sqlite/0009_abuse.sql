-- Limits that hold for good and tables that stay bounded.
--
-- A throttle counter remembers when its window ends, so tidying finished counters never
-- restarts a longer window early (an hour-long limit outlived a 15-minute cut-off before).
-- Existing counters are kept for a day, longer than any window.
ALTER TABLE login_throttle ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
UPDATE login_throttle SET expires_at = window_start + 86400000;
DROP INDEX login_throttle_by_window;
CREATE INDEX login_throttle_by_expiry ON login_throttle (expires_at);

-- Requests refused by a limit before anything was checked (a throttled sign-in, sign-up or
-- second-factor code) are counted per action and hour instead of written one audit row each,
-- so a flood cannot fill the audit log.
CREATE TABLE audit_tallies (
    action TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (action, window_start)
);

-- Second-factor checks in a row without a right code, per account (NIST SP 800-63B 5.2.2).
-- From the 20th each further check waits an hour after the last one, from the 50th a day; the
-- 100th locks the second factor. A right code deletes the row. credential_version is the
-- account's when counting started: a new password (reset or change) starts the count over, and
-- an administrator's MFA reset deletes the row with the authenticator.
CREATE TABLE mfa_guesses (
    user_id TEXT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    in_a_row INTEGER NOT NULL,
    last_at INTEGER NOT NULL,
    credential_version INTEGER NOT NULL
);

-- The hourly purge (server/src/purge.rs) finds what is past its use by time.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);
CREATE INDEX audit_events_by_time ON audit_events (created_at);
