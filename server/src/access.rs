//! An organization's access facts in memory: its members (role, deactivated), its projects
//! (archived or not) and every project grant. `check_permission` and the project lists answer
//! from this snapshot without a query; [`crate::cache`] keeps one per organization and drops it
//! on every instance when a membership, project or grant of the organization changes
//! (`Invalidation::Access`). Pure data: the loader lives in `projects`.

use std::collections::HashMap;

use crate::authz::{self, ProjectAccess};
use crate::clock::Timestamp;
use crate::ids::{ProjectId, UserId};
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

#[derive(Debug, Default)]
pub struct OrgAccess {
    pub members: HashMap<UserId, MemberFacts>,
    pub projects: HashMap<ProjectId, ProjectFacts>,
    pub grants: HashMap<(ProjectId, UserId), ProjectRole>,
    /// Each member's grants, for "my projects".
    pub grants_by_user: HashMap<UserId, Vec<(ProjectId, ProjectRole)>>,
}

impl OrgAccess {
    /// Builds the snapshot; `grants` naming an unknown project or member are ignored.
    pub fn new(
        members: HashMap<UserId, MemberFacts>,
        projects: HashMap<ProjectId, ProjectFacts>,
        grants: impl IntoIterator<Item = (ProjectId, UserId, ProjectRole)>,
    ) -> Self {
        let mut snapshot = Self {
            members,
            projects,
            ..Self::default()
        };
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
        snapshot
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
            self.grants.get(&(project, user)).copied(),
        )
    }

    /// Every project `user` can see, with their access to it.
    pub fn visible_to(&self, user: UserId) -> Vec<(ProjectId, ProjectAccess)> {
        let Some(member) = self.members.get(&user) else {
            return Vec::new();
        };
        if matches!(member.role, Role::Owner | Role::Admin) {
            self.projects
                .keys()
                .filter_map(|&project| Some((project, self.access(project, user)?)))
                .collect()
        } else {
            self.grants_by_user
                .get(&user)
                .into_iter()
                .flatten()
                .filter_map(|&(project, _)| Some((project, self.access(project, user)?)))
                .collect()
        }
    }
}
