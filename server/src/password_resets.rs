//! Password reset links: asked for by email (sent by SMTP; the same answer whether or not the
//! account exists), created by an administrator for a member, or by the server's operator on the
//! command line. 30 minutes, single use, only the token's hash stored. Setting the new password
//! ends every session of the account.

use std::time::Duration;

use crate::audit::{self, Action as Audited, Event};
use crate::authz::Action;
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Denial, Feature, FieldErrors, Lapse};
use crate::ids::{self, ResetId, UserId};
use crate::members::begin_member_change;
use crate::passwords::NewPassword;
use crate::sessions;
use crate::throttle::{self, Limit};
use crate::tokens::{self, Secret};
use crate::users::EmailAddress;
use crate::vocab::{Actor, ClientInfo, EndReason};
use crate::{Error, Services, mail};

/// How long a reset link works.
pub const TTL: Duration = Duration::from_secs(30 * 60);
/// Reset emails per address and per client address.
const REQUESTS_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window: Duration::from_secs(3600),
};
const REQUESTS_PER_IP: Limit = Limit {
    max: 30,
    window: Duration::from_secs(3600),
};

/// A link for an administrator to hand over.
#[derive(Debug, Clone)]
pub struct ResetLink {
    pub link: String,
    pub expires_at: Timestamp,
}

/// Who made a reset link: it decides what the link may open and how it is audited.
#[derive(Clone, Copy)]
enum Issuer<'a> {
    /// The account's owner, through an emailed link: using it proves the mailbox.
    Owner,
    /// An administrator, for a member of their organization alone.
    Admin(&'a Actor),
    /// The server's operator, on the command line: no account of theirs, no organization.
    Operator,
}

/// Whether password reset by email is available (SMTP configured).
pub fn by_email_available(svc: &Services) -> bool {
    svc.mailer.is_configured()
}

/// Emails a reset link to `email` when an account has it. The answer (and its timing) is the
/// same either way: the lookup and delivery run after the response. Anyone may call it.
///
/// Errors: `Validation` on a malformed `email`; `Unavailable` without SMTP; `RateLimited`.
pub async fn request_password_reset(
    svc: &Services,
    email: &str,
    client: &ClientInfo,
) -> Result<(), Error> {
    if !by_email_available(svc) {
        return Err(Error::Unavailable(Feature::PasswordResetByEmail));
    }
    let mut errors = FieldErrors::default();
    let Some(email) = errors.check("email", EmailAddress::parse(email)) else {
        return Err(Error::Validation(errors));
    };
    let now = svc.clock.now();
    let pool = svc.db.pool();
    if let Some(ip) = client.ip.as_deref() {
        throttle::reserve(
            pool,
            &format!("reset:{}", throttle::ip_key(ip)),
            REQUESTS_PER_IP,
            now,
        )
        .await?;
    }
    let key = format!("reset:{}", throttle::account_key(email.as_str()));
    throttle::reserve(pool, &key, REQUESTS_PER_ACCOUNT, now).await?;
    let svc = svc.clone();
    let client = client.clone();
    tokio::spawn(async move {
        if let Err(err) = email_link(&svc, &email, &client).await {
            tracing::warn!("password reset email not sent: {err}");
        }
    });
    Ok(())
}

async fn email_link(
    svc: &Services,
    email: &EmailAddress,
    client: &ClientInfo,
) -> Result<(), Error> {
    let user: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(svc.db.pool())
        .await?;
    let Some(user) = user else {
        tracing::info!("password reset asked for an address without an account");
        return Ok(());
    };
    let user = ids::from_db(&user, UserId::parse)?;
    let mut change = Change::begin(svc).await?;
    let issued = issue(&mut change, svc, user, Issuer::Owner, client).await?;
    change.commit().await?;
    svc.mailer
        .send(mail::password_reset(email.as_str(), &issued.link))
        .await
}

/// Creates a reset link for a member of the caller's organization, to hand over in person.
/// A password is the whole account's, so an organization may only reset accounts that belong to
/// it alone: anyone who is also in another organization resets their own password by email.
/// Accounts with a linked sign-in provider are refused too: a password set by an administrator
/// would open an account whose owner signs in elsewhere.
///
/// Errors: `NotFound` for a user who is not a member here; `Forbidden` for Members, for an Admin
/// targeting an Owner, for accounts that belong to other organizations too, and for accounts
/// with a linked sign-in provider.
pub async fn create_reset_link(
    svc: &Services,
    actor: &Actor,
    user_id: &str,
) -> Result<ResetLink, Error> {
    let (mut change, org, user, _) =
        begin_member_change(svc, actor, user_id, Action::CreateResetLink).await?;
    let elsewhere: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM memberships WHERE user_id = $1 AND org_id <> $2")
            .bind(user.to_string())
            .bind(org.to_string())
            .fetch_one(change.conn())
            .await?;
    if elsewhere > 0 && user != actor.user_id {
        return Err(Error::Forbidden(Denial::ResetNeedsOwner));
    }
    let linked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM identities WHERE user_id = $1")
        .bind(user.to_string())
        .fetch_one(change.conn())
        .await?;
    if linked > 0 && user != actor.user_id {
        return Err(Error::Forbidden(Denial::LinkedProvider));
    }
    let link = issue(&mut change, svc, user, Issuer::Admin(actor), &actor.client).await?;
    change.commit().await?;
    Ok(link)
}

/// A reset link the server's operator hands over (`gatehouse admin create-reset-link`): for any
/// account, whatever its organizations, audited with no acting account and `by:operator`. Only
/// the command line calls it; `client` describes it.
pub(crate) async fn create_operator_link(
    svc: &Services,
    user: UserId,
    client: &ClientInfo,
) -> Result<ResetLink, Error> {
    let mut change = Change::begin(svc).await?;
    let link = issue(&mut change, svc, user, Issuer::Operator, client).await?;
    change.commit().await?;
    Ok(link)
}

/// A fingerprint of what a reset link was made against: the password's version, the second
/// factor, the linked providers and the memberships (roles and deactivations included). A link
/// works only while it is unchanged, so a password change, an MFA reset or a membership change
/// retires every outstanding link.
async fn account_stamp(conn: &mut sqlx::AnyConnection, user: UserId) -> Result<String, Error> {
    let version: i64 = sqlx::query_scalar("SELECT credential_version FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_one(&mut *conn)
        .await?;
    let mfa: Option<(i64, Option<i64>)> =
        sqlx::query_as("SELECT created_at, enabled_at FROM mfa_totp WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT issuer, subject FROM identities WHERE user_id = $1 ORDER BY issuer, subject",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let memberships: Vec<(String, String, Option<i64>)> = sqlx::query_as(
        "SELECT org_id, role, deactivated_at FROM memberships WHERE user_id = $1 ORDER BY org_id",
    )
    .bind(user.to_string())
    .fetch_all(&mut *conn)
    .await?;
    let text = format!("v{version}|mfa{mfa:?}|ids{identities:?}|orgs{memberships:?}");
    Ok(tokens::hash(&text))
}

/// Stores a new reset link for `user` inside the caller's transaction and audits it.
async fn issue(
    change: &mut Change<'_>,
    svc: &Services,
    user: UserId,
    by: Issuer<'_>,
    client: &ClientInfo,
) -> Result<ResetLink, Error> {
    let admin = match by {
        Issuer::Admin(actor) => Some(actor),
        Issuer::Owner | Issuer::Operator => None,
    };
    let now = svc.clock.now();
    let secret = Secret::generate();
    let id = ResetId::random();
    let expires_at = now.plus(TTL);
    let stamp = account_stamp(change.conn(), user).await?;
    sqlx::query(
        "INSERT INTO password_resets (id, user_id, token_hash, created_by, created_at, \
         expires_at, account_stamp, org_id, by_operator) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id.to_string())
    .bind(user.to_string())
    .bind(secret.hash())
    .bind(admin.map(|actor| actor.user_id.to_string()))
    .bind(now.as_millis())
    .bind(expires_at.as_millis())
    .bind(stamp)
    .bind(admin.and_then(|actor| actor.org.as_ref().map(|org| org.id.to_string())))
    .bind(i64::from(matches!(by, Issuer::Operator)))
    .execute(change.conn())
    .await?;
    // Links that ended long ago are of no use to anyone.
    sqlx::query("DELETE FROM password_resets WHERE user_id = $1 AND expires_at < $2")
        .bind(user.to_string())
        .bind(now.minus(Duration::from_secs(24 * 3600)).as_millis())
        .execute(change.conn())
        .await?;
    // The operator acts as no account: the row names none, and says who it was instead.
    let (action, actor, by_whom) = match by {
        Issuer::Owner => (Audited::PasswordResetRequested, Some(user), ""),
        Issuer::Admin(actor) => (Audited::PasswordResetLinkCreated, Some(actor.user_id), ""),
        Issuer::Operator => (Audited::PasswordResetLinkCreated, None, " by:operator"),
    };
    let event = Event {
        action,
        org: admin.and_then(|actor| actor.org.as_ref().map(|org| org.id)),
        actor,
        target: Some(format!("user:{user} reset:{id}{by_whom}")),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    Ok(ResetLink {
        link: format!(
            "{}/reset-password/{}",
            svc.config.public_url,
            secret.expose()
        ),
        expires_at,
    })
}

/// What the reset page shows before the new password is typed: the account's email.
///
/// Errors: `NotFound` for a link that never existed; `Gone` for a used or expired one.
pub async fn reset_link_email(svc: &Services, token: &str) -> Result<String, Error> {
    if !tokens::well_formed(token) {
        return Err(Error::NotFound);
    }
    let mut conn = svc.db.pool().acquire().await?;
    let row: Option<LinkRow> = sqlx::query_as(&format!("{LINK_QUERY} WHERE r.token_hash = $1"))
        .bind(tokens::hash(token))
        .fetch_optional(&mut *conn)
        .await?;
    let link = row.ok_or(Error::NotFound)?;
    let (email, expires_at, used_at) = (link.email.clone(), link.expires_at, link.used_at);
    if used_at.is_some() {
        return Err(Error::Gone(Lapse::ResetLinkUsed));
    }
    if Timestamp::from_millis(expires_at) <= svc.clock.now() {
        return Err(Error::Gone(Lapse::ResetLinkExpired));
    }
    still_stands(&mut conn, &link).await?;
    Ok(email)
}

const LINK_QUERY: &str = "SELECT u.email, r.user_id, r.expires_at, r.used_at, r.account_stamp, \
     r.created_by, r.org_id, r.by_operator \
     FROM password_resets r JOIN users u ON u.id = r.user_id";

#[derive(sqlx::FromRow)]
struct LinkRow {
    email: String,
    user_id: String,
    expires_at: i64,
    used_at: Option<i64>,
    account_stamp: String,
    created_by: Option<String>,
    org_id: Option<String>,
    by_operator: i64,
}

/// A link stands while the account is as it was when the link was made; an administrator's
/// link also while the account belongs to that organization alone and links no provider.
async fn still_stands(conn: &mut sqlx::AnyConnection, link: &LinkRow) -> Result<(), Error> {
    let user = ids::from_db(&link.user_id, UserId::parse)?;
    let changed = || Error::Gone(Lapse::ResetLinkOutdated);
    if account_stamp(conn, user).await? != link.account_stamp {
        return Err(changed());
    }
    if link
        .created_by
        .as_ref()
        .is_some_and(|by| *by != link.user_id)
    {
        let orgs: Vec<String> =
            sqlx::query_scalar("SELECT org_id FROM memberships WHERE user_id = $1")
                .bind(user.to_string())
                .fetch_all(&mut *conn)
                .await?;
        if link.org_id.is_none() || orgs != [link.org_id.clone().unwrap_or_default()] {
            return Err(changed());
        }
        let linked: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM identities WHERE user_id = $1")
            .bind(user.to_string())
            .fetch_one(&mut *conn)
            .await?;
        if linked > 0 {
            return Err(Error::Gone(Lapse::ResetLinkForLinkedProvider));
        }
    }
    Ok(())
}

/// Sets a new password through a reset link; every session of the account ends and every other
/// reset link of it stops working.
///
/// Errors: `Validation` on `new_password`; `NotFound` / `Gone` as for [`reset_link_email`].
pub async fn reset_password(
    svc: &Services,
    token: &str,
    new_password: &str,
    client: &ClientInfo,
) -> Result<(), Error> {
    reset_link_email(svc, token).await?;
    let mut errors = FieldErrors::default();
    let Some(password) = errors.check("new_password", NewPassword::parse(new_password)) else {
        return Err(Error::Validation(errors));
    };
    let hash = svc.hasher.hash(password.password()).await?;
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    // The claim comes first: of two uses of one link, one wins.
    let claimed: Option<(String, String)> = sqlx::query_as(
        "UPDATE password_resets SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING id, user_id",
    )
    .bind(now.as_millis())
    .bind(tokens::hash(token))
    .fetch_optional(change.conn())
    .await?;
    let Some((id, user)) = claimed else {
        drop(change);
        reset_link_email(svc, token).await?;
        return Err(Error::Gone(Lapse::ResetLinkUnusable));
    };
    let user = ids::from_db(&user, UserId::parse)?;
    // Checked again under the claim: the account may have changed since the page was opened.
    let link: LinkRow = sqlx::query_as(&format!("{LINK_QUERY} WHERE r.id = $1"))
        .bind(&id)
        .fetch_one(change.conn())
        .await?;
    still_stands(change.conn(), &link).await?;
    sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2, \
         credential_version = credential_version + 1 WHERE id = $3",
    )
    .bind(hash)
    .bind(now.as_millis())
    .bind(user.to_string())
    .execute(change.conn())
    .await?;
    sqlx::query("UPDATE password_resets SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
        .bind(now.as_millis())
        .bind(user.to_string())
        .execute(change.conn())
        .await?;
    change.invalidate(Invalidation::User(user)).await?;
    // An emailed link proves the mailbox; an administrator's or the operator's link does not.
    if link.created_by.is_none() && link.by_operator == 0 {
        crate::email_verification::mark_verified(&mut change, user, now).await?;
    }
    sessions::end_all_except(
        &mut change,
        user,
        None,
        EndReason::PasswordReset,
        client,
        now,
    )
    .await?;
    let event = Event {
        action: Audited::PasswordReset,
        org: None,
        actor: Some(user),
        target: Some(format!("user:{user} reset:{id}")),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    // Proving the mailbox (or an administrator's link) also lifts the sign-in guess limit.
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(svc.db.pool())
        .await?;
    if let Some(email) = email {
        throttle::clear(svc.db.pool(), &throttle::account_key(&email)).await?;
    }
    crate::notices::send(svc, user, crate::notices::Notice::PasswordReset, client);
    tracing::info!(user_id = %user, "password reset");
    Ok(())
}
