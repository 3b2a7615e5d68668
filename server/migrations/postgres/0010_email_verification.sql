-- When the account's owner proved they receive mail at its address (NULL: not yet). With SMTP
-- configured an unverified account may not invite, and a provider that verified the address
-- takes an unverified password account over. Accounts made before the rule keep working as
-- they did: they count as verified.
ALTER TABLE users ADD COLUMN email_verified_at BIGINT;
UPDATE users SET email_verified_at = created_at;

-- Emailed verification links: only the token's hash, 24 hours, single use, and only for the
-- address they were sent to.
CREATE TABLE email_verifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT
);
CREATE INDEX email_verifications_user ON email_verifications (user_id);
