-- SQLite: what a change made stale, for another process on the same file (the operator's
-- command line) to tell the running server, which reads new rows every second. PostgreSQL
-- instances tell each other with NOTIFY instead; the table exists there only to keep the two
-- schemas alike.
CREATE TABLE cache_signals (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    payload TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
