//! Audit events in words, for the Activity screen and its API: "Changed a member's role from
//! Admin to Member", "Sign-in failed: wrong password".

use gatehouse_server::activity::ActivityEvent;

/// The action in words, with the details its target carries (a role change, a reason).
pub fn describe(action: &str, target: Option<&str>) -> String {
    let detail = |key: &str| {
        target?
            .split_whitespace()
            .find_map(|word| word.strip_prefix(key)?.strip_prefix(':'))
    };
    let text = match action {
        "session.signed_in" => "Signed in",
        "session.sign_in_failed" => match detail("reason") {
            Some("deactivated") => "Sign-in refused: deactivated in the organization",
            Some("not_a_member") => "Sign-in refused: not a member of the organization",
            _ => "Sign-in failed: wrong email or password",
        },
        "session.sign_in_throttled" => "Sign-in refused: too many attempts",
        "session.ended" => "Session ended",
        "user.signed_up" => "Signed up",
        "user.sign_up_throttled" => "Sign-up refused: too many attempts",
        "user.profile_updated" => "Updated their profile",
        "user.password_changed" => "Changed their password",
        "user.password_reset_requested" => "Asked for a password reset",
        "user.password_reset_link_created" => "Created a password reset link",
        "user.password_reset" => "Reset their password",
        "user.email_verified" => "Verified their email address",
        "user.email_claimed" => "Email address confirmed by a sign-in provider",
        "member.role_changed" => {
            return match detail("role").and_then(|change| change.split_once("->")) {
                Some((from, to)) => format!(
                    "Changed a member's role from {} to {}",
                    role_label(from),
                    role_label(to)
                ),
                None => "Changed a member's role".to_string(),
            };
        }
        "member.removed" => "Removed a member",
        "member.deactivated" => "Deactivated a member",
        "member.reactivated" => "Reactivated a member",
        "member.left" => "Left the organization",
        "invitation.created" => "Invited someone",
        "invitation.resent" => "Resent an invitation",
        "invitation.revoked" => "Revoked an invitation",
        "invitation.accepted" => "Accepted an invitation",
        "mfa.enrollment_started" => "Started setting up MFA",
        "mfa.enabled" => "Turned on MFA",
        "mfa.disabled" => "Turned off MFA",
        "mfa.reset" => "Reset a member's MFA",
        "mfa.backup_codes_regenerated" => "Made new backup codes",
        "mfa.backup_code_used" => "Signed in with a backup code",
        "mfa.code_refused" => "Sign-in failed: wrong code",
        "mfa.throttled" => "Sign-in refused: too many codes",
        "mfa.locked" => "Sign-in refused: second factor locked",
        "security_policy.updated" => "Changed the security policy",
        "identity.linked" => "Linked a sign-in provider",
        "identity.unlinked" => "Unlinked a sign-in provider",
        "sso.connection_updated" => "Changed the single sign-on connection",
        "sso.member_provisioned" => "Joined through single sign-on",
        "sso.domain_added" => "Claimed an email domain",
        "sso.domain_verified" => "Verified an email domain",
        "sso.domain_removed" => "Removed an email domain",
        "sso.sign_in_refused" => match detail("reason") {
            Some("signature" | "unsigned" | "wrapping" | "comment") => {
                "Single sign-on refused: an answer that is not the identity provider's"
            }
            Some("replayed") => "Single sign-on refused: an answer used before",
            Some("expired") => "Single sign-on refused: an expired answer",
            Some("not_allowed") => "Single sign-on refused by the sign-in restriction",
            _ => "Single sign-on refused",
        },
        "project.created" => "Created a project",
        "project.renamed" => "Renamed a project",
        "project.updated" => "Changed a project's description",
        "project.archived" => "Archived a project",
        "project.restored" => "Restored a project",
        "project.deleted" => "Deleted a project",
        "project.member_added" => "Gave someone a project role",
        "project.member_role_changed" => "Changed someone's project role",
        "project.member_removed" => "Took someone's project role away",
        "project.team_added" => "Shared a project with a team",
        "project.team_role_changed" => "Changed a team's project role",
        "project.team_removed" => "Took a team's project role away",
        "project.service_account_added" => "Gave a service account a project role",
        "project.service_account_role_changed" => "Changed a service account's project role",
        "project.service_account_removed" => "Took a service account's project role away",
        "team.created" => "Created a team",
        "team.updated" => "Changed a team",
        "team.deleted" => "Deleted a team",
        "team.member_added" => "Added a team member",
        "team.member_removed" => "Removed a team member",
        "team.lead_changed" => "Changed a team's lead",
        "service_account.created" => "Created a service account",
        "service_account.updated" => "Changed a service account",
        "service_account.deactivated" => "Deactivated a service account",
        "service_account.reactivated" => "Reactivated a service account",
        "service_account.deleted" => "Deleted a service account",
        "api_key.created" => "Created an API key",
        "api_key.rotated" => "Rotated an API key",
        "api_key.revoked" => "Revoked an API key",
        "api_key.expired" => "An API key expired",
        "api_key.used_from_new_address" => "Used an API key from a new address",
        "activity.exported" => "Exported the activity",
        other => return humanized(other),
    };
    text.to_string()
}

/// "access_review.item_decided" → "Access review item decided": every action has words.
fn humanized(action: &str) -> String {
    let text = action.replace(['.', '_'], " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn role_label(role: &str) -> String {
    gatehouse_server::Role::parse(role)
        .map(|r| r.label().to_string())
        .or_else(|| gatehouse_server::ProjectRole::parse(role).map(|r| humanized(r.as_str())))
        .unwrap_or_else(|| role.to_string())
}

/// What the target names, in words: a person by name, "project Payments", "team Data".
pub fn target_name(event: &ActivityEvent) -> Option<String> {
    let name = event.target_name.as_deref()?;
    let kind = event
        .target
        .as_deref()?
        .split_whitespace()
        .next()?
        .split_once(':')?
        .0;
    Some(match kind {
        "user" => name.to_string(),
        "service_account" => format!("service account {name}"),
        "api_key" => format!("key {name}"),
        other => format!("{other} {name}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_read_as_sentences_with_their_details() {
        assert_eq!(
            describe("member.role_changed", Some("user:x role:admin->member")),
            "Changed a member's role from Admin to Member"
        );
        assert_eq!(
            describe("session.sign_in_failed", Some("reason:deactivated")),
            "Sign-in refused: deactivated in the organization"
        );
        assert_eq!(
            describe("session.sign_in_failed", None),
            "Sign-in failed: wrong email or password"
        );
        assert_eq!(
            describe("access_review.item_decided", None),
            "Access review item decided"
        );
    }
}
