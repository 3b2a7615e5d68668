//! Forgotten passwords: ask for a reset link by email, look at a link, set the new password.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What the sign-in pages may offer on this installation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthOptions {
    /// Whether "Forgot password?" can email a link (SMTP is configured).
    pub password_reset_by_email: bool,
}

/// The account a reset link is for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResetLinkInfo {
    pub email: String,
}

#[server(prefix = "/api", endpoint = "sign_in_options")]
pub async fn sign_in_options() -> Result<AuthOptions, AppError> {
    let svc = crate::ctx::services()?;
    Ok(AuthOptions {
        password_reset_by_email: gatehouse_server::password_resets::by_email_available(&svc),
    })
}

/// Emails a reset link when an account has `email`; the answer is the same either way.
#[server(prefix = "/api", endpoint = "request_password_reset")]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let request = ctx::client()?;
    gatehouse_server::password_resets::request_password_reset(&svc, &email, &request.client)
        .await?;
    ctx::redirect_form_post("/forgot-password?sent=1");
    Ok(())
}

#[server(prefix = "/api", endpoint = "reset_link_status")]
pub async fn reset_link_status(token: String) -> Result<ResetLinkInfo, AppError> {
    let svc = crate::ctx::services()?;
    let email = gatehouse_server::password_resets::reset_link_email(&svc, &token)
        .await
        .map_err(not_valid)?;
    Ok(ResetLinkInfo { email })
}

/// Sets the new password; every session of the account ends, this browser's included.
#[server(prefix = "/api", endpoint = "reset_password")]
pub async fn reset_password(token: String, new_password: String) -> Result<(), AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let request = ctx::client()?;
    gatehouse_server::password_resets::reset_password(&svc, &token, &new_password, &request.client)
        .await
        .map_err(not_valid)?;
    ctx::redirect_form_post("/login?reset=done");
    Ok(())
}

#[cfg(feature = "ssr")]
fn not_valid(err: gatehouse_server::Error) -> AppError {
    match err {
        gatehouse_server::Error::NotFound => AppError::new(
            crate::error::ErrorCode::NotFound,
            "This reset link is not valid. Ask for a new one.",
        ),
        other => other.into(),
    }
}
