//! Security notices: an email to an account's owner whenever its protection changed or it was
//! reached from a new device, so that a change they did not make does not go unnoticed. Each says
//! what happened, when, from which device and address, and what to do if it was not them.
//!
//! Sent only with SMTP configured, after the change committed, in the background: a notice never
//! delays or fails the change it reports, and its delivery is not observable by the caller.

use crate::clock::Timestamp;
use crate::ids::UserId;

use crate::vocab::ClientInfo;
use crate::{Error, Services, mail};

/// What happened to the account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    PasswordChanged,
    PasswordReset,
    MfaEnabled,
    MfaDisabled,
    /// An administrator of the named organization reset the account's MFA.
    MfaReset {
        organization: String,
    },
    /// The server's operator reset the account's MFA on the command line.
    MfaResetByOperator,
    BackupCodesRegenerated,
    /// A sign-in provider (by its display name) was linked or unlinked.
    ProviderLinked {
        provider: String,
    },
    ProviderUnlinked {
        provider: String,
    },
    /// A sign-in from a device this account had not used before.
    NewDevice,
    /// Too many wrong second-factor codes: code checks are locked for a while, or for good.
    SecondFactorLocked {
        until: Option<Timestamp>,
    },
}

impl Notice {
    /// The subject line, and the sentence saying what happened.
    fn describe(&self) -> (String, String) {
        match self {
            Notice::PasswordChanged => (
                "Your Gatehouse password was changed".into(),
                "The password of your Gatehouse account was changed.".into(),
            ),
            Notice::PasswordReset => (
                "Your Gatehouse password was reset".into(),
                "The password of your Gatehouse account was reset through a reset link.".into(),
            ),
            Notice::MfaEnabled => (
                "Multi-factor authentication is on".into(),
                "Multi-factor authentication was turned on for your Gatehouse account.".into(),
            ),
            Notice::MfaDisabled => (
                "Multi-factor authentication is off".into(),
                "Multi-factor authentication was turned off for your Gatehouse account.".into(),
            ),
            Notice::MfaReset { organization } => (
                "Your multi-factor authentication was reset".into(),
                format!(
                    "An administrator of {organization} reset the multi-factor authentication of \
                     your Gatehouse account: your authenticator and backup codes no longer work."
                ),
            ),
            Notice::MfaResetByOperator => (
                "Your multi-factor authentication was reset".into(),
                "The operator of this Gatehouse server reset the multi-factor authentication of \
                 your account: your authenticator and backup codes no longer work, and every \
                 session of the account was signed out."
                    .into(),
            ),
            Notice::BackupCodesRegenerated => (
                "New backup codes were made".into(),
                "New backup codes were made for your Gatehouse account; the old ones no longer \
                 work."
                    .into(),
            ),
            Notice::ProviderLinked { provider } => (
                format!("{provider} was linked to your Gatehouse account"),
                format!("{provider} can now sign in to your Gatehouse account."),
            ),
            Notice::ProviderUnlinked { provider } => (
                format!("{provider} was unlinked from your Gatehouse account"),
                format!("{provider} can no longer sign in to your Gatehouse account."),
            ),
            Notice::NewDevice => (
                "New sign-in to your Gatehouse account".into(),
                "Your Gatehouse account was signed in to from a device it had not used before."
                    .into(),
            ),
            Notice::SecondFactorLocked { until } => (
                "Sign-in codes for your Gatehouse account are locked".into(),
                match until {
                    Some(until) => format!(
                        "Too many wrong authentication codes were entered for your Gatehouse \
                         account, after its password was accepted. Codes are refused until {}.",
                        human_time(*until)
                    ),
                    None => "Too many wrong authentication codes were entered for your Gatehouse \
                             account, after its password was accepted. Codes are refused until \
                             its password is reset or an administrator resets its MFA."
                        .into(),
                },
            ),
        }
    }

    /// What to do when it was not them.
    fn advice(&self) -> &'static str {
        match self {
            Notice::SecondFactorLocked { .. } => {
                "Someone who knows your password is trying to get in: change your password now \
                 (or use \"Forgot password?\" on the sign-in page)."
            }
            Notice::NewDevice => {
                "If this was not you, change your password now and sign out the device under \
                 Settings → Sessions."
            }
            _ => {
                "If this was not you, reset your password now with \"Forgot password?\" on the \
                 sign-in page, then review Settings → Security and Settings → Sessions."
            }
        }
    }
}

/// Sends `notice` to `user`'s email in the background, when SMTP is configured. `client` is the
/// device and address the change came from.
pub fn send(svc: &Services, user: UserId, notice: Notice, client: &ClientInfo) {
    if !svc.mailer.is_configured() {
        return;
    }
    let svc = svc.clone();
    let client = client.clone();
    let at = svc.clock.now();
    tokio::spawn(async move {
        if let Err(err) = deliver(&svc, user, &notice, &client, at).await {
            tracing::warn!(user_id = %user, "security notice not sent: {err}");
        }
    });
}

/// Like [`send`], but delivered before it returns: for the command line, whose process ends
/// right after the change (a background delivery would die with it). Still never fails the
/// change: a delivery failure is logged, and `false` returned.
pub(crate) async fn send_now(
    svc: &Services,
    user: UserId,
    notice: Notice,
    client: &ClientInfo,
) -> bool {
    if !svc.mailer.is_configured() {
        return false;
    }
    match deliver(svc, user, &notice, client, svc.clock.now()).await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(user_id = %user, "security notice not sent: {err}");
            false
        }
    }
}

async fn deliver(
    svc: &Services,
    user: UserId,
    notice: &Notice,
    client: &ClientInfo,
    at: Timestamp,
) -> Result<(), Error> {
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user.to_string())
        .fetch_optional(svc.db.pool())
        .await?;
    let Some(email) = email else {
        return Ok(());
    };
    let (subject, what) = notice.describe();
    let facts = mail::NoticeFacts {
        what: &what,
        when: &human_time(at),
        device: &crate::devices::of(client),
        ip: client.ip.as_deref().unwrap_or("unknown"),
        advice: notice.advice(),
        settings_link: &format!("{}/settings/security", svc.config.public_url),
    };
    svc.mailer
        .send(mail::security_notice(&email, &subject, &facts))
        .await
}

/// "2026-11-30 11:22 UTC".
fn human_time(at: Timestamp) -> String {
    at.to_minute_utc()
}

/// Remembers that `user` signed in from `device` at `now`; whether it is new for them: not seen
/// before, on an account that has signed in before (its first device is no news).
pub(crate) async fn remember_device(
    conn: &mut sqlx::AnyConnection,
    user: UserId,
    device: &str,
    now: Timestamp,
) -> Result<bool, Error> {
    let (known, this_one): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN device = $2 THEN 1 ELSE 0 END), 0) \
         FROM known_devices WHERE user_id = $1",
    )
    .bind(user.to_string())
    .bind(device)
    .fetch_one(&mut *conn)
    .await?;
    // Accounts from before devices were remembered, and sign-up's own session, count too.
    let (sessions, on_this_one): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN device = $2 THEN 1 ELSE 0 END), 0) \
         FROM sessions WHERE user_id = $1",
    )
    .bind(user.to_string())
    .bind(device)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO known_devices (user_id, device, last_seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (user_id, device) DO UPDATE SET last_seen_at = excluded.last_seen_at",
    )
    .bind(user.to_string())
    .bind(device)
    .bind(now.as_millis())
    .execute(&mut *conn)
    .await?;
    Ok(this_one == 0 && on_this_one == 0 && known + sessions > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_minutes_in_utc() {
        assert_eq!(
            human_time(Timestamp::from_millis(1_796_428_800_000)),
            "2026-12-05 00:00 UTC"
        );
    }

    #[test]
    fn every_notice_says_what_and_what_to_do() {
        let all = [
            Notice::PasswordChanged,
            Notice::PasswordReset,
            Notice::MfaEnabled,
            Notice::MfaDisabled,
            Notice::MfaReset {
                organization: "Acme".into(),
            },
            Notice::MfaResetByOperator,
            Notice::BackupCodesRegenerated,
            Notice::ProviderLinked {
                provider: "Google".into(),
            },
            Notice::ProviderUnlinked {
                provider: "Google".into(),
            },
            Notice::NewDevice,
            Notice::SecondFactorLocked { until: None },
        ];
        for notice in all {
            let (subject, what) = notice.describe();
            assert!(!subject.is_empty() && what.ends_with('.'), "{notice:?}");
            assert!(notice.advice().contains("password"), "{notice:?}");
        }
    }
}
