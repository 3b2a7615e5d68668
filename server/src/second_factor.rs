//! An account's second factor: a TOTP authenticator plus ten single-use backup codes — setting
//! them up, checking a code, and the pending second step of a sign-in. The MFA settings that
//! need more than the factor itself (recent proof to start, an organization's policy to turn it
//! off, an administrator's reset) are in [`crate::mfa`], which also re-exports what the outside
//! sees of this module.
//!
//! - Enrollment takes three calls — start (secret, QR), confirm (a first correct code; backup
//!   codes shown once), activate — and protects nothing until the last. An abandoned one leaves
//!   MFA off and expires.
//! - The secret is sealed with the server key; a time step is accepted once; backup codes are
//!   stored as keyed hashes and used up atomically.
//! - Every code check counts against two per-account limits, whether at sign-in or in settings,
//!   both reserved before the code is checked: 5 wrong codes per 5 minutes, and failures in a
//!   row (waits from the 20th, locked at the 100th until a new password or an administrator's
//!   MFA reset; see `guesses`). A replayed code is a wrong code in every observable way.

use std::fmt;
use std::time::Duration;

use crate::audit::{self, Action as Audited, Event};
use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::{Clash, Denial, FieldErrors, Lapse, Problem};
use crate::ids::{ChallengeId, UserId};
use crate::notices::{self, Notice};
use crate::tokens::{self, Secret};
use crate::vocab::{Actor, Caller, ClientInfo};
use crate::{Error, Services};

mod backup_codes;
mod guesses;
mod store;
mod totp;

pub use backup_codes::{BackupCode, COUNT as BACKUP_CODE_COUNT, LOW as BACKUP_CODES_LOW};
use guesses::guarded;
pub(crate) use store::Challenge;
pub use totp::TotpCode;

/// How long a sign-in waits for its second step.
pub const CHALLENGE_TTL: Duration = Duration::from_secs(5 * 60);
/// How long an enrollment may take from "Enable MFA" to "Activate MFA".
pub const ENROLLMENT_TTL: Duration = Duration::from_secs(30 * 60);

/// What an authenticator app needs to be set up.
#[derive(Debug, Clone)]
pub struct Enrollment {
    /// The secret in base32, grouped by four, for typing it in.
    pub secret: String,
    pub otpauth_uri: String,
    /// The URI as a QR code, an `<svg>` element.
    pub qr_svg: String,
}

/// A new set of backup codes, in clear for the one time they are shown.
pub struct BackupCodes(Vec<String>);

impl BackupCodes {
    pub fn codes(&self) -> &[String] {
        &self.0
    }
}

impl fmt::Debug for BackupCodes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BackupCodes(<{} redacted>)", self.0.len())
    }
}

/// A sign-in whose password was right, waiting for its second step.
#[derive(Debug)]
pub struct PendingSignIn {
    /// For the browser (a cookie); the database keeps its hash.
    pub token: Secret,
    pub expires_at: Timestamp,
}

/// Which kind of code proved the second factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Proof {
    Authenticator,
    BackupCode,
}

pub async fn is_enabled(svc: &Services, user: UserId) -> Result<bool, Error> {
    store::is_enabled(svc.db.pool(), user).await
}

/// [`is_enabled`], inside the caller's transaction.
pub(crate) async fn is_enabled_in(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
) -> Result<bool, Error> {
    store::is_enabled(conn, user).await
}

/// Stores the pending state of a sign-in that needs its second step.
pub(crate) async fn begin_second_step(
    svc: &Services,
    user: UserId,
    credential_version: i64,
    organization: Option<&str>,
    via_provider: Option<&str>,
) -> Result<PendingSignIn, Error> {
    let now = svc.clock.now();
    let token = Secret::generate();
    let expires_at = now.plus(CHALLENGE_TTL);
    let organization: Option<String> = organization.map(|o| o.chars().take(64).collect());
    let challenge = store::NewChallenge {
        token_hash: &token.hash(),
        user,
        org: organization.as_deref(),
        via_provider,
        credential_version,
        now,
        expires_at,
    };
    store::insert_challenge(svc.db.pool(), challenge).await?;
    Ok(PendingSignIn { token, expires_at })
}

/// Uses up a pending sign-in inside the caller's transaction; `false` when it is gone already.
pub(crate) async fn consume_pending(
    conn: &mut sqlx::AnyConnection,
    challenge: ChallengeId,
) -> Result<bool, Error> {
    store::consume_challenge(conn, challenge).await
}

/// Whether `token` belongs to a sign-in still waiting for its second step.
pub async fn pending_sign_in_is_live(svc: &Services, token: &str) -> Result<bool, Error> {
    if !tokens::well_formed(token) {
        return Ok(false);
    }
    let now = svc.clock.now();
    let challenge = store::live_challenge(svc.db.pool(), &tokens::hash(token), now).await?;
    Ok(challenge.is_some())
}

/// Proves the second step of the pending sign-in behind `token` with `code` (an authenticator
/// or backup code, within the account's guess limits). The pending sign-in is not used up here:
/// [`crate::sign_in`] does that in the transaction that issues the session.
///
/// Errors: `Gone` when the pending sign-in expired or was used; as [`check_code`] otherwise.
pub(crate) async fn prove_pending(
    svc: &Services,
    token: &str,
    code: &str,
    client: &ClientInfo,
) -> Result<(Challenge, Proof), Error> {
    let now = svc.clock.now();
    let expired = || Error::Gone(Lapse::SignInExpired);
    if !tokens::well_formed(token) {
        return Err(expired());
    }
    let challenge = store::live_challenge(svc.db.pool(), &tokens::hash(token), now)
        .await?
        .ok_or_else(expired)?;
    let proof = check_code(svc, challenge.user, code, client).await?;
    Ok((challenge, proof))
}

/// How many unused backup codes the account has left.
pub(crate) async fn backup_codes_left(svc: &Services, user: UserId) -> Result<i64, Error> {
    let mut conn = svc.db.pool().acquire().await?;
    store::unused_backup_codes(&mut conn, user).await
}

/// "Enable MFA" once the caller proved their presence ([`crate::second_factor::start_enrollment`]): a new
/// secret for their authenticator app. Starting again replaces an unfinished enrollment.
/// `Conflict` when MFA is already on.
pub(crate) async fn begin_enrollment(svc: &Services, actor: &Caller) -> Result<Enrollment, Error> {
    let now = svc.clock.now();
    let secret = totp::generate_secret();
    let provisioning = totp::provisioning(&secret, &actor.email)?;
    let sealed = svc
        .config
        .secret_key
        .seal(&secret, &actor.user_id.to_string())?;
    let mut change = Change::begin(svc).await?;
    if !store::begin_enrollment(change.conn(), actor.user_id, &sealed, now).await? {
        return Err(already_on());
    }
    record(&mut change, actor, Audited::MfaEnrollmentStarted, now).await?;
    change.commit().await?;
    Ok(Enrollment {
        secret: provisioning.secret_base32,
        otpauth_uri: provisioning.otpauth_uri,
        qr_svg: provisioning.qr_svg,
    })
}

/// The first code from the newly set-up app proves it works; the ten backup codes are made
/// now and shown this once. MFA is still off until [`activate`].
pub async fn confirm_enrollment(
    svc: &Services,
    actor: &Caller,
    code: &str,
) -> Result<BackupCodes, Error> {
    let now = svc.clock.now();
    let user = actor.user_id;
    let code = TotpCode::parse(code)
        .ok_or_else(|| FieldErrors::single("code", Problem::MalformedTotpCode))?;
    let row = pending_enrollment(svc, user, now).await?;
    let secret = svc
        .config
        .secret_key
        .open(&row.secret_sealed, &user.to_string())?;
    guarded(svc, user, &actor.client, async {
        let Some(step) = totp::check(&secret, &code, now)? else {
            return Ok(None);
        };
        let mut conn = svc.db.pool().acquire().await?;
        Ok(store::accept_step(&mut conn, user, step, false)
            .await?
            .then_some(()))
    })
    .await?;
    let codes = backup_codes::generate();
    let mut change = Change::begin(svc).await?;
    store::mark_confirmed(change.conn(), user, now).await?;
    replace_backup_codes(&mut change, svc, user, &codes).await?;
    change.commit().await?;
    Ok(BackupCodes(codes))
}

/// "Activate MFA": turns on a confirmed enrollment.
pub async fn activate(svc: &Services, actor: &Caller) -> Result<(), Error> {
    let now = svc.clock.now();
    let row = pending_enrollment(svc, actor.user_id, now).await?;
    if row.confirmed_at.is_none() {
        return Err(FieldErrors::single("code", Problem::UnconfirmedEnrollment));
    }
    let mut change = Change::begin(svc).await?;
    if !store::enable(change.conn(), actor.user_id, now).await? {
        return Err(already_on());
    }
    change.invalidate(Invalidation::User(actor.user_id)).await?;
    record(&mut change, actor, Audited::MfaEnabled, now).await?;
    change.commit().await?;
    notices::send(svc, actor.user_id, Notice::MfaEnabled, &actor.client);
    tracing::info!(user_id = %actor.user_id, "MFA enabled");
    Ok(())
}

/// A new set of backup codes (the old set stops working); needs a current code.
pub async fn regenerate_backup_codes(
    svc: &Services,
    actor: &Actor,
    code: &str,
) -> Result<BackupCodes, Error> {
    require_enabled(svc, actor.user_id).await?;
    check_code(svc, actor.user_id, code, &actor.client).await?;
    let now = svc.clock.now();
    let codes = backup_codes::generate();
    let mut change = Change::begin(svc).await?;
    replace_backup_codes(&mut change, svc, actor.user_id, &codes).await?;
    change.invalidate(Invalidation::User(actor.user_id)).await?;
    record(&mut change, actor, Audited::MfaBackupCodesRegenerated, now).await?;
    change.commit().await?;
    notices::send(
        svc,
        actor.user_id,
        Notice::BackupCodesRegenerated,
        &actor.client,
    );
    Ok(BackupCodes(codes))
}

/// Turns MFA off once [`crate::second_factor::disable`] found no organization requiring it; needs a
/// current code.
pub(crate) async fn turn_off(svc: &Services, actor: &Actor, code: &str) -> Result<(), Error> {
    check_code(svc, actor.user_id, code, &actor.client).await?;
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    store::remove_all(change.conn(), actor.user_id).await?;
    change.invalidate(Invalidation::User(actor.user_id)).await?;
    record(&mut change, actor, Audited::MfaDisabled, now).await?;
    change.commit().await?;
    notices::send(svc, actor.user_id, Notice::MfaDisabled, &actor.client);
    tracing::info!(user_id = %actor.user_id, "MFA disabled");
    Ok(())
}

/// Removes the account's authenticator and backup codes (an administrator's reset), inside the
/// caller's transaction; `false` when it had none.
pub(crate) async fn remove_all(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
) -> Result<bool, Error> {
    store::remove_all(conn, user).await
}

/// A current authenticator or backup code as proof of presence ([`crate::reauth`]); counts
/// against the same guess limit as every code check.
pub(crate) async fn check_proof(
    svc: &Services,
    user: UserId,
    code: &str,
    client: &ClientInfo,
) -> Result<(), Error> {
    check_code(svc, user, code, client).await.map(drop)
}

/// Checks a code of an account with MFA on — an authenticator code (each time step once) or an
/// unused backup code (used up) — within the account's guess limits.
async fn check_code(
    svc: &Services,
    user: UserId,
    code: &str,
    client: &ClientInfo,
) -> Result<Proof, Error> {
    let now = svc.clock.now();
    let pool = svc.db.pool();
    if let Some(code) = TotpCode::parse(code) {
        let mut conn = pool.acquire().await?;
        let row = store::totp_of(&mut conn, user)
            .await?
            .filter(|row| row.enabled_at.is_some())
            .ok_or(Error::Forbidden(Denial::MfaNotOn))?;
        drop(conn);
        let secret = svc
            .config
            .secret_key
            .open(&row.secret_sealed, &user.to_string())?;
        guarded(svc, user, client, async {
            let Some(step) = totp::check(&secret, &code, now)? else {
                return Ok(None);
            };
            let mut conn = pool.acquire().await?;
            Ok(store::accept_step(&mut conn, user, step, true)
                .await?
                .then_some(Proof::Authenticator))
        })
        .await
    } else if let Some(code) = BackupCode::parse(code) {
        let hash = code.hash(&svc.config.secret_key, user);
        let proof = guarded(svc, user, client, async {
            let mut conn = pool.acquire().await?;
            Ok(store::use_backup_code(&mut conn, user, &hash, now)
                .await?
                .then_some(Proof::BackupCode))
        })
        .await?;
        let mut change = Change::begin(svc).await?;
        change.invalidate(Invalidation::User(user)).await?;
        let event = Event {
            action: Audited::MfaBackupCodeUsed,
            org: None,
            actor: Some(user),
            target: Some(format!("user:{user}")),
            client,
        };
        audit::record(change.conn(), event, now).await?;
        change.commit().await?;
        Ok(proof)
    } else {
        Err(FieldErrors::single("code", Problem::MalformedCode))
    }
}

/// The caller's unfinished enrollment, refused once it is older than [`ENROLLMENT_TTL`].
async fn pending_enrollment(
    svc: &Services,
    user: UserId,
    now: Timestamp,
) -> Result<store::TotpRow, Error> {
    let mut conn = svc.db.pool().acquire().await?;
    let row = store::totp_of(&mut conn, user).await?;
    match row {
        Some(row) if row.enabled_at.is_some() => Err(already_on()),
        Some(row) if Timestamp::from_millis(row.created_at).plus(ENROLLMENT_TTL) > now => Ok(row),
        Some(_) => Err(Error::Gone(Lapse::MfaSetUpExpired)),
        None => Err(Error::Gone(Lapse::NoMfaSetUp)),
    }
}

pub(crate) async fn require_enabled(svc: &Services, user: UserId) -> Result<(), Error> {
    if store::is_enabled(svc.db.pool(), user).await? {
        Ok(())
    } else {
        Err(Error::Forbidden(Denial::MfaNotOn))
    }
}

async fn replace_backup_codes(
    change: &mut Change<'_>,
    svc: &Services,
    user: UserId,
    codes: &[String],
) -> Result<(), Error> {
    let hashes: Vec<String> = codes
        .iter()
        .filter_map(|code| BackupCode::parse(code))
        .map(|code| code.hash(&svc.config.secret_key, user))
        .collect();
    store::delete_backup_codes(change.conn(), user).await?;
    store::insert_backup_codes(change.conn(), user, &hashes).await
}

async fn record(
    change: &mut Change<'_>,
    actor: &Caller,
    action: Audited,
    now: Timestamp,
) -> Result<(), Error> {
    audit::record(change.conn(), Event::about_self(action, actor), now).await
}

pub(crate) fn already_on() -> Error {
    Error::Conflict(Clash::MfaAlreadyOn)
}
