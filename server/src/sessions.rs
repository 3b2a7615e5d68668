//! Sessions: sign-in, the per-request lookup of the caller, and every way a session ends.
//!
//! The session token is 256 random bits, handed to the browser once in a cookie; the database
//! keeps only its SHA-256. Sign-in always issues a fresh session (no fixation). All endings —
//! sign-out, password change, expiry — go through [`end_sessions`], which logs and audits them.

use std::time::Duration;

use sqlx::AnyConnection;

use crate::accounts::{self, EmailAddress};
use crate::admission::{self, Admission, OrgRules, SessionAuth};
use crate::audit::{self, Action, Event};
use crate::cache::{Cached, Change, Invalidation};
use crate::clock::Timestamp;
use crate::devices::{self, ClientHints};
use crate::ids::{self, OrgId, SessionId, UserId};
use crate::orgs::{self, Role};
use crate::passwords::Password;
use crate::throttle;
use crate::{Error, Services};

mod active;
mod resolve;
mod sign_in;
mod store;

pub use active::{SessionInfo, list_sessions, revoke_other_sessions, revoke_session};
pub use resolve::resolve;
pub use sign_in::DEACTIVATED;
pub(crate) use sign_in::{
    Completion, admission_in, complete_sign_in, provider_required, stored_rules,
};
pub use sign_in::{SignInStep, sign_in};

/// "Last active" is written at most this often per session, so ordinary requests don't write.
pub const ACTIVITY_RESOLUTION: Duration = Duration::from_secs(60);
const USER_AGENT_MAX: usize = 512;
/// Beyond this many signed-in devices, a new sign-in ends the least recently active one.
pub const MAX_SESSIONS_PER_USER: i64 = 100;

/// Where a request came from, as recorded on sessions and audit rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: String,
    pub hints: ClientHints,
}

impl ClientInfo {
    pub fn new(ip: Option<String>, user_agent: &str) -> Self {
        Self {
            ip,
            user_agent: clip(user_agent),
            hints: ClientHints::default(),
        }
    }

    pub fn with_hints(mut self, hints: ClientHints) -> Self {
        self.hints = ClientHints {
            platform: hints.platform.as_deref().map(clip),
            brands: hints.brands.as_deref().map(clip),
        };
        self
    }

    /// "Chrome on Windows" and the like.
    pub fn device(&self) -> String {
        devices::describe(&self.user_agent, &self.hints)
    }
}

fn clip(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_MAX)
        .collect()
}

/// The bearer secret in the session cookie.
pub type SessionToken = crate::tokens::Secret;

use crate::tokens::{hash as token_hash, well_formed};

/// The organization a session acts in, with the caller's role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgContext {
    pub id: OrgId,
    pub name: String,
    pub role: Role,
}

/// The caller's second factor, and what their organization's policy asks of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MfaState {
    pub enabled: bool,
    /// Unused backup codes (0 without MFA).
    pub backup_codes_left: i64,
    /// Set when the current organization's policy covers the caller and they have no MFA yet:
    /// the end of their grace period.
    pub required_by: Option<Timestamp>,
}

impl MfaState {
    /// Past the grace period without MFA.
    pub fn overdue(&self, now: Timestamp) -> bool {
        self.required_by.is_some_and(|deadline| deadline <= now)
    }
}

/// A signed-in session as resolved for a request: who, in which organization, and how the
/// session was established. What it may do is decided by [`Caller::admit`]; only the few calls a
/// caller held back by their organization's MFA policy may still make take a `Caller`.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub name: String,
    pub email: String,
    /// The owner proved they receive mail at `email` (or the account predates the rule).
    pub email_verified: bool,
    /// SMTP is configured and `email` is not verified yet: the account may not invite until it
    /// is (see [`crate::email_verification`]).
    pub needs_email_verification: bool,
    pub org: Option<OrgContext>,
    pub mfa: MfaState,
    pub auth: SessionAuth,
    /// When the session last proved its owner present: its sign-in, or a later password or code
    /// (see [`crate::reauth`]).
    pub proven_at: Timestamp,
    pub client: ClientInfo,
}

/// A caller admitted to act: only [`Caller::admit`] makes one, so every domain function that
/// takes an `&Actor` sits behind the organization's MFA policy, whoever calls it.
#[derive(Debug, Clone)]
pub struct Actor {
    caller: Caller,
}

impl std::ops::Deref for Actor {
    type Target = Caller;

    fn deref(&self) -> &Caller {
        &self.caller
    }
}

impl Actor {
    /// The admitted caller after a change to their own name.
    pub fn renamed(mut self, name: String) -> Self {
        self.caller.name = name;
        self
    }
}

/// What the MFA gate answers a caller whose grace period is over.
pub const MFA_ENROLLMENT_REQUIRED: &str = "Your organization requires multi-factor \
     authentication. Set up MFA in Settings → Security to continue.";

impl Caller {
    /// The organization's MFA policy, enforced: past their grace period without MFA, a covered
    /// member may do nothing but enroll (and see who they are, sign out or switch organization,
    /// which take a `Caller`).
    pub fn admit(self, now: Timestamp) -> Result<Actor, Error> {
        if self.mfa.overdue(now) {
            Err(Error::MfaEnrollmentRequired(MFA_ENROLLMENT_REQUIRED.into()))
        } else {
            Ok(Actor { caller: self })
        }
    }
}

/// A freshly issued session.
#[derive(Debug)]
pub struct SignedIn {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub token: SessionToken,
    pub expires_at: Timestamp,
}

/// Why a session ended; recorded in logs, the audit log and the session's tombstone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndReason {
    SignedOut,
    Replaced,
    /// Ended from another of the user's devices.
    Revoked,
    PasswordChanged,
    /// A new password was set through a reset link.
    PasswordReset,
    /// An administrator deactivated the member in the session's organization.
    Deactivated,
    /// An administrator reset the user's MFA.
    MfaReset,
    Expired,
    /// Unused for longer than the idle limit.
    Idle,
    /// The organization it acts in requires signing in through a provider it did not come
    /// through (the rule was set, or the session was moved there).
    SignInRestricted,
    /// It skipped the second step where a provider's MFA was trusted, and now acts where it
    /// is not.
    SecondFactorRequired,
    /// A sign-in provider that verified the account's email took the unverified account over:
    /// whoever signed up with a password never proved the address.
    EmailClaimed,
}

impl EndReason {
    const ALL: [EndReason; 12] = [
        EndReason::SignedOut,
        EndReason::Replaced,
        EndReason::Revoked,
        EndReason::PasswordChanged,
        EndReason::PasswordReset,
        EndReason::Deactivated,
        EndReason::MfaReset,
        EndReason::Expired,
        EndReason::Idle,
        EndReason::SignInRestricted,
        EndReason::SecondFactorRequired,
        EndReason::EmailClaimed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed_out",
            EndReason::Replaced => "replaced_by_new_sign_in",
            EndReason::Revoked => "revoked",
            EndReason::PasswordChanged => "password_changed",
            EndReason::PasswordReset => "password_reset",
            EndReason::Deactivated => "deactivated",
            EndReason::MfaReset => "mfa_reset",
            EndReason::Expired => "expired",
            EndReason::Idle => "idle",
            EndReason::SignInRestricted => "sign_in_restricted",
            EndReason::SecondFactorRequired => "second_factor_required",
            EndReason::EmailClaimed => "email_claimed",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == text)
    }
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

/// Issues a session inside the caller's transaction.
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
        device: client.device(),
        credential_version,
        auth,
        now,
        expires_at,
    };
    store::insert(conn, &row, client).await?;
    Ok(SignedIn {
        user_id: user,
        session_id,
        token,
        expires_at,
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
