//! The one place that decides "may this caller do X to that member in this organization".
//!
//! Pure: it sees the caller's role in the organization (if any) and facts about the target that
//! the caller's service function read (scoped by the caller's organization id), and returns a
//! [`Decision`]. Service functions ask first and turn a refusal into an error with [`require`],
//! so a thin server function cannot forget the check. The table test below covers every role ×
//! action × target, refusals included. Imports nothing but the vocabulary and the error type.

use crate::error::{Clash, Denial, Error};
use crate::ids::OrgId;
use crate::vocab::{Actor, Role};

mod projects;
mod teams;

pub use projects::{
    Path, ProjectAccess, ProjectAction, Via, allows, decide_project, effective, implicit_role,
};
pub use teams::{TeamAction, TeamStanding, decide_team};

/// What a caller wants to do in their current organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ViewMembers,
    ChangeRole {
        to: Role,
    },
    RemoveMember,
    DeactivateMember,
    ReactivateMember,
    Invite {
        role: Role,
    },
    ManageInvitations,
    CreateResetLink,
    ResetMemberMfa,
    ManageSecurityPolicy,
    /// Create, change, deactivate and delete service accounts and their keys.
    ManageServiceAccounts,
    /// Read the organization's activity and export it.
    ViewActivity,
    /// Check the organization's audit chain.
    VerifyAudit,
    /// Read access reviews, past and current.
    ViewAccessReviews,
    /// Start, decide and complete an access review.
    ConductAccessReview,
}

/// Facts about the member an action is aimed at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub role: Role,
    /// The organization's only remaining (active) Owner.
    pub last_owner: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    /// The caller does not belong to the organization (answered as "not found").
    NotAMember,
    /// The caller's role may not do this.
    InsufficientRole,
    /// Only an Owner may act on an Owner, or make someone Owner.
    OwnerOnly,
    /// The organization must keep at least one Owner.
    LastOwner,
    /// The project is archived: read-only.
    Archived,
}

impl Decision {
    pub fn is_allowed(self) -> bool {
        self == Decision::Allowed
    }
}

/// Decides whether a caller holding `role` (none when not a member) may perform `action` on
/// `target` (none for actions without one).
pub fn decide(role: Option<Role>, action: Action, target: Option<Target>) -> Decision {
    let Some(role) = role else {
        return Decision::NotAMember;
    };
    let manager = role.manages();
    let owner = role == Role::Owner;
    let touches_owner = target.is_some_and(|t| t.role == Role::Owner);
    let last_owner = target.is_some_and(|t| t.last_owner);
    match action {
        Action::ViewMembers => Decision::Allowed,
        Action::ViewActivity | Action::ViewAccessReviews if role.oversees() => Decision::Allowed,
        Action::ViewActivity | Action::ViewAccessReviews => Decision::InsufficientRole,
        Action::ManageSecurityPolicy | Action::VerifyAudit | Action::ConductAccessReview
            if !owner =>
        {
            Decision::InsufficientRole
        }
        Action::ManageSecurityPolicy | Action::VerifyAudit | Action::ConductAccessReview => {
            Decision::Allowed
        }
        _ if !manager => Decision::InsufficientRole,
        Action::Invite { role: Role::Owner } | Action::ChangeRole { to: Role::Owner } if !owner => {
            Decision::OwnerOnly
        }
        Action::ManageInvitations | Action::Invite { .. } => Decision::Allowed,
        _ if touches_owner && !owner => Decision::OwnerOnly,
        Action::ChangeRole { to } if last_owner && to != Role::Owner => Decision::LastOwner,
        Action::RemoveMember | Action::DeactivateMember if last_owner => Decision::LastOwner,
        Action::ChangeRole { .. }
        | Action::RemoveMember
        | Action::DeactivateMember
        | Action::ReactivateMember
        | Action::CreateResetLink
        | Action::ResetMemberMfa
        | Action::ManageServiceAccounts => Decision::Allowed,
    }
}

/// Turns a refusal into the error a caller sees: outsiders learn nothing ("not found").
pub fn require(decision: Decision) -> Result<(), Error> {
    match decision {
        Decision::Allowed => Ok(()),
        Decision::NotAMember => Err(Error::NotFound),
        Decision::InsufficientRole => Err(Error::Forbidden(Denial::InsufficientRole)),
        Decision::OwnerOnly => Err(Error::Forbidden(Denial::OwnerOnly)),
        Decision::LastOwner => Err(Error::Forbidden(Denial::LastOwner)),
        Decision::Archived => Err(Error::Conflict(Clash::ProjectArchived)),
    }
}

/// The organization the actor acts in, with their role there; "not found" outside any.
pub fn current_org(actor: &Actor) -> Result<(OrgId, Role), Error> {
    actor
        .org
        .as_ref()
        .map(|org| (org.id, org.role))
        .ok_or(Error::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use Role::*;

    const fn member(role: Role) -> Option<Target> {
        Some(Target {
            role,
            last_owner: false,
        })
    }
    const LAST_OWNER: Option<Target> = Some(Target {
        role: Owner,
        last_owner: true,
    });

    /// Every role (and a non-member) against every action and kind of target.
    #[test]
    fn the_policy_table() {
        let targeted = [
            Action::ChangeRole { to: Member },
            Action::ChangeRole { to: Admin },
            Action::ChangeRole { to: Owner },
            Action::RemoveMember,
            Action::DeactivateMember,
            Action::ReactivateMember,
            Action::CreateResetLink,
            Action::ResetMemberMfa,
        ];
        for action in targeted {
            for target in [member(Member), member(Admin), member(Owner), LAST_OWNER] {
                let t = target.map(|t| t.role);
                let expected_owner = match action {
                    Action::ChangeRole { to } if target == LAST_OWNER && to != Owner => LastOwner,
                    Action::RemoveMember | Action::DeactivateMember if target == LAST_OWNER => {
                        LastOwner
                    }
                    _ => Allowed,
                };
                assert_eq!(
                    decide(Some(Owner), action, target),
                    expected_owner,
                    "owner {action:?} {target:?}"
                );
                let expected_admin = match action {
                    Action::ChangeRole { to: Owner } => OwnerOnly,
                    _ if t == Some(Owner) => OwnerOnly,
                    _ => Allowed,
                };
                assert_eq!(
                    decide(Some(Admin), action, target),
                    expected_admin,
                    "admin {action:?} {target:?}"
                );
                assert_eq!(decide(Some(Member), action, target), InsufficientRole);
                assert_eq!(decide(Some(Auditor), action, target), InsufficientRole);
                assert_eq!(decide(None, action, target), NotAMember);
            }
        }
    }

    #[test]
    fn untargeted_actions() {
        for role in Role::ALL {
            assert_eq!(decide(Some(role), Action::ViewMembers, None), Allowed);
        }
        assert_eq!(decide(None, Action::ViewMembers, None), NotAMember);
        for invited in Role::ALL {
            let invite = Action::Invite { role: invited };
            assert_eq!(decide(Some(Owner), invite, None), Allowed);
            let admin = if invited == Owner { OwnerOnly } else { Allowed };
            assert_eq!(decide(Some(Admin), invite, None), admin);
            assert_eq!(decide(Some(Member), invite, None), InsufficientRole);
            assert_eq!(decide(Some(Auditor), invite, None), InsufficientRole);
        }
        assert_eq!(
            decide(Some(Owner), Action::ManageInvitations, None),
            Allowed
        );
        assert_eq!(
            decide(Some(Admin), Action::ManageInvitations, None),
            Allowed
        );
        assert_eq!(
            decide(Some(Member), Action::ManageInvitations, None),
            InsufficientRole
        );
        assert_eq!(
            decide(Some(Owner), Action::ManageSecurityPolicy, None),
            Allowed
        );
        assert_eq!(
            decide(Some(Admin), Action::ManageSecurityPolicy, None),
            InsufficientRole
        );
        assert_eq!(
            decide(Some(Member), Action::ManageSecurityPolicy, None),
            InsufficientRole
        );
        for (role, expected) in [
            (Owner, Allowed),
            (Admin, Allowed),
            (Member, InsufficientRole),
        ] {
            let decided = decide(Some(role), Action::ManageServiceAccounts, None);
            assert_eq!(decided, expected, "{role:?}");
        }
        assert_eq!(
            decide(None, Action::ManageServiceAccounts, None),
            NotAMember
        );
    }

    /// The read side of oversight: Auditors read, only Owners verify and review, and an Auditor
    /// changes nothing anywhere.
    #[test]
    fn oversight_actions() {
        let table = [
            (
                Action::ViewActivity,
                [Allowed, Allowed, InsufficientRole, Allowed],
            ),
            (
                Action::ViewAccessReviews,
                [Allowed, Allowed, InsufficientRole, Allowed],
            ),
            (
                Action::VerifyAudit,
                [
                    Allowed,
                    InsufficientRole,
                    InsufficientRole,
                    InsufficientRole,
                ],
            ),
            (
                Action::ConductAccessReview,
                [
                    Allowed,
                    InsufficientRole,
                    InsufficientRole,
                    InsufficientRole,
                ],
            ),
            (
                Action::ManageInvitations,
                [Allowed, Allowed, InsufficientRole, InsufficientRole],
            ),
            (
                Action::ManageSecurityPolicy,
                [
                    Allowed,
                    InsufficientRole,
                    InsufficientRole,
                    InsufficientRole,
                ],
            ),
            (
                Action::ManageServiceAccounts,
                [Allowed, Allowed, InsufficientRole, InsufficientRole],
            ),
        ];
        for (action, expected) in table {
            for (role, expected) in Role::ALL.into_iter().zip(expected) {
                assert_eq!(
                    decide(Some(role), action, None),
                    expected,
                    "{role:?} {action:?}"
                );
            }
            assert_eq!(decide(None, action, None), NotAMember, "{action:?}");
        }
        assert_eq!(decide(Some(Auditor), Action::ViewMembers, None), Allowed);
    }
}
