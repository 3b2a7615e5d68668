//! Recent proof for sensitive changes: starting MFA enrollment, unlinking a sign-in provider,
//! changing the sign-in restriction or the security policy need the session to have proved its
//! owner is present within the last ten minutes — by signing in, or by giving the password or a
//! current authentication (or backup) code along with the change. A stolen session cookie alone
//! therefore cannot lock the owner out. (Turning MFA off and new backup codes always take a code.)
//!
//! Guesses count against the same per-account limits as sign-in (password) and the second step
//! (codes).

use std::time::Duration;

use crate::cache::{Change, Invalidation};
use crate::clock::Timestamp;
use crate::error::Problem;
use crate::passwords::Password;
use crate::second_factor::{BackupCode, TotpCode};
use crate::users::EmailAddress;

use crate::vocab::Caller;
use crate::{Error, FieldErrors, Services, throttle};

/// How long a proof counts.
pub const WINDOW: Duration = Duration::from_secs(10 * 60);

/// Whether the caller's session proved its owner within [`WINDOW`] of `now`.
pub fn is_recent(caller: &Caller, now: Timestamp) -> bool {
    caller.proven_at.until(now) < WINDOW
}

/// Passes when the session proved itself recently, or when `proof` is the account's password
/// or a current code (which then counts for the next ten minutes).
///
/// Errors: `ProofRequired` without a recent proof or a `proof`; `Validation` (field `proof`)
/// for a wrong one; `RateLimited` past the account's guess limits.
pub async fn require_recent_proof(
    svc: &Services,
    caller: &Caller,
    proof: Option<&str>,
) -> Result<(), Error> {
    if is_recent(caller, svc.clock.now()) {
        return Ok(());
    }
    let Some(proof) = proof.map(str::trim).filter(|p| !p.is_empty()) else {
        return Err(Error::ProofRequired);
    };
    let looks_like_code = TotpCode::parse(proof).is_some() || BackupCode::parse(proof).is_some();
    if looks_like_code && crate::second_factor::is_enabled(svc, caller.user_id).await? {
        crate::second_factor::check_proof(svc, caller.user_id, proof, &caller.client)
            .await
            .map_err(|err| match err {
                Error::Validation(_) => FieldErrors::single("proof", Problem::WrongProof),
                other => other,
            })?;
    } else {
        check_password(svc, caller, proof).await?;
    }
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    sqlx::query("UPDATE sessions SET proven_at = $1 WHERE id = $2")
        .bind(now.as_millis())
        .bind(caller.session_id.to_string())
        .execute(change.conn())
        .await?;
    change
        .invalidate(Invalidation::Session(caller.session_id))
        .await?;
    change.commit().await
}

async fn check_password(svc: &Services, caller: &Caller, password: &str) -> Result<(), Error> {
    let pool = svc.db.pool();
    let email = EmailAddress::normalize(&caller.email);
    let key = throttle::account_key(&email);
    throttle::reserve(pool, &key, throttle::SIGN_IN_PER_ACCOUNT, svc.clock.now()).await?;
    let stored = crate::users::credentials_for(pool, &email)
        .await?
        .map(|user| user.password_hash)
        .filter(|hash| !hash.is_empty());
    let matched = match svc
        .hasher
        .verify(&Password::new(password), stored.as_deref())
        .await
    {
        Ok(matched) => matched && stored.is_some(),
        Err(err) => {
            // Not checked (e.g. `Busy`): no guess was made.
            throttle::release(pool, &key).await?;
            return Err(err);
        }
    };
    if !matched {
        return Err(FieldErrors::single("proof", Problem::WrongProof));
    }
    throttle::clear(pool, &key).await
}
