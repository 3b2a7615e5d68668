//! Teams: who may see and change a team.
//!
//! Organization Owners and Admins manage every team. A team's lead adds and removes its members
//! and sees what the team can reach, nothing more: they cannot rename it, delete it, choose its
//! lead or change its project roles (those belong to the projects' Admins). A team's members see
//! it; anyone else in the organization is told it does not exist. Pure, like the rest of `authz`.

use super::Decision;
use crate::vocab::Role;

/// What someone wants to do with a team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeamAction {
    /// See it, its members and its project roles.
    View,
    /// Add and remove its members.
    ManageMembers,
    /// Rename it, change its description, choose its lead.
    Edit,
    Create,
    Delete,
}

/// The caller's place in the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TeamStanding {
    pub member: bool,
    pub lead: bool,
}

/// Decides whether a caller with organization role `org_role` (none when not a member) and
/// `standing` in the team may perform `action` on it.
pub fn decide_team(org_role: Option<Role>, standing: TeamStanding, action: TeamAction) -> Decision {
    let Some(org_role) = org_role else {
        return Decision::NotAMember;
    };
    if org_role.manages() {
        return Decision::Allowed;
    }
    if org_role == Role::Auditor {
        // Sees every team, changes none (not even one they lead).
        return match action {
            TeamAction::View => Decision::Allowed,
            _ => Decision::InsufficientRole,
        };
    }
    match action {
        TeamAction::Create => Decision::InsufficientRole,
        _ if !standing.member && !standing.lead => Decision::NotAMember,
        TeamAction::View => Decision::Allowed,
        TeamAction::ManageMembers if standing.lead => Decision::Allowed,
        TeamAction::ManageMembers | TeamAction::Edit | TeamAction::Delete => {
            Decision::InsufficientRole
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use TeamAction::*;

    /// Every organization role × standing in the team × action.
    #[test]
    fn the_team_policy_table() {
        let standings = [
            ("outsider", TeamStanding::default()),
            (
                "member",
                TeamStanding {
                    member: true,
                    lead: false,
                },
            ),
            (
                "lead",
                TeamStanding {
                    member: true,
                    lead: true,
                },
            ),
        ];
        for org_role in Role::ALL {
            for (who, standing) in standings {
                for action in [View, ManageMembers, Edit, Create, Delete] {
                    let expected = match (org_role, who, action) {
                        (Role::Owner | Role::Admin, _, _) => Allowed,
                        (Role::Auditor, _, View) => Allowed,
                        (Role::Auditor, _, _) => InsufficientRole,
                        (_, _, Create) => InsufficientRole,
                        (_, "outsider", _) => NotAMember,
                        (_, _, View) => Allowed,
                        (_, "lead", ManageMembers) => Allowed,
                        _ => InsufficientRole,
                    };
                    assert_eq!(
                        decide_team(Some(org_role), standing, action),
                        expected,
                        "{org_role:?} {who} {action:?}"
                    );
                }
            }
        }
        for action in [View, ManageMembers, Edit, Create, Delete] {
            assert_eq!(
                decide_team(None, TeamStanding::default(), action),
                NotAMember
            );
        }
    }
}
