-- Active sessions: a device label computed at sign-in, and tombstones for ended sessions so a
-- device can be told why it was signed out (purged once the session would have expired).
ALTER TABLE sessions ADD COLUMN device TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN ended_at BIGINT;
ALTER TABLE sessions ADD COLUMN end_reason TEXT;
