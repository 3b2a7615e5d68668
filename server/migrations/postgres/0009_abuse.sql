-- Limits that hold for good and tables that stay bounded.
--
-- A throttle counter remembers when its window ends, so tidying finished counters never
-- restarts a longer window early (an hour-long limit outlived a 15-minute cut-off before).
-- Existing counters are kept for a day, longer than any window.
ALTER TABLE login_throttle ADD COLUMN expires_at BIGINT NOT NULL DEFAULT 0;
UPDATE login_throttle SET expires_at = window_start + 86400000;
DROP INDEX login_throttle_by_window;
CREATE INDEX login_throttle_by_expiry ON login_throttle (expires_at);

-- Refusals nobody owns (a throttled anonymous request) are counted per action and hour instead
-- of written one audit row each, so a flood cannot fill the audit log.
CREATE TABLE audit_tallies (
    action TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (action, window_start)
);
