//! Proving that an account's owner receives mail at its address.
//!
//! With SMTP configured, a password account made at sign-up or from an invitation link starts
//! unverified (an inviter saw that link too, so accepting it proves nothing) and may not invite
//! until its owner opens the emailed link. Other proofs mark it verified too: a provider that
//! verified the address, or a password reset through an emailed link. Without SMTP nothing can
//! be proven, so nothing is restricted.
//!
//! Links hold 256 random bits; only their hash is stored, with the address they were sent to.
//! They work once, for 24 hours, and only while the account still has that address.

use std::time::Duration;

use sqlx::AnyConnection;

use crate::audit::{self, Action, Event};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Clash, Feature, Lapse};
use crate::ids::{self, UserId};
use crate::users::EmailAddress;

use crate::throttle::{self, Limit};
use crate::tokens::{self, Secret};
use crate::vocab::{Caller, ClientInfo};
use crate::{Error, Services, mail};

/// How long a verification link works.
pub const TTL: Duration = Duration::from_secs(24 * 3600);
/// Links one account may ask for again.
const RESENDS_PER_ACCOUNT: Limit = Limit {
    max: 5,
    window: Duration::from_secs(3600),
};

/// Marks `user`'s address verified (once; a later proof keeps the first time) and drops their
/// cached sessions so every instance sees it. Runs in the caller's transaction.
pub(crate) async fn mark_verified(
    change: &mut Change<'_>,
    user: UserId,
    now: Timestamp,
) -> Result<bool, Error> {
    let updated = sqlx::query(
        "UPDATE users SET email_verified_at = $1 WHERE id = $2 AND email_verified_at IS NULL",
    )
    .bind(now.as_millis())
    .bind(user.to_string())
    .execute(change.conn())
    .await?
    .rows_affected();
    change.invalidate(Invalidation::User(user)).await?;
    Ok(updated > 0)
}

/// Emails `user` a new link in the background, when SMTP is configured; failures are logged.
pub(crate) fn send_link_later(svc: &Services, user: UserId, email: EmailAddress) {
    if !svc.mailer.is_configured() {
        return;
    }
    let svc = svc.clone();
    tokio::spawn(async move {
        if let Err(err) = send_link(&svc, user, &email).await {
            tracing::warn!(user_id = %user, "verification email not sent: {err}");
        }
    });
}

async fn send_link(svc: &Services, user: UserId, email: &EmailAddress) -> Result<(), Error> {
    let now = svc.clock.now();
    let secret = Secret::generate();
    let mut conn = svc.db.pool().acquire().await?;
    insert(&mut conn, user, email, &secret, now).await?;
    drop(conn);
    let link = format!("{}/verify-email/{}", svc.config.public_url, secret.expose());
    svc.mailer
        .send(mail::email_verification(email.as_str(), &link))
        .await
}

async fn insert(
    conn: &mut AnyConnection,
    user: UserId,
    email: &EmailAddress,
    secret: &Secret,
    now: Timestamp,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO email_verifications (id, user_id, email, token_hash, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(user.to_string())
    .bind(email.as_str())
    .bind(secret.hash())
    .bind(now.as_millis())
    .bind(now.plus(TTL).as_millis())
    .execute(&mut *conn)
    .await?;
    // Links that ended a day ago are of no use to anyone.
    sqlx::query("DELETE FROM email_verifications WHERE user_id = $1 AND expires_at < $2")
        .bind(user.to_string())
        .bind(now.minus(TTL).as_millis())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Sends the caller a new link. Only the account's owner (any session of theirs) may ask.
///
/// Errors: `Unavailable` without SMTP; `Conflict` when already verified; `RateLimited` past 5
/// links per account in an hour.
pub async fn resend_verification_email(svc: &Services, caller: &Caller) -> Result<(), Error> {
    if !svc.mailer.is_configured() {
        return Err(Error::Unavailable(Feature::EmailVerification));
    }
    if caller.email_verified {
        return Err(Error::Conflict(Clash::EmailAlreadyVerified));
    }
    let now = svc.clock.now();
    let key = format!("verify-email:{}", caller.user_id);
    throttle::reserve(svc.db.pool(), &key, RESENDS_PER_ACCOUNT, now).await?;
    let email = EmailAddress::parse(&caller.email)
        .map_err(|_| Error::internal("a stored email does not parse"))?;
    send_link_later(svc, caller.user_id, email);
    Ok(())
}

/// Opens a verification link: the account it was sent for is verified. No session is needed
/// (the link may be opened on another device).
///
/// Errors: `NotFound` for a link that never existed; `Gone` for one that was used, has expired
/// or was sent to an address the account no longer has.
pub async fn verify_email(svc: &Services, token: &str, client: &ClientInfo) -> Result<(), Error> {
    if !tokens::well_formed(token) {
        return Err(Error::NotFound);
    }
    let now = svc.clock.now();
    let hash = tokens::hash(token);
    let mut change = Change::begin(svc).await?;
    // The claim comes first: a link works once.
    let claimed: Option<(String, String)> = sqlx::query_as(
        "UPDATE email_verifications SET used_at = $1 \
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id, email",
    )
    .bind(now.as_millis())
    .bind(&hash)
    .fetch_optional(change.conn())
    .await?;
    let Some((user, email)) = claimed else {
        drop(change);
        return Err(dead_link(svc, &hash).await?);
    };
    let user = ids::from_db(&user, UserId::parse)?;
    let current: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(change.conn())
        .await?;
    if current.as_deref() != Some(email.as_str()) {
        return Err(Error::Gone(Lapse::VerificationLinkForOldAddress));
    }
    if mark_verified(&mut change, user, now).await? {
        let event = Event {
            action: Action::EmailVerified,
            org: None,
            actor: Some(user),
            target: Some(format!("user:{user}")),
            client,
        };
        audit::record(change.conn(), event, now).await?;
    }
    change.commit().await?;
    tracing::info!(user_id = %user, "email verified");
    Ok(())
}

/// Why a link that could not be claimed does not work.
async fn dead_link(svc: &Services, hash: &str) -> Result<Error, Error> {
    let row: Option<Option<i64>> =
        sqlx::query_scalar("SELECT used_at FROM email_verifications WHERE token_hash = $1")
            .bind(hash)
            .fetch_optional(svc.db.pool())
            .await?;
    Ok(match row {
        None => Error::NotFound,
        Some(Some(_)) => Error::Gone(Lapse::VerificationLinkUsed),
        Some(None) => Error::Gone(Lapse::VerificationLinkExpired),
    })
}
