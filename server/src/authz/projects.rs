//! Projects: which role a person holds on a project, how, and what it lets them do.
//!
//! Organization Owners and Admins hold Admin on every project of their organization, implicitly
//! and irremovably; Members hold the highest of the roles granted to them and to their teams; a
//! deactivated member holds none (their grants wait for reactivation). An archived project can be seen but not used, edited or
//! have its members changed. Pure, like the rest of `authz`.

use super::Decision;
use crate::ids::TeamId;
use crate::vocab::{Permission, ProjectRole, Role};

/// How a person holds their project role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Owner or Admin of the organization: Admin on every project.
    Organization(Role),
    /// A role granted on this project.
    Grant,
    /// A role granted on this project to a team the person is in.
    Team(TeamId),
}

/// One way a member holds a role on a project besides their organization role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Path {
    /// Granted to them.
    Grant(ProjectRole),
    /// Granted to a team they are in.
    Team(TeamId, ProjectRole),
}

impl Path {
    fn held(self) -> ProjectAccess {
        match self {
            Path::Grant(role) => ProjectAccess {
                role,
                via: Via::Grant,
            },
            Path::Team(team, role) => ProjectAccess {
                role,
                via: Via::Team(team),
            },
        }
    }
}

/// A person's effective role on a project, and how they hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectAccess {
    pub role: ProjectRole,
    pub via: Via,
}

/// What someone wants to do with a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    /// See it, its settings and its members.
    View,
    /// Invoke what it offers.
    Use,
    /// Change its name and description.
    Edit,
    /// Add, re-role and remove its members, and ask about their access.
    ManageMembers,
    Create,
    /// Archive or restore it.
    Archive,
    Delete,
}

/// The role a person holds on a project: `org_role` is their organization role (none when not a
/// member), `paths` the roles granted to them and to their teams on the project. The highest
/// wins; of equal ones, the first given.
pub fn effective(
    org_role: Option<Role>,
    deactivated: bool,
    paths: impl IntoIterator<Item = Path>,
) -> Option<ProjectAccess> {
    match org_role? {
        _ if deactivated => None,
        role @ (Role::Owner | Role::Admin | Role::Auditor) => {
            implicit_role(role).map(|held| ProjectAccess {
                role: held,
                via: Via::Organization(role),
            })
        }
        Role::Member => paths
            .into_iter()
            .map(Path::held)
            .fold(None, |best, next| match best {
                Some(best) if rank(best.role) >= rank(next.role) => Some(best),
                _ => Some(next),
            }),
    }
}

/// The role an organization role holds on every project, whatever was granted: Owners and
/// Admins are Admins, Auditors Viewers (they see everything and change nothing); Members hold
/// only what they were granted.
pub fn implicit_role(org_role: Role) -> Option<ProjectRole> {
    match org_role {
        Role::Owner | Role::Admin => Some(ProjectRole::Admin),
        Role::Auditor => Some(ProjectRole::Viewer),
        Role::Member => None,
    }
}

/// Orders project roles by what they allow.
fn rank(role: ProjectRole) -> Permission {
    role.highest_permission()
}

/// Whether `role` carries `permission` (001's table).
pub fn allows(role: ProjectRole, permission: Permission) -> bool {
    permission <= role.highest_permission()
}

/// Decides whether a caller with organization role `org_role` and project access `access` may
/// perform `action` on a project (`archived` says whether it is). A project the caller cannot
/// see is "not a member" (answered as not found, so ids do not leak).
pub fn decide_project(
    org_role: Option<Role>,
    access: Option<ProjectAccess>,
    archived: bool,
    action: ProjectAction,
) -> Decision {
    let Some(org_role) = org_role else {
        return Decision::NotAMember;
    };
    let manager = org_role.manages();
    if action == ProjectAction::Create {
        return if manager {
            Decision::Allowed
        } else {
            Decision::InsufficientRole
        };
    }
    let Some(access) = access else {
        return Decision::NotAMember;
    };
    let needed = match action {
        ProjectAction::View => return Decision::Allowed,
        ProjectAction::Archive | ProjectAction::Delete if manager => return Decision::Allowed,
        ProjectAction::Archive | ProjectAction::Delete | ProjectAction::Create => {
            return Decision::InsufficientRole;
        }
        ProjectAction::Use => Permission::Use,
        ProjectAction::Edit | ProjectAction::ManageMembers => Permission::Edit,
    };
    if !allows(access.role, needed) {
        Decision::InsufficientRole
    } else if archived {
        Decision::Archived
    } else {
        Decision::Allowed
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use ProjectAction::*;

    const ACTIONS: [ProjectAction; 7] = [View, Use, Edit, ManageMembers, Create, Archive, Delete];

    #[test]
    fn the_role_table() {
        use Permission::*;
        let table = [
            (ProjectRole::Admin, [true, true, true]),
            (ProjectRole::Member, [true, true, false]),
            (ProjectRole::Viewer, [true, false, false]),
        ];
        for (role, expected) in table {
            for (permission, allowed) in [View, Use, Edit].into_iter().zip(expected) {
                assert_eq!(allows(role, permission), allowed, "{role:?} {permission:?}");
            }
        }
    }

    #[test]
    fn organization_owners_and_admins_are_implicit_admins_whatever_their_grant() {
        for org_role in [Role::Owner, Role::Admin] {
            for grant in [None, Some(ProjectRole::Viewer), Some(ProjectRole::Member)] {
                assert_eq!(
                    effective(Some(org_role), false, grant.map(Path::Grant)),
                    Some(ProjectAccess {
                        role: ProjectRole::Admin,
                        via: Via::Organization(org_role)
                    })
                );
            }
        }
    }

    #[test]
    fn auditors_view_every_project_whatever_they_were_granted() {
        for grant in [None, Some(ProjectRole::Viewer), Some(ProjectRole::Admin)] {
            let paths = grant
                .map(Path::Grant)
                .into_iter()
                .chain([Path::Team(TeamId::random(), ProjectRole::Admin)]);
            assert_eq!(
                effective(Some(Role::Auditor), false, paths),
                Some(ProjectAccess {
                    role: ProjectRole::Viewer,
                    via: Via::Organization(Role::Auditor)
                })
            );
        }
    }

    #[test]
    fn members_hold_only_their_grant_and_nobody_deactivated_holds_anything() {
        assert_eq!(effective(Some(Role::Member), false, None), None);
        for role in ProjectRole::ALL {
            assert_eq!(
                effective(Some(Role::Member), false, Some(Path::Grant(role))),
                Some(ProjectAccess {
                    role,
                    via: Via::Grant
                })
            );
            for org_role in Role::ALL {
                assert_eq!(
                    effective(Some(org_role), true, Some(Path::Grant(role))),
                    None
                );
            }
            assert_eq!(effective(None, false, Some(Path::Grant(role))), None);
        }
    }

    /// Every direct grant × two team grants: the highest role wins, a direct grant before a
    /// team of the same role, the first team before a later one of the same role.
    #[test]
    fn the_highest_of_the_direct_and_team_grants_wins() {
        let (red, blue) = (TeamId::random(), TeamId::random());
        let options = [
            None,
            Some(ProjectRole::Viewer),
            Some(ProjectRole::Member),
            Some(ProjectRole::Admin),
        ];
        for direct in options {
            for first in options {
                for second in options {
                    let mut paths = Vec::new();
                    paths.extend(direct.map(Path::Grant));
                    paths.extend(first.map(|role| Path::Team(red, role)));
                    paths.extend(second.map(|role| Path::Team(blue, role)));
                    let expected =
                        paths
                            .iter()
                            .map(|p| p.held())
                            .fold(None::<ProjectAccess>, |best, next| match best {
                                Some(b) if rank(b.role) >= rank(next.role) => Some(b),
                                _ => Some(next),
                            });
                    let got = effective(Some(Role::Member), false, paths.clone());
                    assert_eq!(got, expected, "{paths:?}");
                    let highest = [direct, first, second]
                        .into_iter()
                        .flatten()
                        .max_by_key(|r| rank(*r));
                    assert_eq!(got.map(|a| a.role), highest, "{paths:?}");
                    if let Some(access) = got {
                        let via = if direct == highest {
                            Via::Grant
                        } else if first == highest {
                            Via::Team(red)
                        } else {
                            Via::Team(blue)
                        };
                        assert_eq!(access.via, via, "{paths:?}");
                    }
                    // Deactivated: none of them count; Owners and Admins: none of them matter.
                    assert_eq!(effective(Some(Role::Member), true, paths.clone()), None);
                    assert_eq!(
                        effective(Some(Role::Admin), false, paths).map(|a| a.via),
                        Some(Via::Organization(Role::Admin))
                    );
                }
            }
        }
    }

    /// Every organization role × grant × archived state × action.
    #[test]
    fn the_project_policy_table() {
        let grants = [
            None,
            Some(ProjectRole::Viewer),
            Some(ProjectRole::Member),
            Some(ProjectRole::Admin),
        ];
        for org_role in Role::ALL {
            let manager = org_role.manages();
            for grant in grants {
                let access = effective(Some(org_role), false, grant.map(Path::Grant));
                let role = access.map(|a| a.role);
                for archived in [false, true] {
                    for action in ACTIONS {
                        let expected = match action {
                            Create if manager => Allowed,
                            Create => InsufficientRole,
                            _ if role.is_none() => NotAMember,
                            View => Allowed,
                            Archive | Delete if manager => Allowed,
                            Archive | Delete => InsufficientRole,
                            Use if role == Some(ProjectRole::Viewer) => InsufficientRole,
                            Edit | ManageMembers if role != Some(ProjectRole::Admin) => {
                                InsufficientRole
                            }
                            _ if archived => Archived,
                            _ => Allowed,
                        };
                        assert_eq!(
                            decide_project(Some(org_role), access, archived, action),
                            expected,
                            "{org_role:?} grant {grant:?} archived {archived} {action:?}"
                        );
                    }
                }
            }
        }
        for action in ACTIONS {
            assert_eq!(decide_project(None, None, false, action), NotAMember);
        }
    }
}
