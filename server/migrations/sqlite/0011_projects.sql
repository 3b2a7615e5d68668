-- Projects: the unit of access below an organization. Names are unique in their organization
-- ignoring case (`name_key` is the lower-cased name). Archived projects are read-only.
CREATE TABLE projects (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    archived_at INTEGER,
    UNIQUE (org_id, name_key)
);

-- A member's role on a project. A grant belongs to a membership: leaving or being removed from
-- the organization takes the member's grants with it; deactivation keeps them (unused).
CREATE TABLE project_grants (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    granted_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (project_id, user_id),
    FOREIGN KEY (org_id, user_id) REFERENCES memberships (org_id, user_id) ON DELETE CASCADE
);
CREATE INDEX project_grants_by_member ON project_grants (org_id, user_id);
-- The implicit project Admins: an organization's Owners and Admins.
CREATE INDEX memberships_by_role ON memberships (org_id, role);

-- An invitation may also grant a role on one project when it is accepted.
ALTER TABLE invitations ADD COLUMN project_id TEXT REFERENCES projects (id) ON DELETE SET NULL;
ALTER TABLE invitations ADD COLUMN project_role TEXT
    CHECK (project_role IS NULL OR project_role IN ('admin', 'member', 'viewer'));
