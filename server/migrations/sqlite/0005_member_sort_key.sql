-- The Members screen pages through an organization in name order. A sort key kept on the
-- membership (lower-cased name, then email) lets one index serve each page without sorting every
-- member; it is rewritten whenever the member's name changes.
ALTER TABLE memberships ADD COLUMN sort_key TEXT NOT NULL DEFAULT '';
UPDATE memberships SET sort_key = (
    SELECT LOWER(u.name) || ' ' || u.email FROM users u WHERE u.id = memberships.user_id
);
CREATE INDEX memberships_by_sort_key ON memberships (org_id, sort_key);
