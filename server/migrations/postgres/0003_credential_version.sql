-- Sessions remember which password they were signed in with: a session started with a password
-- that has since changed is refused, even if it was created while the change committed.
ALTER TABLE users ADD COLUMN credential_version BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN credential_version BIGINT NOT NULL DEFAULT 0;
CREATE INDEX login_throttle_by_window ON login_throttle (window_start);
