//! Passwords: the policy a new password must meet, and argon2id hashing on a bounded blocking
//! pool. A password exists in clear only inside [`Password`], whose `Debug` is redacted; only
//! PHC-format hashes reach the database.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::RngCore;
use rand::rngs::OsRng;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::Error;

pub const MIN_LENGTH: usize = 8;
pub const MAX_LENGTH: usize = 128;

/// A password as typed. Never logged, never serialized.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

/// A password that meets the policy.
#[derive(Debug, Clone)]
pub struct NewPassword(Password);

impl NewPassword {
    /// Checks every rule and returns the message of each one that fails.
    pub fn parse(text: &str) -> Result<Self, Vec<String>> {
        let mut failures = Vec::new();
        let length = text.chars().count();
        if length < MIN_LENGTH {
            failures.push(format!("Use at least {MIN_LENGTH} characters"));
        }
        if length > MAX_LENGTH {
            failures.push(format!("Use at most {MAX_LENGTH} characters"));
        }
        if !text.chars().any(char::is_uppercase) {
            failures.push("Add an upper-case letter".to_string());
        }
        if !text.chars().any(char::is_lowercase) {
            failures.push("Add a lower-case letter".to_string());
        }
        if !text.chars().any(|c| c.is_ascii_digit()) {
            failures.push("Add a digit".to_string());
        }
        if !text
            .chars()
            .any(|c| !c.is_alphanumeric() && !c.is_whitespace())
        {
            failures.push("Add a special character such as ! # % or ?".to_string());
        }
        if is_common(text) {
            failures.push("This password is too common: choose one that is harder to guess".into());
        }
        if failures.is_empty() {
            Ok(Self(Password::new(text)))
        } else {
            Err(failures)
        }
    }

    pub fn password(&self) -> &Password {
        &self.0
    }
}

/// The shipped list of frequently used passwords, one per line, compared case-insensitively.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

fn is_common(text: &str) -> bool {
    let lowered = text.to_lowercase();
    COMMON_PASSWORDS.lines().any(|line| line == lowered)
}

/// Hashes and verifies passwords off the async runtime, at most `concurrency` at a time, so a
/// burst of sign-ins neither stalls other requests nor allocates unbounded memory. Work beyond
/// that waits its turn in a bounded queue; past the queue it is refused at once with
/// [`Error::Busy`] rather than kept waiting (and holding its connection) without bound.
#[derive(Clone)]
pub struct PasswordHasher {
    /// Hashes running now.
    running: Arc<Semaphore>,
    /// Work admitted: running or waiting its turn.
    admitted: Arc<Semaphore>,
    capacity: usize,
    /// The places new passwords (sign-up, reset, change) may hold among the admitted: half, so
    /// that a flood of sign-ups always leaves room for sign-ins.
    new_passwords: Arc<Semaphore>,
    /// A real hash of a random password: verifying against it when the account does not exist
    /// makes "no such user" take as long as "wrong password".
    dummy_hash: Arc<str>,
}

/// What a refused caller is told to wait: the queue drains in well under a second.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// argon2id with the OWASP minimum: 19 MiB, two passes, one lane.
fn argon2() -> Result<Argon2<'static>, Error> {
    let params = Params::new(19 * 1024, 2, 1, None).map_err(|e| Error::internal(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

impl PasswordHasher {
    /// `concurrency` hashes at once (at least one), and up to `queue` more waiting.
    pub async fn new(concurrency: usize, queue: usize) -> Result<Self, Error> {
        let mut random = [0u8; 32];
        OsRng.fill_bytes(&mut random);
        let dummy = Password::new(base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            random,
        ));
        let concurrency = concurrency.max(1);
        let capacity = concurrency.saturating_add(queue);
        let hasher = Self {
            running: Arc::new(Semaphore::new(concurrency)),
            admitted: Arc::new(Semaphore::new(capacity)),
            capacity,
            new_passwords: Arc::new(Semaphore::new(capacity.div_ceil(2))),
            dummy_hash: Arc::from(""),
        };
        let dummy_hash = hasher.hash(&dummy).await?;
        Ok(Self {
            dummy_hash: Arc::from(dummy_hash),
            ..hasher
        })
    }

    /// Hashes and checks admitted now: running or waiting their turn.
    pub fn in_flight(&self) -> usize {
        self.capacity - self.admitted.available_permits()
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt. `Busy` when
    /// new passwords hold their share of the queue, or the queue is full.
    pub async fn hash(&self, password: &Password) -> Result<String, Error> {
        let share = admit(&self.new_passwords)?;
        let password = password.clone();
        self.run(share, move || {
            let salt = SaltString::generate(&mut OsRng);
            argon2()?
                .hash_password(password.as_bytes(), &salt)
                .map(|hash| hash.to_string())
                .map_err(|e| Error::internal(e.to_string()))
        })
        .await
    }

    /// Whether `password` matches `stored`. With no stored hash it still does the full work and
    /// answers `false`. `Busy` when the queue is full.
    pub async fn verify(&self, password: &Password, stored: Option<&str>) -> Result<bool, Error> {
        let password = password.clone();
        let (stored, real) = match stored {
            Some(hash) => (hash.to_string(), true),
            None => (self.dummy_hash.to_string(), false),
        };
        let matched = self
            .run(None, move || {
                let parsed =
                    PasswordHash::new(&stored).map_err(|e| Error::internal(e.to_string()))?;
                Ok(argon2()?
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok())
            })
            .await?;
        Ok(matched && real)
    }

    /// Admits `work` (with the new-password place it already holds, if any) or refuses it at
    /// once, then waits its turn to run it.
    async fn run<T: Send + 'static>(
        &self,
        share: Option<OwnedSemaphorePermit>,
        work: impl FnOnce() -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let place = admit(&self.admitted)?;
        // The places move into the blocking task: if the request is dropped (client gone), the
        // hash still counts against the bounds until it really finishes. Waiting is first come,
        // first served (tokio's semaphore is fair).
        let turn = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(Error::internal)?;
        tokio::task::spawn_blocking(move || {
            let result = work();
            drop((turn, place, share));
            result
        })
        .await
        .map_err(Error::internal)?
    }
}

/// A place in `places` now, or `Busy`.
fn admit(places: &Arc<Semaphore>) -> Result<Option<OwnedSemaphorePermit>, Error> {
    match places.clone().try_acquire_owned() {
        Ok(place) => Ok(Some(place)),
        Err(TryAcquireError::NoPermits) => {
            tracing::debug!("password hashing queue full: request refused");
            Err(Error::Busy {
                retry_after: BUSY_RETRY_AFTER,
            })
        }
        Err(TryAcquireError::Closed) => Err(Error::internal("password hasher closed")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failures(text: &str) -> Vec<String> {
        NewPassword::parse(text).err().unwrap_or_default()
    }

    #[test]
    fn a_strong_password_passes() {
        assert!(NewPassword::parse("Correct-Horse-9").is_ok());
    }

    #[test]
    fn every_failing_rule_is_named() {
        let all = failures("abc");
        assert_eq!(all.len(), 4, "{all:?}");
        assert!(all.iter().any(|m| m.contains("at least 8")));
        assert!(all.iter().any(|m| m.contains("upper-case")));
        assert!(all.iter().any(|m| m.contains("digit")));
        assert!(all.iter().any(|m| m.contains("special")));
        assert!(
            failures(&format!("Aa1!{}", "x".repeat(130)))
                .iter()
                .any(|m| m.contains("at most"))
        );
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        assert!(
            failures("Password1!")
                .iter()
                .any(|m| m.contains("too common"))
        );
        assert!(
            failures("P@ssw0rd")
                .iter()
                .any(|m| m.contains("too common"))
        );
    }

    #[test]
    fn the_common_list_is_normalised() {
        for line in COMMON_PASSWORDS.lines() {
            assert_eq!(line, line.to_lowercase(), "entries must be lower case");
            assert!(!line.is_empty() && line.trim() == line);
        }
    }

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_with_owasp_parameters() {
        let hasher = PasswordHasher::new(2, 4)
            .await
            .unwrap_or_else(|e| unreachable!("{e}"));
        let hash = hasher
            .hash(&Password::new("Correct-Horse-9"))
            .await
            .unwrap_or_default();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        let ok = hasher
            .verify(&Password::new("Correct-Horse-9"), Some(&hash))
            .await;
        assert!(ok.unwrap_or(false));
        let wrong = hasher
            .verify(&Password::new("Correct-Horse-8"), Some(&hash))
            .await;
        assert!(!wrong.unwrap_or(true));
        let missing = hasher.verify(&Password::new("anything"), None).await;
        assert!(!missing.unwrap_or(true));
    }

    /// Waits (without sleeping) until `n` pieces of work are admitted.
    async fn until_in_flight(hasher: &PasswordHasher, n: usize) {
        while hasher.in_flight() != n {
            tokio::task::yield_now().await;
        }
    }

    #[tokio::test]
    async fn a_full_queue_refuses_at_once_and_new_passwords_leave_room_for_checks() {
        // One hash at a time and three waiting places, of which new passwords may hold two.
        let hasher = PasswordHasher::new(1, 3)
            .await
            .unwrap_or_else(|e| unreachable!("{e}"));
        // As if a long hash were running: everything admitted now waits for this.
        let held = hasher.running.clone().acquire_owned().await;
        let spawn_hash = |h: &PasswordHasher| {
            let h = h.clone();
            tokio::spawn(async move { h.hash(&Password::new("Correct-Horse-9")).await.map(drop) })
        };
        let spawn_verify = |h: &PasswordHasher| {
            let h = h.clone();
            tokio::spawn(async move { h.verify(&Password::new("x"), None).await.map(drop) })
        };
        let mut waiting = vec![spawn_hash(&hasher), spawn_hash(&hasher)];
        until_in_flight(&hasher, 2).await;
        // A third new password is refused at once (it would wait forever otherwise)...
        let third = hasher.hash(&Password::new("Correct-Horse-9")).await;
        assert!(matches!(third, Err(Error::Busy { .. })), "{third:?}");
        // ...while a check still finds its place, until the queue is full.
        waiting.push(spawn_verify(&hasher));
        waiting.push(spawn_verify(&hasher));
        until_in_flight(&hasher, 4).await;
        let refused = hasher.verify(&Password::new("x"), None).await;
        match refused {
            Err(Error::Busy { retry_after }) => assert_eq!(retry_after, Duration::from_secs(1)),
            other => unreachable!("expected Busy, got {other:?}"),
        }
        drop(held);
        for work in waiting {
            assert!(matches!(work.await, Ok(Ok(()))), "admitted work completes");
        }
        assert_eq!(hasher.in_flight(), 0);
    }

    #[test]
    fn debug_output_hides_the_password() {
        assert!(!format!("{:?}", Password::new("secret-value")).contains("secret"));
    }
}
