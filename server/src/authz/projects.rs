//! Projects: which role a person holds on a project, how, and what it lets them do.
//!
//! Organization Owners and Admins hold Admin on every project of their organization, implicitly
//! and irremovably; Members hold only the roles granted to them; a deactivated member holds none
//! (their grants wait for reactivation). An archived project can be seen but not used, edited or
//! have its members changed. Pure, like the rest of `authz`.

use super::Decision;
use crate::vocab::{Permission, ProjectRole, Role};

/// How a person holds their project role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// Owner or Admin of the organization: Admin on every project.
    Organization(Role),
    /// A role granted on this project.
    Grant,
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
/// member), `grant` the role granted to them on the project, if any.
pub fn effective(
    org_role: Option<Role>,
    deactivated: bool,
    grant: Option<ProjectRole>,
) -> Option<ProjectAccess> {
    match org_role? {
        _ if deactivated => None,
        role @ (Role::Owner | Role::Admin) => Some(ProjectAccess {
            role: ProjectRole::Admin,
            via: Via::Organization(role),
        }),
        Role::Member => grant.map(|role| ProjectAccess {
            role,
            via: Via::Grant,
        }),
    }
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
    let manager = matches!(org_role, Role::Owner | Role::Admin);
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
                    effective(Some(org_role), false, grant),
                    Some(ProjectAccess {
                        role: ProjectRole::Admin,
                        via: Via::Organization(org_role)
                    })
                );
            }
        }
    }

    #[test]
    fn members_hold_only_their_grant_and_nobody_deactivated_holds_anything() {
        assert_eq!(effective(Some(Role::Member), false, None), None);
        for role in ProjectRole::ALL {
            assert_eq!(
                effective(Some(Role::Member), false, Some(role)),
                Some(ProjectAccess {
                    role,
                    via: Via::Grant
                })
            );
            for org_role in Role::ALL {
                assert_eq!(effective(Some(org_role), true, Some(role)), None);
            }
            assert_eq!(effective(None, false, Some(role)), None);
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
            let manager = org_role != Role::Member;
            for grant in grants {
                let access = effective(Some(org_role), false, grant);
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
