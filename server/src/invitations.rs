//! Invitations to an organization: issued by Owners and Admins with a role, delivered as a
//! single-use link (emailed when SMTP is configured, always shown to the inviter), accepted by a
//! new account or by the signed-in owner of the invited email. Only the token's hash is stored.

use std::time::Duration;

use sqlx::AnyConnection;

use crate::audit::{self, Action as Audited, Event};
use crate::authz::{self, Action};
use crate::authz::{current_org, require};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Clash, Denial, FieldErrors, Lapse, Private, Problem, is_unique_violation};
use crate::ids::{self, InvitationId, OrgId, ProjectId, TeamId, UserId};
use crate::orgs;
use crate::orgs::lock_as_caller;
use crate::passwords::NewPassword;
use crate::sessions::{self, SignedIn};
use crate::tokens::{self, Secret};
use crate::users::{DisplayName, EmailAddress};
use crate::vocab::{Actor, ClientInfo, ProjectRole, Role};
use crate::{Error, Services, mail};

mod accept;
mod options;
mod store;

pub use accept::{Acceptor, accept_invitation};
use options::invited_teams;
pub use options::{InviteOptions, TEAMS_PER_INVITATION_MAX};

/// How long an invitation link works.
pub const TTL: Duration = Duration::from_secs(7 * 24 * 3600);
/// Pending invitations one organization may have at once.
pub const MAX_PENDING: i64 = 500;
/// Invitations (new and resent) one organization may send per hour.
const SENDS_PER_HOUR: crate::throttle::Limit = crate::throttle::Limit {
    max: 100,
    window: Duration::from_secs(3600),
};
/// ...and one person may send per hour, whatever their organizations.
const SENDS_PER_INVITER_PER_HOUR: crate::throttle::Limit = crate::throttle::Limit {
    max: 50,
    window: Duration::from_secs(3600),
};

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Pending,
    Expired,
    Accepted,
    Revoked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Expired => "expired",
            Status::Accepted => "accepted",
            Status::Revoked => "revoked",
        }
    }

    /// Why a link that is not pending cannot be used.
    fn refusal(self) -> Error {
        Error::Gone(match self {
            Status::Expired => Lapse::InvitationExpired,
            Status::Accepted => Lapse::InvitationUsed,
            Status::Revoked => Lapse::InvitationRevoked,
            Status::Pending => Lapse::InvitationUnusable,
        })
    }
}

/// A row of the pending list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub id: InvitationId,
    pub email: String,
    pub role: Role,
    /// The inviter's name (empty when their account is gone).
    pub invited_by: String,
    pub expires_at: Timestamp,
    pub status: Status,
}

/// A freshly issued (or re-issued) link.
#[derive(Debug, Clone)]
pub struct Issued {
    pub id: InvitationId,
    pub link: String,
    pub expires_at: Timestamp,
    /// Whether the email went out (false without SMTP or when delivery failed).
    pub emailed: bool,
}

/// What `/invite/<token>` shows before anyone acts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Details {
    pub organization: String,
    pub invited_by: String,
    pub email: String,
    pub role: Role,
    pub status: Status,
    pub expires_at: Timestamp,
    /// Whether an account with the invited email exists (it then joins by signing in).
    pub account_exists: bool,
    /// The project (name) and role the invitation also grants, if any.
    pub project: Option<(String, ProjectRole)>,
    /// The name the inviter gave, to start the new account with (the invitee may change it).
    pub invitee_name: Option<String>,
    /// The teams accepting joins, by name.
    pub teams: Vec<String>,
}

/// Invites `email` into the caller's organization with `role`, emailing the link when SMTP is
/// configured.
///
/// Errors: `Validation` on `email` or `role`; `Forbidden` for a role that may not invite (or may
/// not invite Owners) and, with SMTP configured, for an inviter whose email is not verified; `Conflict` on `email` for a member or a pending invitation; `RateLimited`.
pub async fn invite_member(
    svc: &Services,
    actor: &Actor,
    email: &str,
    role: &str,
) -> Result<Issued, Error> {
    invite(svc, actor, email, role, None, InviteOptions::default()).await
}

/// [`invite_member`] with a name for the invitee's account, teams that accepting joins, and
/// the choice not to email the link.
///
/// Errors: as [`invite_member`], plus `Validation` on `name` and on `team_id` (too many), and
/// `NotFound` for a team of another organization.
pub async fn invite_member_with(
    svc: &Services,
    actor: &Actor,
    email: &str,
    role: &str,
    options: InviteOptions<'_>,
) -> Result<Issued, Error> {
    invite(svc, actor, email, role, None, options).await
}

/// Invites `email` into the caller's organization as a Member who, on accepting, holds
/// `project_role` on the project (from the project's Members tab, for someone not in the
/// organization yet).
///
/// Errors: as [`invite_member`], plus `Validation` on `role` for an unknown project role,
/// `NotFound` for a project of another organization and `Conflict` for an archived one.
pub async fn invite_to_project(
    svc: &Services,
    actor: &Actor,
    email: &str,
    project_id: &str,
    project_role: &str,
) -> Result<Issued, Error> {
    let project = ProjectId::parse(project_id).ok_or(Error::NotFound)?;
    let Some(project_role) = ProjectRole::parse(project_role) else {
        return Err(FieldErrors::single("role", Problem::UnknownProjectRole));
    };
    let options = InviteOptions::default();
    invite(
        svc,
        actor,
        email,
        "member",
        Some((project, project_role)),
        options,
    )
    .await
}

async fn invite(
    svc: &Services,
    actor: &Actor,
    email: &str,
    role: &str,
    project: Option<(ProjectId, ProjectRole)>,
    options: InviteOptions<'_>,
) -> Result<Issued, Error> {
    let (org, caller_role) = current_org(actor)?;
    let mut errors = FieldErrors::default();
    let email = errors.check("email", EmailAddress::parse(email));
    let role = Role::parse(role);
    if role.is_none() {
        errors.add("role", Problem::UnknownInvitationRole);
    }
    let name = match options.name.trim() {
        "" => Some(None),
        name => errors.check("name", DisplayName::parse(name)).map(Some),
    };
    let teams = invited_teams(options.team_ids, &mut errors)?;
    let (Some(email), Some(role), Some(name)) = (email, role, name) else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    require(authz::decide(
        Some(caller_role),
        Action::Invite { role },
        None,
    ))?;
    require_verified_email(actor)?;
    let now = svc.clock.now();
    limit_sends(svc, org, actor, now).await?;

    let secret = Secret::generate();
    let id = InvitationId::random();
    let expires_at = now.plus(TTL);
    let mut change = Change::begin(svc).await?;
    let caller_role = lock_as_caller(change.conn(), org, actor.user_id).await?;
    require(authz::decide(
        Some(caller_role),
        Action::Invite { role },
        None,
    ))?;
    if store::is_member(change.conn(), org, email.as_str()).await? {
        return Err(Error::Conflict(Clash::InviteeAlreadyAMember {
            email: Private(email.as_str().to_string()),
        }));
    }
    if store::has_pending(change.conn(), org, email.as_str(), now).await? {
        return Err(Error::Conflict(Clash::InvitationPending {
            email: Private(email.as_str().to_string()),
        }));
    }
    if store::count_pending(change.conn(), org, now).await? >= MAX_PENDING {
        return Err(Error::Conflict(Clash::TooManyPendingInvitations {
            max: MAX_PENDING,
        }));
    }
    if let Some((project, _)) = project {
        let archived: Option<Option<i64>> =
            sqlx::query_scalar("SELECT archived_at FROM projects WHERE org_id = $1 AND id = $2")
                .bind(org.to_string())
                .bind(project.to_string())
                .fetch_optional(change.conn())
                .await?;
        match archived {
            None => return Err(Error::NotFound),
            Some(Some(_)) => return Err(Error::Conflict(Clash::ProjectArchived)),
            Some(None) => {}
        }
    }
    store::purge_stale(change.conn(), org, now).await?;
    // An expired invitation to the same address is replaced by the new one.
    store::drop_expired_for(change.conn(), org, email.as_str(), now).await?;
    let row = store::NewRow {
        id,
        org,
        email: email.as_str(),
        role,
        token_hash: &secret.hash(),
        invited_by: actor.user_id,
        now,
        expires_at,
        project,
        invitee_name: name.as_ref().map(|n| n.as_str()),
    };
    store::insert(change.conn(), &row).await?;
    store::insert_teams(change.conn(), org, id, &teams).await?;
    let granted = project.map_or(String::new(), |(project, role)| {
        format!(" project:{project} project_role:{role}")
    });
    record(
        change.conn(),
        actor,
        Audited::InvitationCreated,
        format!("invitation:{id} role:{role}{granted}"),
        now,
    )
    .await?;
    change.commit().await?;

    let link = link(svc, &secret);
    let emailed = options.send_email && send(svc, actor, email.as_str(), role, &link).await;
    Ok(Issued {
        id,
        link,
        expires_at,
        emailed,
    })
}

/// With SMTP configured, only an account whose owner proved its address may send invitations:
/// otherwise anyone could sign up with someone else's address and invite in their name.
fn require_verified_email(actor: &Actor) -> Result<(), Error> {
    if actor.needs_email_verification {
        return Err(Error::Forbidden(Denial::UnverifiedInviter));
    }
    Ok(())
}

/// The invitations of the caller's organization that were neither accepted nor revoked (expired
/// ones included, marked so), newest first.
///
/// Errors: `Forbidden` for Members.
pub async fn list_invitations(svc: &Services, actor: &Actor) -> Result<Vec<Invitation>, Error> {
    let (org, caller_role) = current_org(actor)?;
    require(authz::decide(
        Some(caller_role),
        Action::ManageInvitations,
        None,
    ))?;
    store::list_open(svc.db.pool(), org, svc.clock.now()).await
}

/// Issues a new link (and a new 7 days) for a pending or expired invitation; the old link stops
/// working. Emails it again when `send_email` and SMTP is configured.
///
/// Errors: `NotFound` outside the caller's organization; `Forbidden` as for inviting (the
/// inviter's email unverified included); `Gone` for an accepted or revoked invitation;
/// `RateLimited`.
pub async fn resend_invitation(
    svc: &Services,
    actor: &Actor,
    invitation_id: &str,
    send_email: bool,
) -> Result<Issued, Error> {
    let (org, _) = current_org(actor)?;
    let id = InvitationId::parse(invitation_id).ok_or(Error::NotFound)?;
    let now = svc.clock.now();
    let secret = Secret::generate();
    let expires_at = now.plus(TTL);
    limit_sends(svc, org, actor, now).await?;
    let (mut change, email, role) = begin_invitation_change(svc, actor, org, id, now).await?;
    // After the lookup: another organization's invitation stays "not found".
    require_verified_email(actor)?;
    // Still open: an accept that committed after the read above has won.
    if !store::renew(change.conn(), id, &secret.hash(), now, expires_at).await? {
        return Err(Status::Accepted.refusal());
    }
    record(
        change.conn(),
        actor,
        Audited::InvitationResent,
        format!("invitation:{id}"),
        now,
    )
    .await?;
    change.commit().await?;

    let link = link(svc, &secret);
    let emailed = send_email && send(svc, actor, &email, role, &link).await;
    Ok(Issued {
        id,
        link,
        expires_at,
        emailed,
    })
}

/// Revokes a pending (or expired) invitation: its link stops working.
///
/// Errors: `NotFound` outside the caller's organization; `Forbidden` for Members and for an
/// Admin revoking an Owner invitation; `Gone` when it was accepted or revoked already.
pub async fn revoke_invitation(
    svc: &Services,
    actor: &Actor,
    invitation_id: &str,
) -> Result<(), Error> {
    let (org, _) = current_org(actor)?;
    let id = InvitationId::parse(invitation_id).ok_or(Error::NotFound)?;
    let now = svc.clock.now();
    let (mut change, _, _) = begin_invitation_change(svc, actor, org, id, now).await?;
    if !store::revoke(change.conn(), id, now).await? {
        return Err(Status::Accepted.refusal());
    }
    record(
        change.conn(),
        actor,
        Audited::InvitationRevoked,
        format!("invitation:{id}"),
        now,
    )
    .await?;
    change.commit().await
}

/// What an invitation link offers. Anyone holding the link may call it.
///
/// Errors: `NotFound` for a link that never existed (or was replaced by a resend).
pub async fn invitation_details(svc: &Services, token: &str) -> Result<Details, Error> {
    if !tokens::well_formed(token) {
        return Err(Error::NotFound);
    }
    store::details(svc.db.pool(), &tokens::hash(token), svc.clock.now())
        .await?
        .ok_or(Error::NotFound)
}

/// The opening resend and revoke share: the organization locked, the invitation found in it
/// (else "not found"), the caller's fresh role allowed to invite with its role, and it still open.
async fn begin_invitation_change<'a>(
    svc: &'a Services,
    actor: &Actor,
    org: OrgId,
    id: InvitationId,
    now: Timestamp,
) -> Result<(Change<'a>, String, Role), Error> {
    let mut change = Change::begin(svc).await?;
    let caller_role = lock_as_caller(change.conn(), org, actor.user_id).await?;
    let found = store::find(change.conn(), org, id, now).await?;
    let (email, role, status) = found.ok_or(Error::NotFound)?;
    require(authz::decide(
        Some(caller_role),
        Action::Invite { role },
        None,
    ))?;
    if matches!(status, Status::Accepted | Status::Revoked) {
        return Err(status.refusal());
    }
    Ok((change, email, role))
}

/// Audits an administrator's change to an invitation of their current organization.
async fn record(
    conn: &mut AnyConnection,
    actor: &Actor,
    action: Audited,
    target: String,
    now: Timestamp,
) -> Result<(), Error> {
    let event = Event {
        action,
        org: actor.org.as_ref().map(|org| org.id),
        actor: Some(actor.user_id),
        target: Some(target),
        client: &actor.client,
    };
    audit::record(conn, event, now).await
}

/// Counts one invitation email against the organization's and the inviter's hourly budgets.
/// Before any transaction: on SQLite a second connection could not write while one is open.
async fn limit_sends(
    svc: &Services,
    org: OrgId,
    actor: &Actor,
    now: Timestamp,
) -> Result<(), Error> {
    let pool = svc.db.pool();
    crate::throttle::reserve(pool, &format!("invite:{org}"), SENDS_PER_HOUR, now).await?;
    let key = format!("invite-by:{}", actor.user_id);
    crate::throttle::reserve(pool, &key, SENDS_PER_INVITER_PER_HOUR, now).await
}

fn link(svc: &Services, secret: &Secret) -> String {
    format!("{}/invite/{}", svc.config.public_url, secret.expose())
}

/// Emails the link when SMTP is configured; whether it went out.
async fn send(svc: &Services, actor: &Actor, to: &str, role: Role, link: &str) -> bool {
    if !svc.mailer.is_configured() {
        return false;
    }
    let organization = actor.org.as_ref().map_or("", |o| o.name.as_str());
    let mail = mail::invitation(to, organization, &actor.name, role.label(), link);
    match svc.mailer.send(mail).await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!("invitation email not delivered: {err}");
            false
        }
    }
}

pub(crate) fn status_of(
    expires_at: i64,
    accepted_at: Option<i64>,
    revoked_at: Option<i64>,
    now: Timestamp,
) -> Status {
    if accepted_at.is_some() {
        Status::Accepted
    } else if revoked_at.is_some() {
        Status::Revoked
    } else if Timestamp::from_millis(expires_at) <= now {
        Status::Expired
    } else {
        Status::Pending
    }
}

fn parse_id(text: &str) -> Result<InvitationId, Error> {
    ids::from_db(text, InvitationId::parse)
}
