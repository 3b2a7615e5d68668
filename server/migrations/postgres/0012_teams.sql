-- Teams: groups of an organization's members that receive project roles together. Names are
-- unique in their organization ignoring case (`name_key` is the lower-cased name).
CREATE TABLE teams (
    id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, name_key),
    -- What the tables below reference, so a team's rows cannot name another organization.
    UNIQUE (id, org_id)
);

-- A team's members, each a membership of the team's organization: leaving or being removed from
-- the organization takes the person out of its teams. At most one member of a team is its lead.
CREATE TABLE team_members (
    team_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    is_lead INTEGER NOT NULL DEFAULT 0 CHECK (is_lead IN (0, 1)),
    added_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    added_at BIGINT NOT NULL,
    PRIMARY KEY (team_id, user_id),
    FOREIGN KEY (team_id, org_id) REFERENCES teams (id, org_id) ON DELETE CASCADE,
    FOREIGN KEY (org_id, user_id) REFERENCES memberships (org_id, user_id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX team_leads ON team_members (team_id) WHERE is_lead = 1;
CREATE INDEX team_members_by_member ON team_members (org_id, user_id);

-- A team's role on a project: everyone in the team holds it.
CREATE TABLE team_project_grants (
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    team_id TEXT NOT NULL,
    org_id TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'member', 'viewer')),
    granted_by TEXT REFERENCES users (id) ON DELETE SET NULL,
    granted_at BIGINT NOT NULL,
    PRIMARY KEY (project_id, team_id),
    FOREIGN KEY (team_id, org_id) REFERENCES teams (id, org_id) ON DELETE CASCADE
);
CREATE INDEX team_project_grants_by_org ON team_project_grants (org_id);
CREATE INDEX team_project_grants_by_team ON team_project_grants (team_id);

-- An invitation may name the invitee (pre-filling their account's name) and the teams that
-- accepting it joins.
ALTER TABLE invitations ADD COLUMN invitee_name TEXT;
CREATE TABLE invitation_teams (
    invitation_id TEXT NOT NULL REFERENCES invitations (id) ON DELETE CASCADE,
    team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, team_id)
);
CREATE INDEX invitation_teams_by_team ON invitation_teams (team_id);
