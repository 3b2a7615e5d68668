//! The domain's typed failures. Callers map them to what a user may see; `Internal` keeps its
//! cause for the log and must never be shown.

use std::time::Duration;

/// Per-field validation messages, in the order the fields were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, Vec<String>)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, message: impl Into<String>) {
        match self.0.iter_mut().find(|(name, _)| *name == field) {
            Some((_, messages)) => messages.push(message.into()),
            None => self.0.push((field, vec![message.into()])),
        }
    }

    /// Records every message of a failed parse under `field` and yields the value when it parsed.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, Vec<String>>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(messages) => {
                for message in messages {
                    self.add(field, message);
                }
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[String])> {
        self.0
            .iter()
            .map(|(field, messages)| (*field, messages.as_slice()))
    }

    /// `Ok(())` when nothing failed, otherwise the validation error.
    pub fn into_result(self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self))
        }
    }

    pub fn single(field: &'static str, message: impl Into<String>) -> Error {
        let mut errors = Self::default();
        errors.add(field, message);
        Error::Validation(errors)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("validation failed: {0:?}")]
    Validation(FieldErrors),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("not signed in")]
    Unauthenticated,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("not found")]
    NotFound,
    #[error("conflict: {message}")]
    Conflict {
        field: Option<&'static str>,
        message: String,
    },
    /// A link or token that existed but can no longer be used (expired, used, revoked).
    #[error("gone: {0}")]
    Gone(String),
    /// A feature this installation is not set up for (e.g. email without SMTP).
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The organization's policy requires MFA and the caller's grace period is over.
    #[error("MFA enrollment required: {0}")]
    MfaEnrollmentRequired(String),
    /// A sensitive change without a recent proof of presence (see `reauth`).
    #[error("recent proof of presence required")]
    ProofRequired,
    #[error("too many attempts; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration },
    /// The server has as much CPU-heavy work (password hashing) admitted as it allows: refused at
    /// once instead of queued without bound.
    #[error("busy; retry after {retry_after:?}")]
    Busy { retry_after: Duration },
    #[error("internal error: {0}")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn internal(cause: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Self {
        Self::Internal(cause.into())
    }
}

impl From<sqlx::Error> for Error {
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(err: sqlx::migrate::MigrateError) -> Self {
        Self::internal(err)
    }
}

/// True when the database refused a row because a unique constraint already holds that value.
pub(crate) fn is_unique_violation(err: &sqlx::Error) -> bool {
    err.as_database_error()
        .is_some_and(|db| db.is_unique_violation())
}
