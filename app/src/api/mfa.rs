//! Multi-factor authentication: enrollment (start, confirm, activate), the second step of
//! sign-in, backup codes, turning MFA off, and an administrator's reset of a member's MFA.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::api::auth::SignedInUser;
use crate::error::AppError;

/// At or below this many unused backup codes, the user is urged to make new ones (the server's
/// `mfa::BACKUP_CODES_LOW`; a test keeps the two equal).
pub const BACKUP_CODES_LOW: i64 = 3;

/// What an authenticator app needs: the secret (base32, grouped by four), the `otpauth://`
/// URI, and that URI as a QR code (an `<svg>` element).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MfaEnrollmentView {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_svg: String,
}

/// Ten single-use backup codes, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupCodesView {
    pub backup_codes: Vec<String>,
}

#[cfg(feature = "ssr")]
impl From<gatehouse_server::mfa::BackupCodes> for BackupCodesView {
    fn from(codes: gatehouse_server::mfa::BackupCodes) -> Self {
        Self {
            backup_codes: codes.codes().to_vec(),
        }
    }
}

/// "Enable MFA": a new secret for the caller's authenticator app (nothing is on yet).
#[server(prefix = "/api", endpoint = "start_mfa_enrollment")]
pub async fn start_mfa_enrollment(proof: Option<String>) -> Result<MfaEnrollmentView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller_enrolling()?;
    let enrollment =
        gatehouse_server::mfa::start_enrollment(&svc, &actor, proof.as_deref()).await?;
    Ok(MfaEnrollmentView {
        secret: enrollment.secret,
        otpauth_uri: enrollment.otpauth_uri,
        qr_svg: enrollment.qr_svg,
    })
}

/// The first 6-digit code from the app: answers the backup codes (MFA is still off).
#[server(prefix = "/api", endpoint = "confirm_mfa_enrollment")]
pub async fn confirm_mfa_enrollment(code: String) -> Result<BackupCodesView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller_enrolling()?;
    Ok(
        gatehouse_server::mfa::confirm_enrollment(&svc, &actor, &code)
            .await?
            .into(),
    )
}

/// "Activate MFA": turns the confirmed enrollment on; answers the caller as they now are.
#[server(prefix = "/api", endpoint = "activate_mfa")]
pub async fn activate_mfa() -> Result<SignedInUser, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller_enrolling()?;
    gatehouse_server::mfa::activate(&svc, &actor).await?;
    let actor = ctx::caller_after_change(&svc).await?;
    ctx::redirect_form_post(&crate::saved::Saved::MfaOn.location());
    Ok(SignedInUser::of(&actor, svc.clock.now()))
}

/// The second step of sign-in: an authenticator code or a backup code for the sign-in pending
/// in this browser. Completes it like `sign_in`; a form post then goes to `next`.
#[server(prefix = "/api", endpoint = "verify_mfa")]
pub async fn verify_mfa(code: String, next: Option<String>) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let request = ctx::client()?;
    let token = ctx::mfa_cookie().unwrap_or_default();
    let verified = gatehouse_server::mfa::verify_sign_in(
        &svc,
        &token,
        &code,
        &request.client,
        request.session_cookie.as_deref(),
    )
    .await;
    let verified = match verified {
        Ok(verified) => verified,
        Err(err) => {
            if matches!(err, gatehouse_server::Error::Gone(_)) {
                ctx::clear_mfa_cookie();
            }
            return Err(err.into());
        }
    };
    ctx::clear_mfa_cookie();
    let next = crate::paths::safe_next(next.as_deref());
    crate::api::auth::start_session(&svc, verified.signed_in, request.client, &next).await
}

/// Whether this browser holds a sign-in waiting for its second step.
#[server(prefix = "/api", endpoint = "pending_mfa_sign_in")]
pub async fn pending_mfa_sign_in() -> Result<bool, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let Some(token) = ctx::mfa_cookie() else {
        return Ok(false);
    };
    Ok(gatehouse_server::mfa::pending_sign_in_is_live(&svc, &token).await?)
}

/// A new set of backup codes (the old set stops working); needs a current code.
#[server(prefix = "/api", endpoint = "regenerate_backup_codes")]
pub async fn regenerate_backup_codes(code: String) -> Result<BackupCodesView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    Ok(
        gatehouse_server::mfa::regenerate_backup_codes(&svc, &actor, &code)
            .await?
            .into(),
    )
}

/// Turns MFA off; needs a current code. Refused while an organization requires MFA.
#[server(prefix = "/api", endpoint = "disable_mfa")]
pub async fn disable_mfa(code: String) -> Result<SignedInUser, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::mfa::disable(&svc, &actor, &code).await?;
    let actor = ctx::caller_after_change(&svc).await?;
    ctx::redirect_form_post(&crate::saved::Saved::MfaOff.location());
    Ok(SignedInUser::of(&actor, svc.clock.now()))
}

/// "Reset MFA" for a member of the caller's organization (Owners and Admins).
#[server(prefix = "/api", endpoint = "reset_member_mfa")]
pub async fn reset_member_mfa(user_id: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    gatehouse_server::mfa::reset_member_mfa(&svc, &actor, &user_id).await?;
    ctx::redirect_form_post(&crate::saved::Saved::MfaReset.location());
    Ok(())
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn the_low_backup_code_mark_matches_the_server() {
        assert_eq!(
            super::BACKUP_CODES_LOW,
            gatehouse_server::mfa::BACKUP_CODES_LOW
        );
    }
}
