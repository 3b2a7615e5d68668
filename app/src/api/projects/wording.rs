//! How access is said: the access labels and the reasons the explainer and `check_permission`
//! give.

use gatehouse_server::authz::Via;
use gatehouse_server::projects::Reason;
use gatehouse_server::{ProjectRole, Role, Timestamp};

pub fn access(via: Via) -> (&'static str, &'static str) {
    match via {
        Via::Organization(Role::Owner) => ("organization_owner", "Organization Owner"),
        Via::Organization(_) => ("organization_admin", "Organization Admin"),
        Via::Grant => ("direct", "Direct"),
        Via::Team(_) => ("team", "Through a team"),
    }
}

pub fn role_label(role: ProjectRole) -> &'static str {
    match role {
        ProjectRole::Admin => "Admin",
        ProjectRole::Member => "Member",
        ProjectRole::Viewer => "Viewer",
    }
}

fn permission_label(role: ProjectRole) -> &'static str {
    match role.highest_permission() {
        gatehouse_server::Permission::View => "View",
        gatehouse_server::Permission::Use => "Use",
        gatehouse_server::Permission::Edit => "Edit",
    }
}

/// A reason without its leading permission: "Admin of the organization".
pub fn because(reason: &Reason, now: Timestamp) -> String {
    match reason {
        Reason::Organization(role) => format!("{} of the organization", role.label()),
        Reason::Grant {
            role,
            added_by,
            added_at,
        } => {
            let mut text = format!("{} of this project", role_label(*role));
            if let Some(by) = added_by {
                text.push_str(&format!(", added by {by}"));
            }
            if let Some(at) = added_at {
                let on = crate::time::day(at.as_millis(), now.as_millis());
                text.push_str(&format!(" on {on}"));
            }
            text
        }
        Reason::Team { name, role, .. } => {
            format!("Through team {name} ({})", role_label(*role))
        }
        Reason::NoRole => "No role on this project".to_string(),
        Reason::Deactivated => "Deactivated in the organization: no access until \
                                reactivated"
            .to_string(),
        Reason::Archived => "The project is archived: read-only".to_string(),
    }
}

/// A reason as the explainer says it: "Edit — Admin of the organization".
pub fn explained(reason: &Reason, now: Timestamp) -> String {
    let role = match reason {
        Reason::Organization(role) => gatehouse_server::authz::implicit_role(*role),
        Reason::Grant { role, .. } | Reason::Team { role, .. } => Some(*role),
        _ => None,
    };
    match (role, reason) {
        // "Use — through team Data Science (Member)": mid-sentence, lower case.
        (Some(role), Reason::Team { name, .. }) => format!(
            "{} — through team {name} ({})",
            permission_label(role),
            role_label(role)
        ),
        (Some(role), _) => format!("{} — {}", permission_label(role), because(reason, now)),
        (None, _) => because(reason, now),
    }
}
