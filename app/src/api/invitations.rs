//! Invitations: issue, list, resend, revoke (administrators) and look at or accept (anyone
//! holding the link).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::auth::SignedInUser;
use crate::error::AppError;

/// A link just issued. `emailed` says whether the email went out (never without SMTP).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IssuedInvitation {
    pub id: String,
    pub link: String,
    pub expires_at: String,
    pub emailed: bool,
}

/// A re-issued link: the earlier one stops working.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenewedLink {
    pub link: String,
    pub expires_at: String,
    pub emailed: bool,
}

/// One pending (or expired) invitation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    pub id: String,
    pub email: String,
    pub role: String,
    /// The inviter's name.
    pub invited_by: String,
    pub expires_at: String,
    /// `pending` or `expired`.
    pub status: String,
}

/// What an invitation link offers, shown before anyone acts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationOffer {
    pub organization: String,
    pub invited_by: String,
    pub email: String,
    pub role: String,
    /// `pending`, `expired`, `accepted` or `revoked`.
    pub status: String,
    pub expires_at: String,
    /// Whether an account already has the invited email (it joins by signing in).
    pub account_exists: bool,
    /// The project the invitation also grants a role on (its name), and that role; `null` when
    /// it grants none.
    pub project: Option<String>,
    pub project_role: Option<String>,
    /// The name the inviter gave, to start the new account with (editable); `null` for none.
    pub invitee_name: Option<String>,
    /// The teams accepting joins, by name.
    pub teams: Vec<String>,
}

/// A team the invite dialog offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamChoice {
    pub team_id: String,
    pub name: String,
    pub member_count: i64,
}

/// What the invite dialog offers besides the email and the role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteChoicesView {
    /// The organization's teams (those the caller can see), by name.
    pub teams: Vec<TeamChoice>,
    /// Whether invitations can be emailed (SMTP is configured); otherwise only the link is
    /// shown.
    pub email_available: bool,
}

/// "Invite member": `name` starts the new account's name (the invitee may change it), accepting
/// joins every `team_ids` team (as a form: `team_ids[0]=…&team_ids[1]=…`), and the link is
/// emailed unless `send_email` is `false` (it is always returned).
#[server(prefix = "/api", endpoint = "invite_member")]
pub async fn invite_member(
    email: String,
    role: String,
    name: Option<String>,
    #[server(default)] team_ids: Vec<String>,
    send_email: Option<bool>,
) -> Result<IssuedInvitation, AppError> {
    use crate::ctx;
    use gatehouse_server::invitations::{InviteOptions, invite_member_with};
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let options = InviteOptions {
        name: name.as_deref().unwrap_or_default(),
        team_ids: &team_ids,
        send_email: send_email.unwrap_or(true),
    };
    let issued = invite_member_with(&svc, &actor, &email, &role, options).await?;
    ctx::redirect_form_post(&crate::saved::Saved::Invited.location());
    Ok(IssuedInvitation {
        id: issued.id.to_string(),
        link: issued.link,
        expires_at: issued.expires_at.to_rfc3339(),
        emailed: issued.emailed,
    })
}

/// The invite dialog's teams, and whether it can email the invitation.
#[server(prefix = "/api", endpoint = "invite_choices")]
pub async fn invite_choices() -> Result<InviteChoicesView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let teams = gatehouse_server::teams::team_choices(&svc, &actor)
        .await?
        .into_iter()
        .map(|t| TeamChoice {
            team_id: t.id.to_string(),
            name: t.name,
            member_count: i64::try_from(t.member_count).unwrap_or(i64::MAX),
        })
        .collect();
    Ok(InviteChoicesView {
        teams,
        email_available: svc.mailer.is_configured(),
    })
}

#[server(prefix = "/api", endpoint = "list_invitations")]
pub async fn list_invitations() -> Result<Vec<InvitationView>, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let listed = gatehouse_server::invitations::list_invitations(&svc, &actor).await?;
    Ok(listed
        .into_iter()
        .map(|i| InvitationView {
            id: i.id.to_string(),
            email: i.email,
            role: i.role.as_str().to_string(),
            invited_by: i.invited_by,
            expires_at: i.expires_at.to_rfc3339(),
            status: i.status.as_str().to_string(),
        })
        .collect())
}

/// New link and new 7 days; emailed again unless `send_email` is `false` (the "Copy link"
/// button, which only wants a working link).
#[server(prefix = "/api", endpoint = "resend_invitation")]
pub async fn resend_invitation(
    invitation_id: String,
    send_email: Option<bool>,
) -> Result<RenewedLink, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let renewed = gatehouse_server::invitations::resend_invitation(
        &svc,
        &actor,
        &invitation_id,
        send_email.unwrap_or(true),
    )
    .await?;
    ctx::redirect_form_post(&crate::saved::Saved::Resent.location());
    Ok(RenewedLink {
        link: renewed.link,
        expires_at: renewed.expires_at.to_rfc3339(),
        emailed: renewed.emailed,
    })
}

#[server(prefix = "/api", endpoint = "revoke_invitation")]
pub async fn revoke_invitation(invitation_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::invitations::revoke_invitation(&svc, &actor, &invitation_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::InvitationRevoked.location());
    Ok(())
}

#[server(prefix = "/api", endpoint = "invitation_details")]
pub async fn invitation_details(token: String) -> Result<InvitationOffer, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let details = gatehouse_server::invitations::invitation_details(&svc, &token)
        .await
        .map_err(not_valid)?;
    Ok(InvitationOffer {
        organization: details.organization,
        invited_by: details.invited_by,
        email: details.email,
        role: details.role.as_str().to_string(),
        status: details.status.as_str().to_string(),
        expires_at: details.expires_at.to_rfc3339(),
        account_exists: details.account_exists,
        project: details.project.as_ref().map(|(name, _)| name.clone()),
        project_role: details.project.map(|(_, role)| role.as_str().to_string()),
        invitee_name: details.invitee_name,
        teams: details.teams,
    })
}

/// Joins with the signed-in account (whose email must be the invited one) or, signed out, creates
/// the account from `name` and `password` and signs it in.
#[server(prefix = "/api", endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    name: Option<String>,
    password: Option<String>,
) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    use gatehouse_server::invitations::{self, Acceptor};
    let svc = ctx::services()?;
    let request = ctx::client()?;
    let caller = match ctx::caller() {
        Some(caller) => Some(caller.admit(svc.clock.now())?),
        None => None,
    };
    let acceptor = match &caller {
        Some(actor) => Acceptor::SignedIn(actor),
        None => Acceptor::NewAccount {
            name: name.as_deref().unwrap_or_default(),
            password: password.as_deref().unwrap_or_default(),
        },
    };
    let signed_in = invitations::accept_invitation(
        &svc,
        &token,
        acceptor,
        &request.client,
        request.session_cookie.as_deref(),
    )
    .await
    .map_err(not_valid)?;
    let token = match &signed_in {
        Some(new) => {
            ctx::set_session_cookie(new.token.expose(), new.expires_at, svc.clock.now());
            new.token.expose().to_string()
        }
        None => request.session_cookie.clone().unwrap_or_default(),
    };
    let actor = gatehouse_server::sessions::resolve(&svc, &token, request.client)
        .await?
        .active()
        .ok_or_else(AppError::unauthenticated)?;
    ctx::redirect_form_post("/");
    Ok(SignedInUser::of(&actor, svc.clock.now()))
}

/// "Join": a person who came back from a sign-in provider through this invitation, with no
/// account yet, confirms after seeing the invitation. The account is created without a
/// password, the provider linked, and the person signed in.
#[server(prefix = "/api", endpoint = "join_invitation")]
pub async fn join_invitation(token: String) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let request = ctx::client()?;
    let pending = ctx::identity_cookie().unwrap_or_default();
    let signed_in = gatehouse_server::oauth::join_invitation(
        &svc,
        &pending,
        &token,
        &request.client,
        request.session_cookie.as_deref(),
    )
    .await
    .map_err(not_valid)?;
    ctx::clear_identity_cookie();
    crate::api::auth::start_session(&svc, signed_in, request.client, "/").await
}

/// An unknown link is "not valid" rather than the generic "not yours".
#[cfg(feature = "ssr")]
fn not_valid(err: gatehouse_server::Error) -> AppError {
    match err {
        gatehouse_server::Error::NotFound => AppError::new(
            crate::error::ErrorCode::NotFound,
            "This invitation link is not valid. Ask for a new one.",
        ),
        other => other.into(),
    }
}
