//! Proving the account's email address: opening the emailed link, and asking for a new one.

use leptos::prelude::*;

use crate::error::AppError;

/// Opens a verification link (the last part of `/verify-email/<token>`). No session needed.
#[server(prefix = "/api", endpoint = "verify_email")]
pub async fn verify_email(token: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let request = ctx::client()?;
    gatehouse_server::email_verification::verify_email(&svc, &token, &request.client)
        .await
        .map_err(|err| match err {
            gatehouse_server::Error::NotFound => AppError::new(
                crate::error::ErrorCode::NotFound,
                "This verification link is not valid. Sign in and send a new link.",
            ),
            other => other.into(),
        })
}

/// Emails the signed-in user a new verification link; a form post goes back to `next`.
#[server(prefix = "/api", endpoint = "resend_verification_email")]
pub async fn resend_verification_email(next: Option<String>) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let caller = ctx::require_caller_enrolling()?;
    gatehouse_server::email_verification::resend_verification_email(&svc, &caller).await?;
    ctx::redirect_form_post(&crate::paths::safe_next(next.as_deref()));
    Ok(())
}
