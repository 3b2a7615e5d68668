-- Access reviews: an Owner goes through everyone with access to the organization and decides,
-- person by person, to keep, change the role of, remove or deactivate them. Each item holds the
-- facts as they were when the review started, so a past review reads as it was decided.

CREATE TABLE access_reviews (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    started_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    started_at BIGINT NOT NULL,
    completed_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    completed_at BIGINT,
    -- What the items reference, so an item cannot name another organization's review.
    UNIQUE (id, org_id)
);
-- One review in progress per organization at a time.
CREATE UNIQUE INDEX access_reviews_one_open ON access_reviews (org_id) WHERE completed_at IS NULL;
CREATE INDEX access_reviews_by_org ON access_reviews (org_id, started_at);

-- One person of the organization as the review found them. `user_id` references no membership:
-- the person may be removed (by this review or otherwise) and the record stays.
CREATE TABLE access_review_items (
    id TEXT PRIMARY KEY,
    review_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    -- The name order of the Members screen (lower-cased name, then email).
    sort_key TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member', 'auditor')),
    last_sign_in_at BIGINT,
    mfa_enabled BIGINT NOT NULL CHECK (mfa_enabled IN (0, 1)),
    -- Owner or Admin rights; no sign-in for 30 days; no MFA where the policy requires it.
    privileged BIGINT NOT NULL CHECK (privileged IN (0, 1)),
    inactive BIGINT NOT NULL CHECK (inactive IN (0, 1)),
    mfa_missing BIGINT NOT NULL CHECK (mfa_missing IN (0, 1)),
    -- JSON arrays: the person's project grants (their own and their teams') and their teams.
    projects TEXT NOT NULL,
    teams TEXT NOT NULL,
    decision TEXT CHECK (decision IS NULL OR decision IN ('keep', 'change_role', 'remove', 'deactivate')),
    new_role TEXT CHECK (new_role IS NULL OR new_role IN ('owner', 'admin', 'member', 'auditor')),
    decided_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    decided_at BIGINT,
    FOREIGN KEY (review_id, org_id) REFERENCES access_reviews (id, org_id) ON DELETE CASCADE
);
CREATE INDEX access_review_items_by_review ON access_review_items (review_id, sort_key);

-- The overdue period each organization's Owners were last reminded of (it starts at the last
-- completed review, or at the organization's creation): one reminder per period, whichever
-- instance sweeps first.
CREATE TABLE access_review_reminders (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    period_start BIGINT NOT NULL,
    sent_at BIGINT NOT NULL
);
