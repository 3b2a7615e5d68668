//! argon2id hashing and verification on a bounded blocking pool, with argon2's working memory
//! handed from hash to hash.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::histogram::Histogram;
use rand::RngCore;
use rand::rngs::OsRng;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use super::Password;
use crate::Error;

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
    memory: WorkingMemory,
    /// The cost of new hashes (checks use the cost each stored hash names).
    params: Params,
    concurrency: usize,
    /// Seconds each admitted hash waited for its turn (exported by `metrics`).
    pub(crate) wait: Histogram,
    /// Work refused with `Busy` (exported by `metrics`).
    pub(crate) refused: Counter,
}

/// What a refused caller is told to wait: the queue drains in well under a second.
const BUSY_RETRY_AFTER: Duration = Duration::from_secs(1);

/// The cost of argon2id (one lane): memory in KiB and passes over it.
///
/// The server always hashes at [`HashCost::OWASP`]: no setting lowers it. The integration tests
/// do, because they check what the domain does with a hash, not argon2's cost, and at the real
/// cost argon2 was a third of their run; this module's tests, the benchmarks and the end-to-end
/// suite run the real cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HashCost {
    pub memory_kib: u32,
    pub passes: u32,
}

impl HashCost {
    /// The OWASP minimum for argon2id: 19 MiB, two passes.
    pub const OWASP: Self = Self {
        memory_kib: 19 * 1024,
        passes: 2,
    };

    fn params(self) -> Result<Params, Error> {
        Params::new(self.memory_kib, self.passes, 1, None).map_err(internal)
    }
}

/// argon2's 19 MiB of working memory per hash, handed from one hash to the next while work is
/// queued and given back to the system when none is. Left to argon2, each hash allocates its
/// own on whichever blocking thread runs it, and glibc keeps an arena's worth of freed blocks
/// per thread: a burst of 100 sign-ins left the process at ~480 MiB instead of ~25.
#[derive(Clone, Default)]
struct WorkingMemory(Arc<Mutex<Vec<Vec<Block>>>>);

/// glibc serves an allocation above 32 MiB (the ceiling of its adaptive mmap threshold) with
/// its own mmap and unmaps it when freed; 19 MiB would come from a thread's arena, which keeps
/// it. Reserving this much and using 19 MiB costs address space, not memory: untouched pages
/// are never resident.
const RETURNED_ON_FREE: usize = 33 << 20;

impl WorkingMemory {
    fn take(&self, blocks: usize) -> Vec<Block> {
        let spare = self.lock().pop();
        match spare {
            Some(memory) if memory.len() == blocks => memory,
            _ => {
                let reserve = blocks.max(RETURNED_ON_FREE / std::mem::size_of::<Block>());
                let mut memory = Vec::with_capacity(reserve);
                memory.resize(blocks, Block::default());
                memory
            }
        }
    }

    /// Keeps `memory` for the next hash when work is still admitted, else frees it and every
    /// spare one (the last hash of a burst empties the pool).
    fn give_back(&self, memory: Vec<Block>, work_left: bool, most: usize) {
        let mut spare = self.lock();
        if work_left && spare.len() < most {
            spare.push(memory);
        } else if !work_left {
            spare.clear();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Block>>> {
        // A panic while holding the lock cannot leave the list half-changed.
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn internal(err: impl fmt::Display) -> Error {
    Error::internal(err.to_string())
}

/// The raw argon2 output for `password` and `salt` under `argon2`, `len` bytes long.
fn derive(
    argon2: &Argon2<'_>,
    password: &Password,
    salt: &[u8],
    len: usize,
    memory: &mut [Block],
) -> Result<Output, Error> {
    Output::init_with(len, |out| {
        argon2
            .hash_password_into_with_memory(password.as_bytes(), salt, out, &mut *memory)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .map_err(internal)
}

/// A PHC string for `password` with a fresh random salt.
fn hash_with(password: &Password, params: &Params, memory: &mut [Block]) -> Result<String, Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).map_err(internal)?;
    let argon2 = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let output = derive(
        &argon2,
        password,
        salt_bytes,
        Params::DEFAULT_OUTPUT_LEN,
        memory,
    )?;
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).map_err(internal)?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(hash.to_string())
}

/// Whether `password` matches the PHC string `stored`, under the parameters `stored` names
/// (memory of another size than the pool's is allocated for the occasion).
fn verify_with(password: &Password, stored: &str, memory: &mut [Block]) -> Result<bool, Error> {
    let parsed = PasswordHash::new(stored).map_err(internal)?;
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return Err(Error::internal(
            "stored password hash without salt or output",
        ));
    };
    let algorithm = Algorithm::try_from(parsed.algorithm).map_err(internal)?;
    let version = match parsed.version {
        Some(version) => Version::try_from(version).map_err(internal)?,
        None => Version::default(),
    };
    let params = Params::try_from(&parsed).map_err(internal)?;
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(internal)?;
    let blocks = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    let computed = if memory.len() == blocks {
        derive(&argon2, password, salt_bytes, expected.len(), memory)?
    } else {
        let mut own = vec![Block::default(); blocks];
        derive(&argon2, password, salt_bytes, expected.len(), &mut own)?
    };
    // `Output`'s equality is constant-time.
    Ok(computed == expected)
}

impl PasswordHasher {
    /// `concurrency` hashes at once (at least one), and up to `queue` more waiting; new hashes
    /// cost `cost`.
    pub async fn new(concurrency: usize, queue: usize, cost: HashCost) -> Result<Self, Error> {
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
            memory: WorkingMemory::default(),
            params: cost.params()?,
            concurrency,
            // 1 ms to ~4 s: an idle hasher answers at once, a full queue in seconds.
            wait: Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
                0.001, 2.0, 13,
            )),
            refused: Counter::default(),
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

    /// Hashes and checks admitted and waiting for their turn (the queue's depth).
    pub fn waiting(&self) -> usize {
        let running = self.concurrency - self.running.available_permits();
        self.in_flight().saturating_sub(running)
    }

    /// A PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`) with a fresh random salt. `Busy` when
    /// new passwords hold their share of the queue, or the queue is full.
    pub async fn hash(&self, password: &Password) -> Result<String, Error> {
        let share = self.admit(&self.new_passwords)?;
        let (password, params) = (password.clone(), self.params.clone());
        self.run(share, move |memory| hash_with(&password, &params, memory))
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
            .run(None, move |memory| verify_with(&password, &stored, memory))
            .await?;
        Ok(matched && real)
    }

    /// Admits `work` (with the new-password place it already holds, if any) or refuses it at
    /// once, then waits its turn to run it with argon2's working memory.
    async fn run<T: Send + 'static>(
        &self,
        share: Option<OwnedSemaphorePermit>,
        work: impl FnOnce(&mut [Block]) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let place = self.admit(&self.admitted)?;
        let queued = Instant::now();
        // The places move into the blocking task: if the request is dropped (client gone), the
        // hash still counts against the bounds until it really finishes. Waiting is first come,
        // first served (tokio's semaphore is fair).
        let turn = self
            .running
            .clone()
            .acquire_owned()
            .await
            .map_err(Error::internal)?;
        self.wait.observe(queued.elapsed().as_secs_f64());
        let blocks = self.params.block_count();
        let hasher = self.clone();
        tokio::task::spawn_blocking(move || {
            let mut memory = hasher.memory.take(blocks);
            let result = work(&mut memory);
            drop((turn, place, share));
            hasher
                .memory
                .give_back(memory, hasher.in_flight() > 0, hasher.concurrency);
            result
        })
        .await
        .map_err(Error::internal)?
    }
}

impl PasswordHasher {
    /// A place in `places` now, or `Busy` (counted).
    fn admit(&self, places: &Arc<Semaphore>) -> Result<Option<OwnedSemaphorePermit>, Error> {
        match places.clone().try_acquire_owned() {
            Ok(place) => Ok(Some(place)),
            Err(TryAcquireError::NoPermits) => {
                tracing::debug!("password hashing queue full: request refused");
                self.refused.inc();
                Err(Error::Busy {
                    retry_after: BUSY_RETRY_AFTER,
                })
            }
            Err(TryAcquireError::Closed) => Err(Error::internal("password hasher closed")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_use_argon2id_with_owasp_parameters() {
        let hasher = PasswordHasher::new(2, 4, HashCost::OWASP)
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
        let hasher = PasswordHasher::new(1, 3, HashCost::OWASP)
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

    /// Hashes stored before the working-memory pool (made by the argon2 crate's own hasher)
    /// still verify, ours verify with the crate's verifier, and other parameters verify too.
    #[tokio::test]
    async fn hashes_interoperate_with_the_argon2_crate_whatever_their_parameters() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::new(1, 0, HashCost::OWASP)
            .await
            .unwrap_or_else(|e| unreachable!("{e}"));
        let password = Password::new("Correct-Horse-9");
        for params in [
            HashCost::OWASP.params(),
            Params::new(8 * 1024, 3, 1, None).map_err(internal),
        ] {
            let params = params.unwrap_or_else(|e| unreachable!("{e}"));
            let theirs = Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
                .hash_password(password.as_bytes(), &SaltString::generate(&mut OsRng))
                .unwrap_or_else(|e| unreachable!("{e}"))
                .to_string();
            assert!(
                hasher
                    .verify(&password, Some(&theirs))
                    .await
                    .unwrap_or(false)
            );
            let wrong = Password::new("Correct-Horse-8");
            assert!(!hasher.verify(&wrong, Some(&theirs)).await.unwrap_or(true));
        }
        let ours = hasher
            .hash(&password)
            .await
            .unwrap_or_else(|e| unreachable!("{e}"));
        let parsed = PasswordHash::new(&ours).unwrap_or_else(|e| unreachable!("{e}"));
        assert!(
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        );
    }

    #[tokio::test]
    async fn working_memory_is_given_back_when_no_work_is_left() {
        let hasher = PasswordHasher::new(2, 8, HashCost::OWASP)
            .await
            .unwrap_or_else(|e| unreachable!("{e}"));
        let checks: Vec<_> = (0..6)
            .map(|_| {
                let h = hasher.clone();
                tokio::spawn(async move { h.verify(&Password::new("x"), None).await })
            })
            .collect();
        for check in checks {
            assert!(matches!(check.await, Ok(Ok(false))));
        }
        assert_eq!(hasher.in_flight(), 0);
        assert!(hasher.memory.lock().is_empty(), "no 19 MiB block kept");
    }
}
