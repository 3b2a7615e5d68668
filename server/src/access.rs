//! An organization's access facts in memory: its members (role, deactivated), its projects
//! (archived or not), its teams and who is in them, and every project grant to a person or a
//! team. `check_permission` and the project lists answer
//! from this snapshot without a query; [`crate::cache`] keeps one per organization and drops it
//! on every instance when a membership, project or grant of the organization changes
//! (`Invalidation::Access`). Pure data: the loader lives in `projects`.

use std::collections::{HashMap, HashSet};

use crate::authz::{self, Path, ProjectAccess};
use crate::clock::Timestamp;
use crate::ids::{ProjectId, ServiceAccountId, TeamId, UserId};
use crate::vocab::{ProjectRole, Role};

/// A member of the organization as access decisions see them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemberFacts {
    pub role: Role,
    pub deactivated: bool,
}

/// A project of the organization: all the Projects screen shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectFacts {
    pub name: String,
    pub description: String,
    pub created_at: Timestamp,
    pub archived: bool,
}

/// A team of the organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamFacts {
    pub name: String,
    pub lead: Option<UserId>,
    /// How many people are in it (counted when the snapshot is built).
    pub size: usize,
}

/// A service account of the organization: a Member that holds only the project roles granted
/// to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceAccountFacts {
    pub name: String,
    pub deactivated: bool,
}

/// What the snapshot is built from, as read from the database.
#[derive(Debug, Default)]
pub struct Facts {
    pub members: HashMap<UserId, MemberFacts>,
    pub projects: HashMap<ProjectId, ProjectFacts>,
    pub grants: Vec<(ProjectId, UserId, ProjectRole)>,
    pub teams: HashMap<TeamId, TeamFacts>,
    pub team_members: Vec<(TeamId, UserId)>,
    pub team_grants: Vec<(ProjectId, TeamId, ProjectRole)>,
    pub service_accounts: HashMap<ServiceAccountId, ServiceAccountFacts>,
    pub service_account_grants: Vec<(ProjectId, ServiceAccountId, ProjectRole)>,
}

#[derive(Debug, Default)]
pub struct OrgAccess {
    pub members: HashMap<UserId, MemberFacts>,
    pub projects: HashMap<ProjectId, ProjectFacts>,
    pub grants: HashMap<(ProjectId, UserId), ProjectRole>,
    /// Each member's grants, for "my projects".
    pub grants_by_user: HashMap<UserId, Vec<(ProjectId, ProjectRole)>>,
    pub teams: HashMap<TeamId, TeamFacts>,
    /// The teams each member is in, in a stable order (by team id).
    pub teams_of: HashMap<UserId, Vec<TeamId>>,
    pub team_grants: HashMap<(ProjectId, TeamId), ProjectRole>,
    /// Each team's project roles.
    pub grants_by_team: HashMap<TeamId, Vec<(ProjectId, ProjectRole)>>,
    pub service_accounts: HashMap<ServiceAccountId, ServiceAccountFacts>,
    /// Each service account's project roles.
    pub grants_by_service_account: HashMap<ServiceAccountId, Vec<(ProjectId, ProjectRole)>>,
}

impl OrgAccess {
    /// Builds the snapshot; rows naming an unknown project, member or team are ignored.
    pub fn new(facts: Facts) -> Self {
        let Facts {
            members,
            projects,
            grants,
            teams,
            team_members,
            team_grants,
            service_accounts,
            service_account_grants,
        } = facts;
        let mut snapshot = Self {
            members,
            projects,
            teams,
            service_accounts,
            ..Self::default()
        };
        for (project, account, role) in service_account_grants {
            if snapshot.projects.contains_key(&project)
                && snapshot.service_accounts.contains_key(&account)
            {
                snapshot
                    .grants_by_service_account
                    .entry(account)
                    .or_default()
                    .push((project, role));
            }
        }
        for (project, user, role) in grants {
            if snapshot.projects.contains_key(&project) && snapshot.members.contains_key(&user) {
                snapshot.grants.insert((project, user), role);
                snapshot
                    .grants_by_user
                    .entry(user)
                    .or_default()
                    .push((project, role));
            }
        }
        for (team, user) in team_members {
            if let Some(facts) = snapshot.teams.get_mut(&team)
                && snapshot.members.contains_key(&user)
            {
                facts.size += 1;
                snapshot.teams_of.entry(user).or_default().push(team);
            }
        }
        for teams in snapshot.teams_of.values_mut() {
            teams.sort_unstable();
        }
        for (project, team, role) in team_grants {
            if snapshot.projects.contains_key(&project) && snapshot.teams.contains_key(&team) {
                snapshot.team_grants.insert((project, team), role);
                snapshot
                    .grants_by_team
                    .entry(team)
                    .or_default()
                    .push((project, role));
            }
        }
        snapshot
    }

    /// Every way `user` holds a role on `project` besides their organization role: their own
    /// grant first, then each of their teams' grants.
    pub fn paths(&self, project: ProjectId, user: UserId) -> Vec<Path> {
        let mut paths = Vec::new();
        if let Some(&role) = self.grants.get(&(project, user)) {
            paths.push(Path::Grant(role));
        }
        for &team in self.teams_of.get(&user).into_iter().flatten() {
            if let Some(&role) = self.team_grants.get(&(project, team)) {
                paths.push(Path::Team(team, role));
            }
        }
        paths
    }

    /// `user`'s organization role, if they are a member.
    pub fn role_of(&self, user: UserId) -> Option<Role> {
        self.members.get(&user).map(|m| m.role)
    }

    /// `user`'s effective access to `project` (none for an unknown project).
    pub fn access(&self, project: ProjectId, user: UserId) -> Option<ProjectAccess> {
        self.projects.get(&project)?;
        let member = self.members.get(&user)?;
        authz::effective(
            Some(member.role),
            member.deactivated,
            self.paths(project, user),
        )
    }

    /// Every project `user` can see, with their access to it.
    pub fn visible_to(&self, user: UserId) -> Vec<(ProjectId, ProjectAccess)> {
        let Some(member) = self.members.get(&user) else {
            return Vec::new();
        };
        // Owners, Admins and Auditors see every project (Auditors read-only).
        if member.role.oversees() {
            self.projects
                .keys()
                .filter_map(|&project| Some((project, self.access(project, user)?)))
                .collect()
        } else {
            let direct = self.grants_by_user.get(&user).into_iter().flatten();
            let through_teams = self
                .teams_of
                .get(&user)
                .into_iter()
                .flatten()
                .filter_map(|team| self.grants_by_team.get(team))
                .flatten();
            let projects: HashSet<ProjectId> = direct
                .chain(through_teams)
                .map(|&(project, _)| project)
                .collect();
            projects
                .into_iter()
                .filter_map(|project| Some((project, self.access(project, user)?)))
                .collect()
        }
    }
}

impl OrgAccess {
    /// A service account's effective access to `project`: the role granted to it, as a Member
    /// of the organization would hold it (none while deactivated or for an unknown project).
    pub fn service_account_access(
        &self,
        project: ProjectId,
        account: ServiceAccountId,
    ) -> Option<ProjectAccess> {
        self.projects.get(&project)?;
        let facts = self.service_accounts.get(&account)?;
        let granted = self
            .grants_by_service_account
            .get(&account)
            .into_iter()
            .flatten()
            .find(|(granted, _)| *granted == project)
            .map(|&(_, role)| Path::Grant(role));
        authz::effective(Some(crate::vocab::Role::Member), facts.deactivated, granted)
    }

    /// Every project a service account can reach, with its access.
    pub fn visible_to_service_account(
        &self,
        account: ServiceAccountId,
    ) -> Vec<(ProjectId, ProjectAccess)> {
        self.grants_by_service_account
            .get(&account)
            .into_iter()
            .flatten()
            .filter_map(|&(project, _)| {
                Some((project, self.service_account_access(project, account)?))
            })
            .collect()
    }
}
