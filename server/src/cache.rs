//! The session cache: resolving a session costs no database round trip, yet a revoked, expired
//! or changed session is refused on its very next request, on every instance.
//!
//! Invariants:
//! - Only active sessions are cached. Every change that could make an entry wrong (a session
//!   ending, a user's name or memberships changing) goes through [`Change`], which publishes an
//!   [`Invalidation`]: inside the transaction as a PostgreSQL `NOTIFY` (delivered to every instance
//!   at commit), and to this instance's cache right after commit.
//! - A loader may only insert what it read if no invalidation happened meanwhile (a generation
//!   counter), so a slow read can never resurrect a revoked session.
//! - On PostgreSQL the cache is trusted only while this instance's `LISTEN` connection is up (and
//!   it hears its own heartbeat). When it drops, the cache is emptied and bypassed (every request
//!   reads the database) until the listener is back.
//! - A commit returns only once every live instance has acknowledged its invalidations (each
//!   instance announces itself with a heartbeat every second), so a request that follows the
//!   revocation, on any instance, is refused. A peer that does not acknowledge within
//!   `ECHO_TIMEOUT` is dropped from the peer list and logged.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use prometheus_client::metrics::counter::Counter;
use sqlx::{Any, AnyConnection, Transaction};
use tokio::sync::{Notify, oneshot};

use crate::access::OrgAccess;
use crate::clock::Timestamp;
use crate::db::{Backend, Db};
use crate::ids::{ApiKeyId, OrgId, ProjectId, SessionId, UserId};

use crate::vocab::{KeyHolder, MfaState, OrgContext, SessionInfo};
use crate::{Error, Services};

mod change;
mod listener;
mod signals;

pub(crate) use change::Change;
pub(crate) use listener::spawn_listener;
pub(crate) use signals::spawn_reader;

const CHANNEL: &str = "gatehouse_invalidate";
/// Acknowledgements and heartbeats between instances.
const ACK_CHANNEL: &str = "gatehouse_ack";
const HEARTBEAT: Duration = Duration::from_secs(1);
/// A peer unheard of for this long is presumed gone; our own silence means our listener is stuck.
const PEER_TIMEOUT: Duration = Duration::from_secs(4);
/// The cache is trusted only this long after this instance last heard its own heartbeat: a
/// listener that silently stops receiving stops being trusted within this time.
const LEASE: Duration = Duration::from_secs(3);
/// Beyond this many sessions, new ones are simply not cached (they still work, via the database).
const MAX_ENTRIES: usize = 200_000;
/// A cached session list is re-read after this long, so "last active" times written by other
/// instances show up (they change at most once a minute anyway).
const LIST_TTL: Duration = Duration::from_secs(60);
/// How long a commit waits for its own notification to come back through PostgreSQL.
const ECHO_TIMEOUT: Duration = Duration::from_millis(250);

/// What became stale.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalidation {
    Session(SessionId),
    User(UserId),
    /// Every session acting in the organization (its security policy changed).
    Org(OrgId),
    /// The organization's access snapshot: a membership, project or project grant changed.
    Access(OrgId),
    /// An API key was revoked or rotated.
    Key(ApiKeyId),
}

impl Invalidation {
    fn encode(self, nonce: u64, origin: &str) -> String {
        match self {
            Invalidation::Session(id) => format!("s:{id}:{nonce}:{origin}"),
            Invalidation::User(id) => format!("u:{id}:{nonce}:{origin}"),
            Invalidation::Org(id) => format!("o:{id}:{nonce}:{origin}"),
            Invalidation::Access(id) => format!("a:{id}:{nonce}:{origin}"),
            Invalidation::Key(id) => format!("k:{id}:{nonce}:{origin}"),
        }
    }

    fn decode(payload: &str) -> Option<(Self, u64, &str)> {
        let mut parts = payload.splitn(4, ':');
        let kind = parts.next()?;
        let id = parts.next()?;
        let nonce = parts.next()?.parse().ok()?;
        let origin = parts.next()?;
        let invalidation = match kind {
            "s" => Invalidation::Session(SessionId::parse(id)?),
            "u" => Invalidation::User(UserId::parse(id)?),
            "o" => Invalidation::Org(OrgId::parse(id)?),
            "a" => Invalidation::Access(OrgId::parse(id)?),
            "k" => Invalidation::Key(ApiKeyId::parse(id)?),
            _ => return None,
        };
        Some((invalidation, nonce, origin))
    }
}

/// A cached active session: everything needed to build the caller except request details.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub session_id: SessionId,
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub email_verified: bool,
    pub org: Option<OrgContext>,
    pub mfa: MfaState,
    pub auth: crate::vocab::SessionAuth,
    pub proven_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_active_at: Timestamp,
}

/// A cached API key that was active when read: what a request needs to act as it. Revoked keys
/// are never cached; expiry and the holder's standing are checked on every use.
#[derive(Debug, Clone)]
pub(crate) struct CachedKey {
    pub key_id: ApiKeyId,
    pub org: OrgId,
    pub org_name: String,
    pub holder: KeyHolder,
    pub project: Option<ProjectId>,
    pub expires_at: Timestamp,
    /// The end of this secret's validity: the key's expiry, or a rotation's overlap.
    pub valid_until: Timestamp,
    /// A person's key: the end of their grace period under the organization's MFA policy.
    pub mfa_deadline: Option<Timestamp>,
    /// A person's key while the organization requires signing in through a provider.
    pub sign_in_restricted: bool,
    pub last_used_at: Option<Timestamp>,
    /// Addresses it is known to have been used from (a bounded few).
    pub addresses: Vec<String>,
}

#[derive(Default)]
struct Entries {
    by_token_hash: HashMap<String, Cached>,
    /// Each user's active sessions as the Active sessions screen lists them, and when read.
    lists: HashMap<UserId, (Instant, Vec<SessionInfo>)>,
    /// Each organization's access snapshot.
    access: HashMap<OrgId, Arc<OrgAccess>>,
    /// API keys by the hash of the secret presented.
    keys: HashMap<String, CachedKey>,
}

impl Entries {
    fn clear(&mut self) {
        self.by_token_hash.clear();
        self.lists.clear();
        self.access.clear();
        self.keys.clear();
    }
}

pub struct SessionCache {
    entries: Mutex<Entries>,
    generation: AtomicU64,
    /// Whether invalidations from other instances are known to reach us.
    trusted: AtomicBool,
    next_nonce: AtomicU64,
    /// This instance's name among its peers.
    instance: String,
    /// Other instances and when we last heard their heartbeat.
    peers: Mutex<HashMap<String, Instant>>,
    /// Commits waiting for acknowledgements: nonce → who has yet to answer.
    waits: Mutex<HashMap<u64, Wait>>,
    /// When the listener last heard this instance's own heartbeat.
    own_heartbeat: Mutex<Option<Instant>>,
    /// Whether trust depends on that heartbeat (PostgreSQL, where other instances may exist).
    leased: bool,
    /// Asks the listener to drop and re-establish its connection.
    reconnect: Notify,
    /// Session lookups answered from memory, and those that went to the database.
    pub(crate) hits: Counter,
    pub(crate) misses: Counter,
    /// Invalidations heard from other instances (PostgreSQL).
    pub(crate) received: Counter,
}

struct Wait {
    pending: HashSet<String>,
    done: Option<oneshot::Sender<()>>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache")
            .field("trusted", &self.is_trusted())
            .finish_non_exhaustive()
    }
}

impl SessionCache {
    /// SQLite serves one instance, so the cache is trusted from the start; PostgreSQL's only once
    /// the listener runs.
    pub(crate) fn new(backend: Backend) -> Self {
        Self {
            entries: Mutex::default(),
            generation: AtomicU64::new(0),
            trusted: AtomicBool::new(backend == Backend::Sqlite),
            next_nonce: AtomicU64::new(1),
            instance: crate::ids::EventId::random().to_string(),
            peers: Mutex::default(),
            waits: Mutex::default(),
            own_heartbeat: Mutex::default(),
            leased: backend == Backend::Postgres,
            reconnect: Notify::new(),
            hits: Counter::default(),
            misses: Counter::default(),
            received: Counter::default(),
        }
    }

    fn entries(&self) -> MutexGuard<'_, Entries> {
        lock(&self.entries)
    }

    pub fn is_trusted(&self) -> bool {
        self.trusted.load(Ordering::SeqCst)
            && (!self.leased
                || lock(&self.own_heartbeat).is_some_and(|heard| heard.elapsed() < LEASE))
    }

    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub(crate) fn get(&self, token_hash: &str) -> Option<Cached> {
        let found = if self.is_trusted() {
            self.entries().by_token_hash.get(token_hash).cloned()
        } else {
            None
        };
        match found {
            Some(_) => self.hits.inc(),
            None => self.misses.inc(),
        };
        found
    }

    /// Caches what a loader read, unless anything was invalidated since `generation`.
    pub(crate) fn insert(&self, token_hash: String, entry: Cached, generation: u64) {
        let mut entries = self.entries();
        // Checked under the lock that `invalidate` also takes, so the two cannot interleave.
        if !self.is_trusted()
            || self.generation() != generation
            || entries.by_token_hash.len() >= MAX_ENTRIES
        {
            return;
        }
        entries.by_token_hash.insert(token_hash, entry);
    }

    pub(crate) fn touch(&self, token_hash: &str, now: Timestamp) {
        let mut entries = self.entries();
        let Some(entry) = entries.by_token_hash.get_mut(token_hash) else {
            return;
        };
        entry.last_active_at = now;
        let (user, session) = (entry.user_id, entry.session_id);
        if let Some((_, list)) = entries.lists.get_mut(&user) {
            for listed in list.iter_mut().filter(|l| l.id == session) {
                listed.last_active_at = now;
            }
        }
    }

    /// The user's cached session list. Sessions appearing or ending invalidate it everywhere;
    /// other instances' "last active" updates reach it within `LIST_TTL`.
    pub(crate) fn list(&self, user: UserId) -> Option<Vec<SessionInfo>> {
        if !self.is_trusted() {
            return None;
        }
        let entries = self.entries();
        let (read_at, list) = entries.lists.get(&user)?;
        (read_at.elapsed() < LIST_TTL).then(|| list.clone())
    }

    pub(crate) fn insert_list(&self, user: UserId, list: Vec<SessionInfo>, generation: u64) {
        let mut entries = self.entries();
        if !self.is_trusted()
            || self.generation() != generation
            || entries.lists.len() >= MAX_ENTRIES
        {
            return;
        }
        entries.lists.insert(user, (Instant::now(), list));
    }

    /// The organization's cached access snapshot.
    pub(crate) fn access(&self, org: OrgId) -> Option<Arc<OrgAccess>> {
        if !self.is_trusted() {
            return None;
        }
        self.entries().access.get(&org).cloned()
    }

    /// Caches a snapshot a loader read, unless anything was invalidated since `generation`.
    pub(crate) fn insert_access(&self, org: OrgId, snapshot: Arc<OrgAccess>, generation: u64) {
        let mut entries = self.entries();
        if !self.is_trusted()
            || self.generation() != generation
            || entries.access.len() >= MAX_ENTRIES
        {
            return;
        }
        entries.access.insert(org, snapshot);
    }

    /// A cached key by the hash of the secret presented.
    pub(crate) fn key(&self, secret_hash: &str) -> Option<CachedKey> {
        if !self.is_trusted() {
            return None;
        }
        self.entries().keys.get(secret_hash).cloned()
    }

    /// Caches a key a loader read, unless anything was invalidated since `generation`.
    pub(crate) fn insert_key(&self, secret_hash: String, key: CachedKey, generation: u64) {
        let mut entries = self.entries();
        if !self.is_trusted()
            || self.generation() != generation
            || entries.keys.len() >= MAX_ENTRIES
        {
            return;
        }
        entries.keys.insert(secret_hash, key);
    }

    /// Updates a cached key in place (its last use, a new address); no-op when not cached.
    pub(crate) fn update_key(&self, secret_hash: &str, update: impl FnOnce(&mut CachedKey)) {
        if let Some(key) = self.entries().keys.get_mut(secret_hash) {
            update(key);
        }
    }

    /// Drops a cached key (found expired on use).
    pub(crate) fn forget_key(&self, secret_hash: &str) {
        self.entries().keys.remove(secret_hash);
    }

    pub(crate) fn invalidate(&self, invalidation: Invalidation) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        match invalidation {
            Invalidation::Session(id) => {
                entries.by_token_hash.retain(|_, e| e.session_id != id);
                entries
                    .lists
                    .retain(|_, (_, list)| list.iter().all(|l| l.id != id));
            }
            Invalidation::User(id) => {
                entries.by_token_hash.retain(|_, e| e.user_id != id);
                entries.lists.remove(&id);
                entries.keys.retain(
                    |_, k| !matches!(k.holder, KeyHolder::Person { user_id, .. } if user_id == id),
                );
            }
            Invalidation::Org(id) => {
                entries
                    .by_token_hash
                    .retain(|_, e| e.org.as_ref().is_none_or(|org| org.id != id));
                entries.keys.retain(|_, k| k.org != id);
            }
            Invalidation::Access(id) => {
                entries.access.remove(&id);
            }
            Invalidation::Key(id) => {
                entries.keys.retain(|_, k| k.key_id != id);
            }
        }
    }

    fn distrust(&self) {
        let mut entries = self.entries();
        self.trusted.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    fn trust(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
        self.trusted.store(true, Ordering::SeqCst);
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries().by_token_hash.len()
    }

    /// Start-up: gives the listener time to join its peers, so the first writes need not wait for
    /// a lease to run out. Returns early on SQLite.
    pub(crate) async fn wait_until_trusted(&self, at_most: Duration) {
        let started = Instant::now();
        while !self.is_trusted() && started.elapsed() < at_most {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if !self.is_trusted() {
            tracing::warn!("invalidation listener not ready; writes wait for peers' leases");
        }
    }

    /// Forgets everything cached, as a restart would (tests that edit rows behind the app's back).
    pub fn invalidate_all_for_tests(&self) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::SeqCst);
        entries.clear();
    }

    /// Whether a session is currently cached (for tests and measurements).
    pub fn holds(&self, session: SessionId) -> bool {
        self.entries()
            .by_token_hash
            .values()
            .any(|e| e.session_id == session)
    }

    /// How many other instances are known to be alive.
    pub fn peer_count(&self) -> usize {
        lock(&self.peers)
            .values()
            .filter(|seen| seen.elapsed() < PEER_TIMEOUT)
            .count()
    }

    /// Registers a commit's invalidation: done once this instance and every live peer saw it.
    fn expect_acks(&self, nonce: u64) -> oneshot::Receiver<()> {
        let (done, receiver) = oneshot::channel();
        let mut pending: HashSet<String> = lock(&self.peers)
            .iter()
            .filter(|(_, seen)| seen.elapsed() < PEER_TIMEOUT)
            .map(|(peer, _)| peer.clone())
            .collect();
        pending.insert(self.instance.clone());
        lock(&self.waits).insert(
            nonce,
            Wait {
                pending,
                done: Some(done),
            },
        );
        receiver
    }

    fn acknowledged(&self, nonce: u64, by: &str) {
        let mut waits = lock(&self.waits);
        if let Some(wait) = waits.get_mut(&nonce) {
            wait.pending.remove(by);
            if wait.pending.is_empty()
                && let Some(done) = wait.done.take()
            {
                let _ = done.send(());
                waits.remove(&nonce);
            }
        }
    }

    /// Gives up on a commit's acknowledgements; peers that stayed silent are presumed gone.
    fn abandon(&self, nonce: u64) -> Vec<String> {
        let silent: Vec<String> = lock(&self.waits)
            .remove(&nonce)
            .map(|w| w.pending.into_iter().collect())
            .unwrap_or_default();
        let mut peers = lock(&self.peers);
        for peer in &silent {
            peers.remove(peer);
        }
        silent
    }

    fn heard(&self, instance: &str) {
        lock(&self.peers).insert(instance.to_string(), Instant::now());
    }
}

#[cfg(test)]
mod tests;
