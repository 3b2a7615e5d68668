//! Outgoing email over SMTP (lettre). Optional: without `GATEHOUSE_SMTP_URL` nothing is sent and
//! callers fall back to showing links to an administrator.

use std::sync::Arc;
use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use prometheus_client::metrics::counter::Counter;

use crate::Error;

mod templates;

pub use templates::{
    NoticeFacts, access_review_due, email_verification, invitation, key_expiring, password_reset,
    security_notice,
};

/// How long one delivery may take before it counts as failed.
const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Where and as whom mail is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// `smtp://host:port` (plain), `smtp://…?tls=required` (STARTTLS) or `smtps://…`, with
    /// optional `user:password@`.
    pub smtp_url: String,
    /// The From header, e.g. `Gatehouse <no-reply@example.com>`.
    pub from: String,
}

/// One message, with a plain-text and an HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Sends mail, or knows that it cannot.
#[derive(Clone)]
pub struct Mailer {
    smtp: Option<Arc<Smtp>>,
    /// Messages the SMTP server accepted, and those it refused or never took (`metrics`).
    pub(crate) sent: Counter,
    pub(crate) failed: Counter,
}

struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl Mailer {
    /// Checks the settings without connecting; the error names the variable at fault.
    pub fn check(smtp_url: &str, from: &str) -> Result<(), (&'static str, String)> {
        AsyncSmtpTransport::<Tokio1Executor>::from_url(smtp_url.trim()).map_err(|err| {
            (
                "GATEHOUSE_SMTP_URL",
                format!("not an SMTP URL such as smtp://host:587?tls=required ({err})"),
            )
        })?;
        from.trim().parse::<Mailbox>().map_err(|err| {
            (
                "GATEHOUSE_MAIL_FROM",
                format!("not a mailbox such as \"Gatehouse <no-reply@example.com>\" ({err})"),
            )
        })?;
        Ok(())
    }

    pub fn new(settings: Option<&MailSettings>) -> Result<Self, Error> {
        let Some(settings) = settings else {
            return Ok(Self::with(None));
        };
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&settings.smtp_url)
            .map_err(Error::internal)?
            .timeout(Some(SEND_TIMEOUT))
            .build();
        let from = settings.from.parse().map_err(Error::internal)?;
        Ok(Self::with(Some(Arc::new(Smtp { transport, from }))))
    }

    fn with(smtp: Option<Arc<Smtp>>) -> Self {
        Self {
            smtp,
            sent: Counter::default(),
            failed: Counter::default(),
        }
    }

    pub fn is_configured(&self) -> bool {
        self.smtp.is_some()
    }

    /// Delivers `mail`. Errors: `Internal` when no SMTP is configured or delivery failed.
    pub async fn send(&self, mail: Mail) -> Result<(), Error> {
        let Some(smtp) = &self.smtp else {
            return Err(Error::internal("no SMTP server is configured"));
        };
        let outcome = smtp.deliver(mail).await;
        match outcome {
            Ok(()) => self.sent.inc(),
            Err(_) => self.failed.inc(),
        };
        outcome
    }

    /// Delivers `mail` in the background: the caller's answer must not depend on (or reveal)
    /// whether a message went out. Failures are logged.
    pub fn send_later(&self, mail: Mail) {
        let mailer = self.clone();
        tokio::spawn(async move {
            if let Err(err) = mailer.send(mail).await {
                tracing::warn!("email not delivered: {err}");
            }
        });
    }
}

impl Smtp {
    async fn deliver(&self, mail: Mail) -> Result<(), Error> {
        let to: Mailbox = mail.to.parse().map_err(Error::internal)?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(Error::internal)?;
        match tokio::time::timeout(SEND_TIMEOUT, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(err)) => Err(Error::internal(err)),
            Err(_) => Err(Error::internal("SMTP delivery timed out")),
        }
    }
}
