//! A real SMTP server for the tests (Debian's aiosmtpd on a free local port) and the messages it
//! received, decoded.

use std::time::Duration;

use gatehouse_server::config::{MailSettings, ServiceConfig};
use mail_parser::{MessageParser, MessagePart};

use crate::support::{TestEnv, test_config};

/// The origin put in links by [`MailServer::env`].
pub const PUBLIC_URL: &str = "https://gatehouse.test";

/// A real SMTP server (Debian's aiosmtpd) on a free local port, storing what it receives in a
/// Maildir; killed when dropped.
pub struct MailServer {
    child: std::process::Child,
    port: u16,
    /// Holds the Maildir (created by the server inside it).
    dir: tempfile::TempDir,
}

impl MailServer {
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = std::process::Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{port}"))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(dir.path().join("Maildir"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .expect("start aiosmtpd");
        let server = Self { child, port, dir };
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port))
                .await
                .is_ok()
            {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("aiosmtpd did not listen on port {port} within 5 s");
    }

    /// A SQLite environment whose services send mail through this server.
    pub async fn env(&self) -> TestEnv {
        TestEnv::sqlite_with(self.config()).await
    }

    /// Service settings that send mail through this server.
    pub fn config(&self) -> ServiceConfig {
        ServiceConfig {
            public_url: PUBLIC_URL.into(),
            mail: Some(MailSettings {
                smtp_url: format!("smtp://127.0.0.1:{}", self.port),
                from: "Gatehouse <no-reply@example.com>".into(),
            }),
            ..test_config()
        }
    }

    /// Every message delivered so far, oldest first.
    pub fn messages(&self) -> Vec<CapturedMail> {
        let new = self.dir.path().join("Maildir").join("new");
        let Ok(entries) = std::fs::read_dir(&new) else {
            return Vec::new();
        };
        let mut files: Vec<_> = entries
            .filter_map(Result::ok)
            .filter_map(|e| {
                let modified = e.metadata().and_then(|m| m.modified()).ok()?;
                Some((modified, e.path()))
            })
            .collect();
        files.sort();
        files
            .into_iter()
            .map(|(_, path)| CapturedMail::parse(&std::fs::read(path).expect("read mail")))
            .collect()
    }

    /// Waits (up to 5 s) until `count` messages have arrived and returns them.
    pub async fn wait_for(&self, count: usize) -> Vec<CapturedMail> {
        for _ in 0..100 {
            let messages = self.messages();
            if messages.len() >= count {
                return messages;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected {count} message(s), got {} within 5 s",
            self.messages().len()
        );
    }
}

impl MailServer {
    /// The link in the (only) verification mail received so far, waiting for it.
    pub async fn verification_link(&self) -> String {
        self.wait_for_link("/verify-email/").await
    }

    /// The first link containing `path` in the mail received so far, waiting (up to 5 s) for it.
    pub async fn wait_for_link(&self, path: &str) -> String {
        for _ in 0..100 {
            let link = self
                .messages()
                .into_iter()
                .find_map(|m| link_in(&m.text, path));
            if let Some(link) = link {
                return link;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("no mail with a {path} link within 5 s");
    }

    /// Opens the verification link just mailed (as its owner would), then empties the mailbox
    /// so the test sees only what comes next.
    pub async fn verify_by_mail(&self, env: &TestEnv) {
        let link = self.verification_link().await;
        gatehouse_server::email_verification::verify_email(
            &env.svc,
            &token_of(&link),
            &env.client(),
        )
        .await
        .expect("verify the address");
        self.clear();
    }

    /// Forgets every message received so far.
    pub fn clear(&self) {
        let new = self.dir.path().join("Maildir").join("new");
        for entry in std::fs::read_dir(new).into_iter().flatten().flatten() {
            std::fs::remove_file(entry.path()).expect("remove a mail");
        }
    }
}

/// The first line of `text` that is a link containing `path`.
pub fn link_in(text: &str, path: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|line| line.starts_with("http") && line.contains(path))
        .map(str::to_string)
}

impl Drop for MailServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One received message, decoded by `mail-parser`.
#[derive(Debug, Clone)]
pub struct CapturedMail {
    /// The message's header fields in order: name, and the value as text (encoded words
    /// decoded, folded lines joined).
    pub headers: Vec<(String, String)>,
    /// The `Content-Type` header as sent (type, subtype and parameters).
    pub content_type: String,
    /// The decoded `text/plain` part.
    pub text: String,
    /// The decoded `text/html` part.
    pub html: String,
}

impl CapturedMail {
    fn parse(raw: &[u8]) -> Self {
        let message = MessageParser::default().parse(raw).expect("a MIME message");
        let headers: Vec<(String, String)> = message
            .headers()
            .iter()
            .map(|field| {
                let raw_value = raw
                    .get(field.offset_start as usize..field.offset_end as usize)
                    .map(String::from_utf8_lossy)
                    .unwrap_or_default();
                let value = field.value.as_text().map_or_else(
                    || raw_value.split_whitespace().collect::<Vec<_>>().join(" "),
                    str::to_string,
                );
                (field.name.as_str().to_string(), value)
            })
            .collect();
        let part = |part: Option<&MessagePart>| {
            part.and_then(MessagePart::text_contents)
                .unwrap_or_default()
                .to_string()
        };
        let content_type = header(&headers, "content-type").unwrap_or_default();
        Self {
            text: part(message.text_part(0)),
            html: part(message.html_part(0)),
            headers,
            content_type,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }
}

fn header(headers: &[(String, String)], name: &str) -> Option<String> {
    headers
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name))
        .map(|(_, value)| value.clone())
}

/// The token at the end of a `…/invite/<token>` or `…/reset-password/<token>` link.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().expect("a path segment").to_string()
}
