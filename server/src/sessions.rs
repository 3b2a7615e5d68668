//! Sessions: issuing one, the per-request lookup of the caller, and every way a session ends.
//! When a session is issued is decided by [`crate::sign_in`] (and sign-up, invitations).
//!
//! The session token is 256 random bits, handed to the browser once in a cookie; the database
//! keeps only its SHA-256. Sign-in always issues a fresh session (no fixation). All endings —
//! sign-out, password change, expiry — go through [`end_sessions`], which logs and audits them.

use std::time::Duration;

use sqlx::AnyConnection;

use crate::admission::{self, Admission, OrgRules};
use crate::audit::{self, Action, Event};
use crate::cache::{Cached, Change, Invalidation};
use crate::clock::Timestamp;
use crate::devices;
use crate::ids::{self, OrgId, SessionId, UserId};
use crate::vocab::{
    Caller, ClientInfo, EndReason, MfaState, OrgContext, Role, SessionAuth, SessionInfo,
};
use crate::{Error, Services};

mod active;
mod org_rules;
mod resolve;
mod store;

pub use active::{list_sessions, revoke_other_sessions, revoke_session};
pub(crate) use org_rules::{admission_in, provider_required, stored_rules};
pub use resolve::resolve;

/// "Last active" is written at most this often per session, so ordinary requests don't write.
pub const ACTIVITY_RESOLUTION: Duration = Duration::from_secs(60);
/// Beyond this many signed-in devices, a new sign-in ends the least recently active one.
pub const MAX_SESSIONS_PER_USER: i64 = 100;

/// The bearer secret in the session cookie.
pub type SessionToken = crate::tokens::Secret;

use crate::tokens::{hash as token_hash, well_formed};

/// A freshly issued session.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub token: SessionToken,
    pub expires_at: Timestamp,
    /// A sign-in that named no organization, of an account that may act in several: the session
    /// acts in the one used last, and the person is asked which one to enter.
    pub choose_organization: bool,
}

/// What a session cookie turned out to be.
#[derive(Debug, Clone)]
pub enum Resolved {
    Active(Box<Caller>),
    /// It was a session once; the reason lets the device be told why it was signed out.
    Ended(EndReason),
    Unknown,
}

impl Resolved {
    pub fn active(self) -> Option<Caller> {
        match self {
            Resolved::Active(caller) => Some(*caller),
            _ => None,
        }
    }
}

/// Who a new session is for.
pub(crate) struct NewSession {
    pub user: UserId,
    pub org: Option<OrgId>,
    /// The account's credential version when the password was checked.
    pub credential_version: i64,
    pub auth: SessionAuth,
}

/// Ends the session behind a browser's previous cookie (a new sign-in replaces it).
pub(crate) async fn end_replaced(
    change: &mut Change<'_>,
    previous_token: &str,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    if !well_formed(previous_token) {
        return Ok(());
    }
    let hash = token_hash(previous_token);
    if let Some((id, owner)) = store::end_by_token_hash(change.conn(), &hash, now).await? {
        record_ended(change, owner, &[id], EndReason::Replaced, client, now).await?;
    }
    Ok(())
}

/// Issues a session inside the caller's transaction, and records the sign-in on the account.
pub(crate) async fn create(
    conn: &mut AnyConnection,
    svc: &Services,
    session: NewSession,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<SignedIn, Error> {
    let NewSession {
        user,
        org,
        credential_version,
        auth,
    } = session;
    let token = SessionToken::generate();
    let session_id = SessionId::random();
    let expires_at = now.plus(svc.config.session_ttl);
    let row = store::NewRow {
        id: session_id,
        token_hash: token_hash(token.expose()),
        user,
        org,
        device: devices::of(client),
        credential_version,
        auth,
        now,
        expires_at,
    };
    store::insert(conn, &row, client).await?;
    // Every new session is a sign-in (password, provider, sign-up, an accepted invitation): kept
    // on the account, where it outlives the session (the Members screen's "Inactive").
    sqlx::query("UPDATE users SET last_sign_in_at = $1, last_active_at = $1 WHERE id = $2")
        .bind(now.as_millis())
        .bind(user.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(SignedIn {
        user_id: user,
        session_id,
        token,
        expires_at,
        choose_organization: false,
    })
}

/// Signs the caller out: their current session ends.
pub async fn sign_out(svc: &Services, actor: &Caller) -> Result<(), Error> {
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let sessions = [actor.session_id];
    end_sessions(
        &mut change,
        actor.user_id,
        &sessions,
        EndReason::SignedOut,
        &actor.client,
        now,
    )
    .await?;
    change.commit().await
}

/// Ends the given active sessions of `user`; returns how many were still active.
pub(crate) async fn end_sessions(
    change: &mut Change<'_>,
    user: UserId,
    sessions: &[SessionId],
    reason: EndReason,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<u64, Error> {
    let mut ended = Vec::new();
    for &session_id in sessions {
        if store::end(change.conn(), user, session_id, reason, now).await? {
            ended.push(session_id);
        }
    }
    record_ended(change, user, &ended, reason, client, now).await?;
    Ok(ended.len() as u64)
}

/// Ends the sessions of `user` past their expiry and purges long-finished ones: the tidying a
/// sign-in does before it issues a new session.
pub(crate) async fn end_expired(
    change: &mut Change<'_>,
    user: UserId,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    let expired = store::end_expired(change.conn(), user, now).await?;
    record_ended(change, user, &expired, EndReason::Expired, client, now).await?;
    store::purge_finished(change.conn(), user, now).await
}

/// Beyond [`MAX_SESSIONS_PER_USER`], ends the least recently active sessions of `user`.
pub(crate) async fn end_surplus(
    change: &mut Change<'_>,
    user: UserId,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    let surplus = store::end_surplus(change.conn(), user, MAX_SESSIONS_PER_USER, now).await?;
    record_ended(change, user, &surplus, EndReason::Replaced, client, now).await
}

/// Ends every active session of `user` that acts in `org`, in one statement.
pub(crate) async fn end_all_in_org(
    change: &mut Change<'_>,
    user: UserId,
    org: OrgId,
    reason: EndReason,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<u64, Error> {
    let ended = store::end_all_in_org(change.conn(), user, org, reason, now).await?;
    record_ended(change, user, &ended, reason, client, now).await?;
    Ok(ended.len() as u64)
}

/// Ends every active session of `user` except `keep`, in one statement.
pub(crate) async fn end_all_except(
    change: &mut Change<'_>,
    user: UserId,
    keep: Option<SessionId>,
    reason: EndReason,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<u64, Error> {
    let ended = store::end_all_except(change.conn(), user, keep, reason, now).await?;
    record_ended(change, user, &ended, reason, client, now).await?;
    Ok(ended.len() as u64)
}

/// The single path every ending of a session goes through once its row is marked ended: drops
/// it from every instance's cache at commit, logs it and writes it to the audit log.
async fn record_ended(
    change: &mut Change<'_>,
    user: UserId,
    ended: &[SessionId],
    reason: EndReason,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    match ended {
        [] => return Ok(()),
        [one] => change.invalidate(Invalidation::Session(*one)).await?,
        _ => change.invalidate(Invalidation::User(user)).await?,
    }
    for session_id in ended {
        tracing::info!(user_id = %user, session_id = %session_id, reason = reason.as_str(), "session ended");
        let event = Event {
            action: Action::SessionEnded,
            org: None,
            actor: Some(user),
            target: Some(format!("session:{session_id} reason:{}", reason.as_str())),
            client,
        };
        audit::record(change.conn(), event, now).await?;
    }
    Ok(())
}
