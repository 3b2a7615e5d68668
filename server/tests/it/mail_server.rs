//! A real SMTP server for the tests (Debian's aiosmtpd on a free local port) and the messages it
//! received, decoded.

use std::time::Duration;

use gatehouse_server::config::{MailSettings, ServiceConfig};

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
            .map(|(_, path)| {
                CapturedMail::parse(&std::fs::read_to_string(path).expect("read mail"))
            })
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

/// One received message, its MIME parts decoded.
#[derive(Debug, Clone)]
pub struct CapturedMail {
    /// Unfolded header lines of the message.
    pub headers: Vec<String>,
    pub content_type: String,
    /// The decoded `text/plain` part.
    pub text: String,
    /// The decoded `text/html` part.
    pub html: String,
}

impl CapturedMail {
    fn parse(raw: &str) -> Self {
        let raw = raw.replace("\r\n", "\n");
        let (headers, body) = split_entity(&raw);
        let content_type = header(&headers, "content-type").unwrap_or_default();
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_string())
            .next()
            .expect("a multipart message with a boundary");
        let (mut text, mut html) = (String::new(), String::new());
        for part in body.split(&format!("--{boundary}")).skip(1) {
            if part.starts_with("--") {
                break;
            }
            let (part_headers, part_body) = split_entity(part.trim_start_matches('\n'));
            let kind = header(&part_headers, "content-type").unwrap_or_default();
            let encoding = header(&part_headers, "content-transfer-encoding").unwrap_or_default();
            let decoded = decode(part_body, &encoding);
            if kind.starts_with("text/plain") {
                text = decoded;
            } else if kind.starts_with("text/html") {
                html = decoded;
            }
        }
        Self {
            headers,
            content_type,
            text,
            html,
        }
    }

    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }
}

/// Unfolded headers and the body of a MIME entity.
fn split_entity(raw: &str) -> (Vec<String>, &str) {
    let (head, body) = raw.split_once("\n\n").unwrap_or((raw, ""));
    let mut headers: Vec<String> = Vec::new();
    for line in head.lines() {
        match headers.last_mut() {
            Some(last) if line.starts_with([' ', '\t']) => {
                last.push(' ');
                last.push_str(line.trim());
            }
            _ => headers.push(line.to_string()),
        }
    }
    (headers, body)
}

fn header(headers: &[String], name: &str) -> Option<String> {
    headers.iter().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_string())
    })
}

fn decode(body: &str, encoding: &str) -> String {
    match encoding.to_ascii_lowercase().as_str() {
        "quoted-printable" => {
            let joined = body.replace("=\n", "");
            let bytes = joined.as_bytes();
            let mut out = Vec::with_capacity(bytes.len());
            let mut i = 0;
            while i < bytes.len() {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok());
                match (bytes[i], hex) {
                    (b'=', Some(byte)) => {
                        out.push(byte);
                        i += 3;
                    }
                    (byte, _) => {
                        out.push(byte);
                        i += 1;
                    }
                }
            }
            String::from_utf8(out).expect("utf-8 text")
        }
        "base64" => {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            let mut out = Vec::new();
            let (mut acc, mut bits) = (0u32, 0u32);
            for c in body.bytes() {
                let Some(value) = ALPHABET.iter().position(|&a| a == c) else {
                    continue;
                };
                acc = (acc << 6) | u32::try_from(value).expect("6 bits");
                bits += 6;
                if bits >= 8 {
                    bits -= 8;
                    out.push(u8::try_from((acc >> bits) & 0xff).expect("a byte"));
                }
            }
            String::from_utf8(out).expect("utf-8 text")
        }
        _ => body.to_string(),
    }
}

/// The token at the end of a `…/invite/<token>` or `…/reset-password/<token>` link.
pub fn token_of(link: &str) -> String {
    link.rsplit('/').next().expect("a path segment").to_string()
}
