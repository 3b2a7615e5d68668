//! The error every server function returns: what a user may see, nothing more.
//! Its JSON form (`{code, message, fields?, retry_after?, request_id?}`) is part of the API.

use std::collections::BTreeMap;
use std::fmt;

use leptos::server_fn::Encodes;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod wording;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    Validation,
    InvalidCredentials,
    Unauthenticated,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    /// The password was right; the account's second factor is next (`/login/mfa`).
    MfaRequired,
    /// The organization requires MFA and the grace period is over: enroll first.
    MfaEnrollmentRequired,
    /// A sensitive change needs the password or a current code (`proof`) first.
    ReauthenticationRequired,
    RateLimited,
    PayloadTooLarge,
    Internal,
    /// This installation is not set up for the feature (e.g. email without SMTP).
    Unavailable,
    /// The server has as much password hashing queued as it allows: retry after `retry_after`.
    Busy,
    /// The server could not be reached or answered something unreadable (client side only).
    Network,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppError {
    pub code: ErrorCode,
    /// The exact sentence shown to the user.
    pub message: String,
    /// Per-field messages for `validation` (and a `conflict` tied to one field).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fields: BTreeMap<String, Vec<String>>,
    /// Seconds until a `rate_limited` or `busy` request may be retried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
    /// For `internal`: the id to quote when reporting the problem.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// For `unauthenticated`: why the session ended (`revoked`, `password_changed`, `expired`,
    /// `signed_out`, `replaced_by_new_sign_in`), when the request carried an ended session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signed_out: Option<String>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            fields: BTreeMap::new(),
            retry_after: None,
            request_id: None,
            signed_out: None,
        }
    }

    pub fn unauthenticated() -> Self {
        Self::new(ErrorCode::Unauthenticated, "Please sign in to continue.")
    }

    #[cfg(feature = "ssr")]
    pub fn session_ended(reason: gatehouse_server::EndReason) -> Self {
        let mut error = Self::new(
            ErrorCode::Unauthenticated,
            signed_out_message(reason.as_str()),
        );
        error.signed_out = Some(reason.as_str().to_string());
        error
    }

    /// Messages for one form field.
    pub fn field(&self, name: &str) -> &[String] {
        self.fields.get(name).map(Vec::as_slice).unwrap_or_default()
    }

    /// The HTTP status a fetch caller receives.
    pub fn status(&self) -> u16 {
        match self.code {
            ErrorCode::BadRequest => 400,
            ErrorCode::Validation => 422,
            ErrorCode::InvalidCredentials | ErrorCode::Unauthenticated | ErrorCode::MfaRequired => {
                401
            }
            ErrorCode::Forbidden
            | ErrorCode::MfaEnrollmentRequired
            | ErrorCode::ReauthenticationRequired => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::Conflict => 409,
            ErrorCode::Gone => 410,
            ErrorCode::RateLimited => 429,
            ErrorCode::PayloadTooLarge => 413,
            ErrorCode::Internal => 500,
            ErrorCode::Unavailable | ErrorCode::Busy => 503,
            ErrorCode::Network => 502,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    /// Encoding is where an error becomes a server function's answer, whichever code made it
    /// (the domain conversion below, the caller checks in `ctx`, a malformed request): on the
    /// server the response takes its status here (see [`crate::ctx::answer_with`]). The body is
    /// the default encoding.
    fn ser(&self) -> leptos::server_fn::Bytes {
        #[cfg(feature = "ssr")]
        crate::ctx::answer_with(self);
        Self::Encoder::encode(self).unwrap_or_else(|e| {
            let fallback =
                Self::from_server_fn_error(ServerFnErrorErr::Serialization(e.to_string()));
            Self::Encoder::encode(&fallback).unwrap_or_default()
        })
    }

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // On the server this is the request body; axum's body limit reports itself this way.
            ServerFnErrorErr::Deserialization(cause) if cause.contains("length limit") => {
                Self::new(ErrorCode::PayloadTooLarge, "The request is too large.")
            }
            ServerFnErrorErr::Args(_)
            | ServerFnErrorErr::MissingArg(_)
            | ServerFnErrorErr::Deserialization(_) => Self::new(
                ErrorCode::BadRequest,
                "The request is missing a field or has one in the wrong format.",
            ),
            ServerFnErrorErr::Request(_) => Self::new(
                ErrorCode::Network,
                "Could not reach the server. Check your connection and try again.",
            ),
            _ => Self::new(
                ErrorCode::Internal,
                "Something went wrong on our side. Please try again.",
            ),
        }
    }
}

/// What a device is told when its session was ended elsewhere (or ran out).
pub fn signed_out_message(reason: &str) -> &'static str {
    match reason {
        "revoked" => "You were signed out from another device.",
        "password_changed" => {
            "Your password was changed on another device. Sign in with the new password."
        }
        "expired" => "Your session expired. Please sign in again.",
        "deactivated" => "This account has been deactivated.",
        "password_reset" => "Your password was reset. Sign in with the new password.",
        "mfa_reset" => {
            "An administrator reset your multi-factor authentication. Sign in again to continue."
        }
        "idle" => "You were signed out after a long time without activity. Please sign in again.",
        "sign_in_restricted" => {
            "Your organization now requires signing in with its identity provider. Sign in \
             again with it to continue."
        }
        "second_factor_required" => {
            "Your organization asks for your second factor. Sign in again with your \
             authentication code to continue."
        }
        "email_claimed" => {
            "The owner of this email address signed in with a provider that verified it, so \
             the account's password was removed. Sign in with that provider."
        }
        _ => "You were signed out. Please sign in again.",
    }
}

/// What a `busy` answer says.
pub const BUSY: &str = "The server is busy right now. Please try again in a moment.";

/// "Too many attempts, try again in N minutes" (rounded up, at least one); waits over an hour and
/// a half in hours (a second factor's waits last hours).
pub fn retry_message(retry_after_secs: u64) -> String {
    let minutes = retry_after_secs.div_ceil(60).max(1);
    let (count, unit) = match minutes {
        1 => (1, "minute"),
        ..=90 => (minutes, "minutes"),
        _ => (minutes.div_ceil(60), "hours"),
    };
    format!("Too many attempts, try again in {count} {unit}")
}

#[cfg(feature = "ssr")]
impl From<gatehouse_server::Error> for AppError {
    fn from(err: gatehouse_server::Error) -> Self {
        use gatehouse_server::Error as E;
        match err {
            E::Validation(fields) => {
                let mut out = Self::new(
                    ErrorCode::Validation,
                    "Please correct the highlighted fields.",
                );
                for (field, problems) in fields.iter() {
                    let messages = problems.iter().map(wording::problem).collect();
                    out.fields.insert(field.to_string(), messages);
                }
                out
            }
            E::InvalidCredentials => {
                Self::new(ErrorCode::InvalidCredentials, "Invalid email or password")
            }
            E::Unauthenticated => Self::unauthenticated(),
            E::Forbidden(denial) => Self::new(ErrorCode::Forbidden, wording::denial(&denial)),
            E::NotFound => Self::new(
                ErrorCode::NotFound,
                "That item does not exist or is not yours.",
            ),
            E::Conflict(clash) => {
                let message = wording::clash(&clash);
                let mut out = Self::new(ErrorCode::Conflict, message.clone());
                if let Some(field) = clash.field() {
                    out.fields.insert(field.to_string(), vec![message]);
                }
                out
            }
            E::Gone(lapse) => Self::new(ErrorCode::Gone, wording::lapse(lapse)),
            E::ProofRequired => Self::new(
                ErrorCode::ReauthenticationRequired,
                "Confirm it's you: enter your password or a current authentication code.",
            ),
            E::MfaEnrollmentRequired => Self::new(
                ErrorCode::MfaEnrollmentRequired,
                wording::MFA_ENROLLMENT_REQUIRED,
            ),
            E::Unavailable(feature) => Self::new(ErrorCode::Unavailable, wording::feature(feature)),
            E::RateLimited { retry_after } => {
                let secs = retry_after.as_secs().max(1);
                let mut out = Self::new(ErrorCode::RateLimited, retry_message(secs));
                out.retry_after = Some(secs);
                out
            }
            E::Busy { retry_after } => {
                let mut out = Self::new(ErrorCode::Busy, BUSY);
                out.retry_after = Some(retry_after.as_secs().max(1));
                out
            }
            E::Internal(cause) => {
                let request_id = crate::ctx::request_id();
                tracing::error!(request_id = request_id.as_deref().unwrap_or("-"), error = %cause, "internal error");
                let mut out = Self::new(
                    ErrorCode::Internal,
                    "Something went wrong on our side. Please try again.",
                );
                out.request_id = request_id;
                out
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_minutes_round_up() {
        assert_eq!(retry_message(1), "Too many attempts, try again in 1 minute");
        assert_eq!(
            retry_message(61),
            "Too many attempts, try again in 2 minutes"
        );
        assert_eq!(
            retry_message(900),
            "Too many attempts, try again in 15 minutes"
        );
        assert_eq!(
            retry_message(3600),
            "Too many attempts, try again in 60 minutes"
        );
        assert_eq!(
            retry_message(23 * 3600 + 1),
            "Too many attempts, try again in 24 hours"
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn a_busy_server_answers_503_with_a_retry_after() {
        let busy = AppError::from(gatehouse_server::Error::Busy {
            retry_after: std::time::Duration::from_secs(1),
        });
        assert_eq!((busy.code, busy.status()), (ErrorCode::Busy, 503));
        assert_eq!(busy.retry_after, Some(1));
        let json = serde_json::to_string(&busy);
        assert_eq!(
            json.ok().as_deref(),
            Some(
                r#"{"code":"busy","message":"The server is busy right now. Please try again in a moment.","retry_after":1}"#
            )
        );
    }

    #[cfg(feature = "ssr")]
    #[test]
    fn domain_kinds_become_the_code_status_and_words_users_see() {
        use gatehouse_server::error::{Clash, Denial, Feature, Lapse, Private, Problem};
        use gatehouse_server::{Error as E, FieldErrors};

        let mut fields = FieldErrors::default();
        fields.add("password", Problem::TooShort { min: 8 });
        fields.add("password", Problem::NeedsDigit);
        fields.add("email", Problem::InvalidEmail);
        let invalid = AppError::from(E::Validation(fields));
        assert_eq!(
            (invalid.code, invalid.status()),
            (ErrorCode::Validation, 422)
        );
        assert_eq!(invalid.message, "Please correct the highlighted fields.");
        assert_eq!(
            invalid.field("password"),
            ["Use at least 8 characters", "Add a digit"]
        );
        assert_eq!(
            invalid.field("email"),
            ["Enter an email address like name@example.com"]
        );

        let pending = AppError::from(E::Conflict(Clash::InvitationPending {
            email: Private("x@example.com".into()),
        }));
        let sentence = "An invitation to x@example.com is already pending: resend it from the \
                        list instead.";
        assert_eq!((pending.code, pending.status()), (ErrorCode::Conflict, 409));
        assert_eq!(pending.message, sentence);
        assert_eq!(pending.field("email"), [sentence]);
        let verified = AppError::from(E::Conflict(Clash::EmailAlreadyVerified));
        assert!(verified.fields.is_empty(), "{verified:?}");

        let cases = [
            (
                E::Forbidden(Denial::LastOwner),
                ErrorCode::Forbidden,
                403,
                "This is the organization's last Owner: make someone else Owner first.",
            ),
            (
                E::Gone(Lapse::InvitationRevoked),
                ErrorCode::Gone,
                410,
                "This invitation was revoked.",
            ),
            (
                E::Unavailable(Feature::EmailVerification),
                ErrorCode::Unavailable,
                503,
                "Email verification is not set up here.",
            ),
            (
                E::MfaEnrollmentRequired,
                ErrorCode::MfaEnrollmentRequired,
                403,
                "Your organization requires multi-factor authentication. Set up MFA in \
                 Settings → Security to continue.",
            ),
        ];
        for (domain, code, status, message) in cases {
            let told = AppError::from(domain);
            assert_eq!(
                (told.code, told.status(), told.message.as_str()),
                (code, status, message)
            );
            assert!(told.fields.is_empty(), "{told:?}");
        }
    }

    #[test]
    fn json_shape_is_stable() {
        let json = serde_json::to_string(&AppError::new(
            ErrorCode::InvalidCredentials,
            "Invalid email or password",
        ));
        assert_eq!(
            json.ok().as_deref(),
            Some(r#"{"code":"invalid_credentials","message":"Invalid email or password"}"#)
        );
    }
}
