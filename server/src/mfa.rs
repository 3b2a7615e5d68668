//! Multi-factor authentication as people and administrators manage it: starting enrollment
//! (after a recent proof of presence), turning MFA off (refused while an organization requires
//! it), and an administrator's reset of a member's MFA.
//!
//! The factor itself — the authenticator, backup codes, code checks and their guess limits, the
//! pending second step of sign-in — lives in [`crate::second_factor`], below [`crate::reauth`]
//! (which checks codes as proof of presence); this module sits above both and re-exports what
//! callers outside the crate use, so they keep one path: `mfa::…`.

use crate::audit::Action as Audited;
use crate::authz::{self, Action};
use crate::error::Denial;
use crate::members::{begin_member_change, finish};
use crate::notices::{self, Notice};
use crate::second_factor;
use crate::sessions;
use crate::vocab::{Actor, Caller, EndReason, Role};
use crate::{Error, Services};

mod reset;

pub use crate::second_factor::{
    BACKUP_CODE_COUNT, BACKUP_CODES_LOW, BackupCode, BackupCodes, CHALLENGE_TTL, ENROLLMENT_TTL,
    Enrollment, PendingSignIn, TotpCode, activate, confirm_enrollment, is_enabled,
    pending_sign_in_is_live, regenerate_backup_codes,
};
pub use crate::sign_in::{MfaSignedIn, verify_sign_in};
pub use reset::reset_member_mfa;

/// "Enable MFA": a new secret for the caller's authenticator app. Starting again replaces an
/// unfinished enrollment. Needs recent proof (`proof`: the password; see [`crate::reauth`]).
/// `Conflict` when MFA is already on.
pub async fn start_enrollment(
    svc: &Services,
    actor: &Caller,
    proof: Option<&str>,
) -> Result<Enrollment, Error> {
    crate::reauth::require_recent_proof(svc, actor, proof).await?;
    second_factor::begin_enrollment(svc, actor).await
}

/// Turns MFA off; needs a current code, and is refused while an organization of the caller's
/// requires MFA of them.
pub async fn disable(svc: &Services, actor: &Actor, code: &str) -> Result<(), Error> {
    second_factor::require_enabled(svc, actor.user_id).await?;
    let mut conn = svc.db.pool().acquire().await?;
    let requiring =
        crate::security_policy::organizations_requiring_mfa(&mut conn, actor.user_id).await?;
    drop(conn);
    if let Some(org) = requiring.into_iter().next() {
        return Err(Error::Forbidden(Denial::MfaRequiredToStay {
            organization: org,
        }));
    }
    second_factor::turn_off(svc, actor, code).await
}
