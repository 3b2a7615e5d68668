//! Sessions: sign-in, the per-request lookup of the caller, and every way a session ends.
//!
//! The session token is 256 random bits, handed to the browser once in a cookie; the database
//! keeps only its SHA-256. Sign-in always issues a fresh session (no fixation). All endings —
//! sign-out, password change, expiry — go through [`end_sessions`], which logs and audits them.

use std::fmt;
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use sqlx::AnyConnection;

use crate::accounts::{self, EmailAddress};
use crate::audit::{self, Action, Event};
use crate::cache::{Cached, Change, Invalidation, Listed};
use crate::clock::Timestamp;
use crate::devices::{self, ClientHints};
use crate::ids::{self, OrgId, SessionId, UserId};
use crate::orgs::{self, Role};
use crate::passwords::Password;
use crate::throttle;
use crate::{Error, Services};

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

/// The bearer secret in the session cookie. Not `Debug`-printable, not serializable.
pub struct SessionToken(String);

impl SessionToken {
    fn generate() -> Self {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        Self(URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The value to put in the cookie.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A token has exactly the shape we issue; anything else is refused without a query.
fn well_formed(token: &str) -> bool {
    token.len() == 43
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The organization a session acts in, with the caller's role there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgContext {
    pub id: OrgId,
    pub name: String,
    pub role: Role,
}

/// The signed-in caller of a request, resolved once per request.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: UserId,
    pub session_id: SessionId,
    pub name: String,
    pub email: String,
    pub org: Option<OrgContext>,
    pub client: ClientInfo,
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
    Expired,
}

impl EndReason {
    const ALL: [EndReason; 5] = [
        EndReason::SignedOut,
        EndReason::Replaced,
        EndReason::Revoked,
        EndReason::PasswordChanged,
        EndReason::Expired,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::SignedOut => "signed_out",
            EndReason::Replaced => "replaced_by_new_sign_in",
            EndReason::Revoked => "revoked",
            EndReason::PasswordChanged => "password_changed",
            EndReason::Expired => "expired",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|reason| reason.as_str() == text)
    }
}

/// What a session cookie turned out to be.
#[derive(Debug, Clone)]
pub enum Resolved {
    Active(Box<Actor>),
    /// It was a session once; the reason lets the device be told why it was signed out.
    Ended(EndReason),
    Unknown,
}

impl Resolved {
    pub fn active(self) -> Option<Actor> {
        match self {
            Resolved::Active(actor) => Some(*actor),
            _ => None,
        }
    }
}

/// Signs in with email and password. Anyone may call it.
///
/// Errors: `InvalidCredentials` for a wrong email or password alike (same work either way),
/// `RateLimited` after too many failures for the account or the client's IP (then even the right
/// password is refused until the window ends).
pub async fn sign_in(
    svc: &Services,
    email: &str,
    password: &str,
    client: &ClientInfo,
    previous_token: Option<&str>,
) -> Result<SignedIn, Error> {
    let now = svc.clock.now();
    let pool = svc.db.pool();
    let normalized = EmailAddress::normalize(email);
    // The client's budget first: a client that is already limited creates no per-account rows.
    let ip_key = client.ip.as_deref().map(throttle::ip_key);
    if let Some(ip_key) = &ip_key
        && let Err(limited) = throttle::reserve(pool, ip_key, throttle::SIGN_IN_PER_IP, now).await
    {
        record_unowned(svc, Action::SignInThrottled, client, now).await?;
        return Err(limited);
    }
    let account_key = throttle::account_key(&normalized);
    if let Err(limited) =
        throttle::reserve(pool, &account_key, throttle::SIGN_IN_PER_ACCOUNT, now).await
    {
        if let Some(ip_key) = &ip_key {
            throttle::release(pool, ip_key).await?;
        }
        record_unowned(svc, Action::SignInThrottled, client, now).await?;
        return Err(limited);
    }

    let user = accounts::credentials_for(pool, &normalized).await?;
    let password = Password::new(password);
    let matched = svc
        .hasher
        .verify(&password, user.as_ref().map(|u| u.password_hash.as_str()))
        .await?;
    let user = match (matched, user) {
        (true, Some(user)) => user,
        (_, user) => {
            let mut conn = pool.acquire().await?;
            let event = Event {
                action: Action::SignInFailed,
                org: None,
                actor: user.map(|u| u.id),
                target: None,
                client,
            };
            audit::record(&mut conn, event, now).await?;
            tracing::info!("sign-in refused: invalid credentials");
            return Err(Error::InvalidCredentials);
        }
    };

    throttle::clear(pool, &account_key).await?;
    if let Some(ip_key) = &ip_key {
        throttle::release(pool, ip_key).await?;
    }
    throttle::purge_finished_windows(pool, now).await?;
    let mut change = Change::begin(svc).await?;
    // Writes come first in every transaction: on SQLite a transaction that read before its
    // first write could be refused (SQLITE_BUSY_SNAPSHOT) when another connection wrote meanwhile.
    if let Some(previous) = previous_token {
        end_replaced(&mut change, previous, client, now).await?;
    }
    let expired = store::end_expired(change.conn(), user.id, now).await?;
    record_ended(
        &mut change,
        user.id,
        &expired,
        EndReason::Expired,
        client,
        now,
    )
    .await?;
    store::purge_finished(change.conn(), user.id, now).await?;
    let org = orgs::landing_org(change.conn(), user.id).await?;
    let new_session = NewSession {
        user: user.id,
        org,
        credential_version: user.credential_version,
    };
    let signed_in = create(change.conn(), svc, new_session, client, now).await?;
    // A new device appears in the user's session list on every instance.
    change.invalidate(Invalidation::User(user.id)).await?;
    let surplus = store::end_surplus(change.conn(), user.id, MAX_SESSIONS_PER_USER, now).await?;
    record_ended(
        &mut change,
        user.id,
        &surplus,
        EndReason::Replaced,
        client,
        now,
    )
    .await?;
    let event = Event {
        action: Action::SignedIn,
        org,
        actor: Some(user.id),
        target: Some(format!("session:{}", signed_in.session_id)),
        client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    tracing::info!(user_id = %user.id, session_id = %signed_in.session_id, "signed in");
    Ok(signed_in)
}

async fn record_unowned(
    svc: &Services,
    action: Action,
    client: &ClientInfo,
    now: Timestamp,
) -> Result<(), Error> {
    let mut conn = svc.db.pool().acquire().await?;
    audit::record(
        &mut conn,
        Event {
            action,
            org: None,
            actor: None,
            target: None,
            client,
        },
        now,
    )
    .await?;
    tracing::info!(
        action = action.as_str(),
        "sign-in refused: too many attempts"
    );
    Ok(())
}

/// Who a new session is for.
pub(crate) struct NewSession {
    pub user: UserId,
    pub org: Option<OrgId>,
    /// The account's credential version when the password was checked.
    pub credential_version: i64,
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

/// Resolves a session cookie to the caller: from the cache when it holds the session, otherwise
/// with one query (and then cached). An expired session is ended on the way.
pub async fn resolve(svc: &Services, token: &str, client: ClientInfo) -> Result<Resolved, Error> {
    if !well_formed(token) {
        return Ok(Resolved::Unknown);
    }
    let now = svc.clock.now();
    let hash = token_hash(token);
    if let Some(cached) = svc.cache.get(&hash)
        && cached.expires_at > now
    {
        if cached.last_active_at.until(now) >= ACTIVITY_RESOLUTION {
            store::touch(svc.db.pool(), cached.session_id, now).await?;
            svc.cache.touch(&hash, now);
        }
        return Ok(Resolved::Active(Box::new(actor_of(cached, client))));
    }

    let generation = svc.cache.generation();
    let Some(row) = store::lookup(svc.db.pool(), &hash).await? else {
        return Ok(Resolved::Unknown);
    };
    let session_id = ids::from_db(&row.id, SessionId::parse)?;
    let user_id = ids::from_db(&row.user_id, UserId::parse)?;
    if let Some(reason) = row.end_reason.as_deref() {
        return Ok(Resolved::Ended(
            EndReason::parse(reason).unwrap_or(EndReason::SignedOut),
        ));
    }
    let ending = if Timestamp::from_millis(row.expires_at) <= now {
        Some(EndReason::Expired)
    } else if row.session_version != row.user_version {
        // Signed in with a password that changed meanwhile (the change raced this sign-in).
        Some(EndReason::PasswordChanged)
    } else {
        None
    };
    if let Some(reason) = ending {
        let mut change = Change::begin(svc).await?;
        end_sessions(&mut change, user_id, &[session_id], reason, &client, now).await?;
        change.commit().await?;
        return Ok(Resolved::Ended(reason));
    }
    let mut last_active_at = Timestamp::from_millis(row.last_active_at);
    if last_active_at.until(now) >= ACTIVITY_RESOLUTION {
        store::touch(svc.db.pool(), session_id, now).await?;
        last_active_at = now;
    }
    let org = match (row.org_id, row.org_name, row.role) {
        (Some(id), Some(name), Some(role)) => Some(OrgContext {
            id: ids::from_db(&id, OrgId::parse)?,
            name,
            role: Role::parse(&role)
                .ok_or_else(|| Error::internal(format!("unknown role in database: {role:?}")))?,
        }),
        _ => None,
    };
    let cached = Cached {
        session_id,
        user_id,
        name: row.name,
        email: row.email,
        org,
        expires_at: Timestamp::from_millis(row.expires_at),
        last_active_at,
    };
    svc.cache.insert(hash, cached.clone(), generation);
    Ok(Resolved::Active(Box::new(actor_of(cached, client))))
}

fn actor_of(cached: Cached, client: ClientInfo) -> Actor {
    Actor {
        user_id: cached.user_id,
        session_id: cached.session_id,
        name: cached.name,
        email: cached.email,
        org: cached.org,
        client,
    }
}

/// Signs the caller out: their current session ends.
pub async fn sign_out(svc: &Services, actor: &Actor) -> Result<(), Error> {
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

/// One of the caller's own active sessions, as listed on the Active sessions screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    pub id: SessionId,
    pub device: String,
    pub ip: Option<String>,
    pub signed_in_at: Timestamp,
    pub last_active_at: Timestamp,
    pub expires_at: Timestamp,
    pub current: bool,
}

/// The caller's active sessions: the current one first, then by last activity, newest first.
/// Any signed-in user may call it; only their own sessions are ever listed.
pub async fn list_sessions(svc: &Services, actor: &Actor) -> Result<Vec<SessionInfo>, Error> {
    let now = svc.clock.now();
    let listed = match svc.cache.list(actor.user_id) {
        Some(listed) => listed,
        None => {
            let generation = svc.cache.generation();
            let rows = store::active_of_user(svc.db.pool(), actor.user_id, now).await?;
            let listed = rows
                .into_iter()
                .map(|row| {
                    Ok(Listed {
                        id: ids::from_db(&row.id, SessionId::parse)?,
                        device: if row.device.is_empty() {
                            devices::UNKNOWN_DEVICE.into()
                        } else {
                            row.device
                        },
                        ip: row.ip,
                        signed_in_at: Timestamp::from_millis(row.created_at),
                        last_active_at: Timestamp::from_millis(row.last_active_at),
                        expires_at: Timestamp::from_millis(row.expires_at),
                    })
                })
                .collect::<Result<Vec<_>, Error>>()?;
            svc.cache
                .insert_list(actor.user_id, listed.clone(), generation);
            listed
        }
    };
    let mut sessions: Vec<SessionInfo> = listed
        .into_iter()
        .filter(|s| s.expires_at > now)
        .map(|s| SessionInfo {
            current: s.id == actor.session_id,
            id: s.id,
            device: s.device,
            ip: s.ip,
            signed_in_at: s.signed_in_at,
            last_active_at: s.last_active_at,
            expires_at: s.expires_at,
        })
        .collect();
    sessions.sort_by_key(|s| (!s.current, std::cmp::Reverse(s.last_active_at)));
    Ok(sessions)
}

/// Ends one of the caller's own sessions; ending the current one signs this device out.
///
/// Errors: `NotFound` for an id that is not one of the caller's active sessions (whoever's it is).
pub async fn revoke_session(svc: &Services, actor: &Actor, session_id: &str) -> Result<(), Error> {
    let id = SessionId::parse(session_id).ok_or(Error::NotFound)?;
    let reason = if id == actor.session_id {
        EndReason::SignedOut
    } else {
        EndReason::Revoked
    };
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let ended = end_sessions(
        &mut change,
        actor.user_id,
        &[id],
        reason,
        &actor.client,
        now,
    )
    .await?;
    if ended == 0 {
        return Err(Error::NotFound);
    }
    change.commit().await
}

/// Ends every session of the caller except the current one; returns how many ended.
pub async fn revoke_other_sessions(svc: &Services, actor: &Actor) -> Result<u64, Error> {
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    let keep = Some(actor.session_id);
    let ended = end_all_except(
        &mut change,
        actor.user_id,
        keep,
        EndReason::Revoked,
        &actor.client,
        now,
    )
    .await?;
    change.commit().await?;
    Ok(ended)
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

mod store {
    use super::*;
    use sqlx::AnyPool;

    #[derive(sqlx::FromRow)]
    pub struct SessionRow {
        pub id: String,
        pub user_id: String,
        pub org_id: Option<String>,
        pub last_active_at: i64,
        pub expires_at: i64,
        pub end_reason: Option<String>,
        pub session_version: i64,
        pub user_version: i64,
        pub name: String,
        pub email: String,
        pub role: Option<String>,
        pub org_name: Option<String>,
    }

    #[derive(sqlx::FromRow)]
    pub struct ListedRow {
        pub id: String,
        pub device: String,
        pub ip: Option<String>,
        pub created_at: i64,
        pub last_active_at: i64,
        pub expires_at: i64,
    }

    pub struct NewRow {
        pub id: SessionId,
        pub token_hash: String,
        pub user: UserId,
        pub org: Option<OrgId>,
        pub device: String,
        pub credential_version: i64,
        pub now: Timestamp,
        pub expires_at: Timestamp,
    }

    pub async fn insert(
        conn: &mut AnyConnection,
        row: &NewRow,
        client: &ClientInfo,
    ) -> Result<(), Error> {
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, org_id, user_agent, ip, device, \
             credential_version, created_at, last_active_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10)",
        )
        .bind(row.id.to_string())
        .bind(row.token_hash.as_str())
        .bind(row.user.to_string())
        .bind(row.org.map(|o| o.to_string()))
        .bind(client.user_agent.clone())
        .bind(client.ip.clone())
        .bind(row.device.as_str())
        .bind(row.credential_version)
        .bind(row.now.as_millis())
        .bind(row.expires_at.as_millis())
        .execute(conn)
        .await?;
        Ok(())
    }

    /// One query: the session, its user, and the membership in the session's organization
    /// (absent when the membership no longer exists).
    pub async fn lookup(pool: &AnyPool, token_hash: &str) -> Result<Option<SessionRow>, Error> {
        Ok(sqlx::query_as(
            "SELECT s.id, s.user_id, m.org_id, s.last_active_at, s.expires_at, s.end_reason, \
                    s.credential_version AS session_version, \
                    u.credential_version AS user_version, \
                    u.name, u.email, m.role, o.name AS org_name \
             FROM sessions s \
             JOIN users u ON u.id = s.user_id \
             LEFT JOIN memberships m ON m.org_id = s.org_id AND m.user_id = s.user_id \
             LEFT JOIN organizations o ON o.id = m.org_id \
             WHERE s.token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(pool)
        .await?)
    }

    /// Marks the active session with this token hash ended as replaced; its id and owner.
    pub async fn end_by_token_hash(
        conn: &mut AnyConnection,
        token_hash: &str,
        now: Timestamp,
    ) -> Result<Option<(SessionId, UserId)>, Error> {
        let row: Option<(String, String)> = sqlx::query_as(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 \
             WHERE token_hash = $3 AND ended_at IS NULL RETURNING id, user_id",
        )
        .bind(now.as_millis())
        .bind(EndReason::Replaced.as_str())
        .bind(token_hash)
        .fetch_optional(conn)
        .await?;
        row.map(|(id, user)| {
            Ok((
                ids::from_db(&id, SessionId::parse)?,
                ids::from_db(&user, UserId::parse)?,
            ))
        })
        .transpose()
    }

    /// Ends every active, unexpired session of `user` but `keep`; the ids it ended.
    pub async fn end_all_except(
        conn: &mut AnyConnection,
        user: UserId,
        keep: Option<SessionId>,
        reason: EndReason,
        now: Timestamp,
    ) -> Result<Vec<SessionId>, Error> {
        let ended: Vec<String> = sqlx::query_scalar(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 \
             WHERE user_id = $3 AND ended_at IS NULL AND expires_at > $1 AND id <> $4 \
             RETURNING id",
        )
        .bind(now.as_millis())
        .bind(reason.as_str())
        .bind(user.to_string())
        .bind(keep.map(|id| id.to_string()).unwrap_or_default())
        .fetch_all(conn)
        .await?;
        session_ids(&ended)
    }

    fn session_ids(texts: &[String]) -> Result<Vec<SessionId>, Error> {
        texts
            .iter()
            .map(|id| ids::from_db(id, SessionId::parse))
            .collect()
    }

    /// Ends the user's least recently active sessions beyond the first `keep`.
    pub async fn end_surplus(
        conn: &mut AnyConnection,
        user: UserId,
        keep: i64,
        now: Timestamp,
    ) -> Result<Vec<SessionId>, Error> {
        let ended: Vec<String> = sqlx::query_scalar(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 WHERE id IN ( \
               SELECT id FROM sessions WHERE user_id = $3 AND ended_at IS NULL \
               ORDER BY last_active_at DESC, created_at DESC LIMIT 1000000 OFFSET $4) \
             RETURNING id",
        )
        .bind(now.as_millis())
        .bind(EndReason::Replaced.as_str())
        .bind(user.to_string())
        .bind(keep)
        .fetch_all(conn)
        .await?;
        session_ids(&ended)
    }

    /// Ends the user's sessions that ran past their expiry without being used again.
    pub async fn end_expired(
        conn: &mut AnyConnection,
        user: UserId,
        now: Timestamp,
    ) -> Result<Vec<SessionId>, Error> {
        let ended: Vec<String> = sqlx::query_scalar(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 \
             WHERE user_id = $3 AND ended_at IS NULL AND expires_at <= $1 RETURNING id",
        )
        .bind(now.as_millis())
        .bind(EndReason::Expired.as_str())
        .bind(user.to_string())
        .fetch_all(conn)
        .await?;
        session_ids(&ended)
    }

    /// Records activity, unless another request (or instance) did within the last minute.
    pub async fn touch(pool: &AnyPool, id: SessionId, now: Timestamp) -> Result<(), Error> {
        sqlx::query(
            "UPDATE sessions SET last_active_at = $1 WHERE id = $2 AND last_active_at <= $3",
        )
        .bind(now.as_millis())
        .bind(id.to_string())
        .bind(now.minus(ACTIVITY_RESOLUTION).as_millis())
        .execute(pool)
        .await?;
        Ok(())
    }

    /// Marks an active session ended; `false` when it was not an active session of `user`.
    pub async fn end(
        conn: &mut AnyConnection,
        user: UserId,
        id: SessionId,
        reason: EndReason,
        now: Timestamp,
    ) -> Result<bool, Error> {
        let done = sqlx::query(
            "UPDATE sessions SET ended_at = $1, end_reason = $2 \
             WHERE id = $3 AND user_id = $4 AND ended_at IS NULL",
        )
        .bind(now.as_millis())
        .bind(reason.as_str())
        .bind(id.to_string())
        .bind(user.to_string())
        .execute(conn)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Forgets the user's ended and expired sessions once they are past their expiry: by then no
    /// browser still holds their cookie.
    pub async fn purge_finished(
        conn: &mut AnyConnection,
        user: UserId,
        now: Timestamp,
    ) -> Result<(), Error> {
        sqlx::query(
            "DELETE FROM sessions WHERE user_id = $1 AND ended_at IS NOT NULL AND expires_at <= $2",
        )
        .bind(user.to_string())
        .bind(now.as_millis())
        .execute(conn)
        .await?;
        Ok(())
    }

    pub async fn active_of_user(
        pool: &AnyPool,
        user: UserId,
        now: Timestamp,
    ) -> Result<Vec<ListedRow>, Error> {
        Ok(sqlx::query_as(
            "SELECT id, device, ip, created_at, last_active_at, expires_at FROM sessions \
             WHERE user_id = $1 AND ended_at IS NULL AND expires_at > $2 \
             ORDER BY last_active_at DESC LIMIT 500",
        )
        .bind(user.to_string())
        .bind(now.as_millis())
        .fetch_all(pool)
        .await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_256_bit_and_distinct() {
        let (a, b) = (SessionToken::generate(), SessionToken::generate());
        assert_ne!(a.expose(), b.expose());
        assert_eq!(
            URL_SAFE_NO_PAD.decode(a.expose()).map(|v| v.len()).ok(),
            Some(32)
        );
        assert!(well_formed(a.expose()));
        assert!(!format!("{a:?}").contains(a.expose()));
    }

    #[test]
    fn malformed_tokens_are_rejected_before_any_query() {
        assert!(!well_formed(""));
        assert!(!well_formed("short"));
        assert!(!well_formed(&"a".repeat(42)));
        assert!(!well_formed(&format!("{}'", "a".repeat(42))));
    }

    #[test]
    fn only_the_hash_is_stored() {
        let token = SessionToken::generate();
        let hash = token_hash(token.expose());
        assert_eq!(hash.len(), 64);
        assert!(!hash.contains(token.expose()));
    }
}
