//! An administrator's reset of a member's MFA.

use super::*;
use crate::error::{Clash, Denial};

/// "Reset MFA" for a member who lost their authenticator: their authenticator and backup codes
/// are removed and every session of theirs ends. Owners and Admins (an Owner's only by an
/// Owner). MFA belongs to the whole account, so the caller must be allowed the same in every
/// organization the member belongs to; one's own MFA is managed in settings, with a code.
pub async fn reset_member_mfa(svc: &Services, actor: &Actor, user_id: &str) -> Result<(), Error> {
    let (mut change, org, user, _) =
        begin_member_change(svc, actor, user_id, Action::ResetMemberMfa).await?;
    if user == actor.user_id {
        return Err(Error::Forbidden(Denial::OwnMfaReset));
    }
    let elsewhere: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT t.role, c.role FROM memberships t \
         LEFT JOIN memberships c ON c.org_id = t.org_id AND c.user_id = $2 \
                                AND c.deactivated_at IS NULL \
         WHERE t.user_id = $1 AND t.org_id <> $3",
    )
    .bind(user.to_string())
    .bind(actor.user_id.to_string())
    .bind(org.to_string())
    .fetch_all(change.conn())
    .await?;
    for (role, caller_role) in elsewhere {
        let target = authz::Target {
            role: crate::orgs::parse_role(&role)?,
            last_owner: false,
        };
        let caller_role = caller_role.as_deref().and_then(Role::parse);
        if !authz::decide(caller_role, Action::ResetMemberMfa, Some(target)).is_allowed() {
            return Err(Error::Forbidden(Denial::MfaResetOutsideYourOrganizations));
        }
    }
    if !second_factor::remove_all(change.conn(), user).await? {
        return Err(Error::Conflict(Clash::MemberHasNoMfa));
    }
    let now = svc.clock.now();
    sessions::end_all_except(
        &mut change,
        user,
        None,
        EndReason::MfaReset,
        &actor.client,
        now,
    )
    .await?;
    finish(change, actor, org, user, Audited::MfaReset, "", now).await?;
    let organization = actor
        .org
        .as_ref()
        .map_or("", |o| o.name.as_str())
        .to_string();
    notices::send(svc, user, Notice::MfaReset { organization }, &actor.client);
    tracing::info!(user_id = %user, by = %actor.user_id, "MFA reset");
    Ok(())
}
