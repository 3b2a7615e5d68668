//! RFC 6238 one-time passwords as authenticator apps compute them: HMAC-SHA-1, 6 digits,
//! 30-second steps, one step of clock drift either way. A matched code yields its time step;
//! refusing a step that was already used is the caller's job (see `store::accept_step`).

use qrcode::QrCode;
use qrcode::render::svg;
use rand::RngCore;
use rand::rngs::OsRng;
use totp_rs::{Algorithm, Builder, Totp};

use crate::Error;
use crate::clock::Timestamp;

/// 160 bits, the size RFC 4226 recommends.
pub const SECRET_BYTES: usize = 20;
pub const ISSUER: &str = "Gatehouse";
const DIGITS: u8 = 6;
const STEP_SECONDS: u64 = 30;

pub(crate) fn generate_secret() -> [u8; SECRET_BYTES] {
    let mut secret = [0u8; SECRET_BYTES];
    OsRng.fill_bytes(&mut secret);
    secret
}

fn totp(secret: &[u8], account: &str) -> Result<Totp, Error> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(DIGITS)
        .with_skew(1)
        .with_step_duration(STEP_SECONDS)
        .with_secret(secret.to_vec())
        .with_issuer(Some(ISSUER))
        // The label's separator is a colon; an address cannot normally hold one.
        .with_account_name(account.replace(':', "_"))
        .build()
        .map_err(|e| Error::internal(format!("TOTP parameters refused: {e:?}")))
}

/// The time step a correct `code` belongs to at `now`, or `None`.
pub(crate) fn check(secret: &[u8], code: &TotpCode, now: Timestamp) -> Result<Option<i64>, Error> {
    let seconds = u64::try_from(now.as_millis() / 1000).unwrap_or(0);
    let step = totp(secret, "")?.check(code.as_str(), seconds);
    Ok(step.and_then(|s| i64::try_from(s).ok()))
}

/// What an authenticator app needs: the `otpauth://` URI, the same as a QR code (SVG), and the
/// secret in base32 grouped by four for typing it in.
pub(crate) struct Provisioning {
    pub otpauth_uri: String,
    pub qr_svg: String,
    pub secret_base32: String,
}

pub(crate) fn provisioning(secret: &[u8], account: &str) -> Result<Provisioning, Error> {
    let totp = totp(secret, account)?;
    let otpauth_uri = totp
        .to_url()
        .map_err(|e| Error::internal(format!("otpauth URI: {e:?}")))?;
    let qr = QrCode::new(otpauth_uri.as_bytes()).map_err(Error::internal)?;
    let svg = qr
        .render::<svg::Color<'_>>()
        .min_dimensions(220, 220)
        .quiet_zone(true)
        .dark_color(svg::Color("#111827"))
        .light_color(svg::Color("#ffffff"))
        .build();
    // Embedded in HTML: the XML declaration has no place there.
    let qr_svg = match svg.find("<svg") {
        Some(start) => svg[start..].to_string(),
        None => svg,
    };
    let base32 = totp.secret().to_base32();
    let secret_base32 = base32
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Provisioning {
        otpauth_uri,
        qr_svg,
        secret_base32,
    })
}

/// Six digits as typed: spaces and dashes between them are ignored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TotpCode(String);

impl TotpCode {
    pub fn parse(text: &str) -> Option<Self> {
        let digits: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        (digits.len() == usize::from(DIGITS) && digits.bytes().all(|b| b.is_ascii_digit()))
            .then_some(Self(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
#[expect(clippy::expect_used, reason = "a failing test should stop loudly")]
mod tests {
    use super::*;

    /// RFC 6238 appendix B: the SHA-1 seed "12345678901234567890", 8-digit values. Our codes
    /// are their last six digits (the same truncation modulo 10^6).
    #[test]
    fn rfc_6238_test_vectors() {
        let seed = b"12345678901234567890";
        let vectors = [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ];
        for (seconds, expected) in vectors {
            let code = TotpCode::parse(&expected[2..]).expect("six digits");
            let now = Timestamp::from_millis(seconds * 1000);
            let step = check(seed, &code, now).ok().flatten();
            assert_eq!(step, Some(seconds / 30), "at {seconds}s");
        }
    }

    #[test]
    fn one_step_of_drift_is_allowed_and_no_more() {
        let seed = b"12345678901234567890";
        // The code of t=59 (step 1) is accepted at steps 0..=2 and refused at step 3.
        let code = TotpCode::parse("287082").expect("six digits");
        for (seconds, accepted) in [(0, true), (89, true), (90, false)] {
            let step = check(seed, &code, Timestamp::from_millis(seconds * 1000))
                .ok()
                .flatten();
            assert_eq!(step.is_some(), accepted, "at {seconds}s");
        }
    }

    #[test]
    fn codes_parse_only_as_six_digits() {
        assert_eq!(
            TotpCode::parse(" 123 456 ").map(|c| c.0),
            Some("123456".into())
        );
        assert_eq!(
            TotpCode::parse("123-456").map(|c| c.0),
            Some("123456".into())
        );
        assert!(TotpCode::parse("12345").is_none());
        assert!(TotpCode::parse("1234567").is_none());
        assert!(TotpCode::parse("12345a").is_none());
        assert!(TotpCode::parse("١٢٣٤٥٦").is_none(), "ASCII digits only");
    }

    #[test]
    fn provisioning_names_the_issuer_and_account() {
        let secret = generate_secret();
        let p = provisioning(&secret, "ada@example.com").expect("provisioning");
        assert!(
            p.otpauth_uri
                .starts_with("otpauth://totp/Gatehouse:ada%40example.com?secret=")
        );
        assert!(p.otpauth_uri.contains("issuer=Gatehouse"));
        assert!(p.qr_svg.starts_with("<svg"));
        // 160 bits are 32 base32 characters, shown in eight groups of four.
        assert_eq!(p.secret_base32.split(' ').count(), 8);
        assert_eq!(p.secret_base32.replace(' ', "").len(), 32);
    }
}
