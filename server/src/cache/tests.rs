//! The cache's own rules: racing reads are not cached, invalidations drop what they name, an
//! untrusted cache is bypassed.

use super::*;

fn entry(session_id: SessionId, user_id: UserId) -> Cached {
    Cached {
        session_id,
        user_id,
        name: "Ada".into(),
        email: "ada@example.com".into(),
        email_verified: true,
        org: None,
        mfa: MfaState::default(),
        auth: crate::vocab::SessionAuth::default(),
        proven_at: Timestamp::from_millis(0),
        expires_at: Timestamp::from_millis(10),
        last_active_at: Timestamp::from_millis(0),
    }
}

#[test]
fn payloads_round_trip() {
    let id = SessionId::random();
    let payload = Invalidation::Session(id).encode(7, "me");
    assert_eq!(
        Invalidation::decode(&payload),
        Some((Invalidation::Session(id), 7, "me"))
    );
    assert_eq!(Invalidation::decode("x:nope:1"), None);
}

#[test]
fn a_read_that_raced_an_invalidation_is_not_cached() {
    let cache = SessionCache::new(Backend::Sqlite);
    let (session, user) = (SessionId::random(), UserId::random());
    let generation = cache.generation();
    cache.invalidate(Invalidation::Session(session));
    cache.insert("h".into(), entry(session, user), generation);
    assert!(cache.get("h").is_none());
    cache.insert("h".into(), entry(session, user), cache.generation());
    assert!(cache.get("h").is_some());
}

#[test]
fn user_invalidation_drops_all_their_sessions_only() {
    let cache = SessionCache::new(Backend::Sqlite);
    let (ada, bob) = (UserId::random(), UserId::random());
    cache.insert(
        "a1".into(),
        entry(SessionId::random(), ada),
        cache.generation(),
    );
    cache.insert(
        "a2".into(),
        entry(SessionId::random(), ada),
        cache.generation(),
    );
    cache.insert(
        "b1".into(),
        entry(SessionId::random(), bob),
        cache.generation(),
    );
    cache.invalidate(Invalidation::User(ada));
    assert_eq!(cache.len(), 1);
    assert!(cache.get("b1").is_some());
}

#[test]
fn a_silent_listener_loses_its_lease() {
    let cache = SessionCache::new(Backend::Postgres);
    *lock(&cache.own_heartbeat) = Some(Instant::now());
    cache.trust();
    assert!(cache.is_trusted());
    *lock(&cache.own_heartbeat) = Instant::now().checked_sub(LEASE + Duration::from_millis(1));
    assert!(
        !cache.is_trusted(),
        "no own heartbeat for a lease: the cache is bypassed"
    );
}

#[test]
fn an_untrusted_cache_is_bypassed() {
    let cache = SessionCache::new(Backend::Postgres);
    cache.insert(
        "h".into(),
        entry(SessionId::random(), UserId::random()),
        cache.generation(),
    );
    assert!(
        cache.get("h").is_none(),
        "nothing is cached before the listener runs"
    );
    *lock(&cache.own_heartbeat) = Some(Instant::now());
    cache.trust();
    cache.insert(
        "h".into(),
        entry(SessionId::random(), UserId::random()),
        cache.generation(),
    );
    assert!(cache.get("h").is_some());
    cache.distrust();
    assert!(cache.get("h").is_none());
}

#[test]
fn an_access_invalidation_drops_only_that_organizations_snapshot() {
    let cache = SessionCache::new(Backend::Sqlite);
    let (acme, globex) = (OrgId::random(), OrgId::random());
    let snapshot = || Arc::new(OrgAccess::default());
    cache.insert_access(acme, snapshot(), cache.generation());
    cache.insert_access(globex, snapshot(), cache.generation());
    let payload = Invalidation::Access(acme).encode(3, "me");
    assert_eq!(
        Invalidation::decode(&payload),
        Some((Invalidation::Access(acme), 3, "me"))
    );
    cache.invalidate(Invalidation::Access(acme));
    assert!(cache.access(acme).is_none());
    assert!(cache.access(globex).is_some());
    // A snapshot read before that invalidation is not cached.
    let before = cache.generation();
    cache.invalidate(Invalidation::Access(globex));
    cache.insert_access(acme, snapshot(), before);
    assert!(cache.access(acme).is_none());
}
