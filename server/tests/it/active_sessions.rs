use gatehouse_server::SessionInfo;
use gatehouse_server::sessions;
use gatehouse_server::sign_in;
use gatehouse_server::{ClientInfo, EndReason, Error, Resolved, SignedIn};

use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv};

on_both_databases!(
    the_list_shows_only_the_callers_sessions_current_first,
    a_revoked_session_is_refused_on_its_next_request_and_told_why,
    a_cached_session_is_refused_right_after_it_is_revoked,
    revoking_a_session_that_is_not_yours_is_not_found,
    revoking_all_others_keeps_only_the_current_session,
    revoking_the_current_session_signs_this_device_out,
);

const MAC_SAFARI: &str = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
const WINDOWS_CHROME: &str = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36";

async fn sign_in_as(env: &TestEnv, email: &str, user_agent: &str) -> SignedIn {
    let client = ClientInfo::new(Some("198.51.100.4".into()), user_agent);
    sign_in::sign_in(&env.svc, email, PASSWORD, None, &client, None)
        .await
        .map(crate::support::session)
        .expect("sign in")
}

async fn list(env: &TestEnv, signed_in: &SignedIn) -> Vec<SessionInfo> {
    let actor = env.actor(signed_in).await;
    sessions::list_sessions(&env.svc, &actor)
        .await
        .expect("list")
}

async fn the_list_shows_only_the_callers_sessions_current_first(env: &TestEnv) {
    let first = env.sign_up("ada@example.com").await;
    let mac = sign_in_as(env, "ada@example.com", MAC_SAFARI).await;
    env.clock.advance(std::time::Duration::from_secs(120));
    let windows = sign_in_as(env, "ada@example.com", WINDOWS_CHROME).await;
    env.sign_up("bob@example.com").await;

    let listed = list(env, &mac).await;
    let ids: Vec<_> = listed.iter().map(|s| s.id).collect();
    assert_eq!(ids, [mac.session_id, windows.session_id, first.session_id]);
    assert_eq!(listed.iter().filter(|s| s.current).count(), 1);
    assert!(listed[0].current);
    assert_eq!(listed[0].device, "Safari on macOS");
    assert_eq!(listed[1].device, "Chrome on Windows");
    assert_eq!(listed[0].ip.as_deref(), Some("198.51.100.4"));
    assert!(listed[1].expires_at > listed[1].signed_in_at);
}

async fn a_revoked_session_is_refused_on_its_next_request_and_told_why(env: &TestEnv) {
    let phone = env.sign_up("ada@example.com").await;
    let laptop = sign_in_as(env, "ada@example.com", MAC_SAFARI).await;
    let actor = env.actor(&laptop).await;
    sessions::revoke_session(&env.svc, &actor, &phone.session_id.to_string())
        .await
        .expect("revoke");
    let resolved = env.resolve_on(&env.svc, &phone).await;
    assert!(
        matches!(resolved, Resolved::Ended(EndReason::Revoked)),
        "{resolved:?}"
    );
    assert!(env.resolve(&laptop).await.is_some());
}

async fn a_cached_session_is_refused_right_after_it_is_revoked(env: &TestEnv) {
    let phone = env.sign_up("ada@example.com").await;
    let laptop = sign_in_as(env, "ada@example.com", MAC_SAFARI).await;
    env.resolve(&phone).await;
    env.resolve(&phone).await;
    assert!(env.svc.cache.holds(phone.session_id) || !env.svc.cache.is_trusted());
    let actor = env.actor(&laptop).await;
    sessions::revoke_other_sessions(&env.svc, &actor)
        .await
        .expect("revoke others");
    assert!(!env.svc.cache.holds(phone.session_id));
    assert!(env.resolve(&phone).await.is_none());
}

async fn revoking_a_session_that_is_not_yours_is_not_found(env: &TestEnv) {
    let ada = env.sign_up("ada@example.com").await;
    let bob = env.sign_up("bob@example.com").await;
    let actor = env.actor(&ada).await;
    for id in [bob.session_id.to_string(), "not-an-id".into(), uuid_like()] {
        let refused = sessions::revoke_session(&env.svc, &actor, &id).await;
        assert!(matches!(refused, Err(Error::NotFound)), "{id}: {refused:?}");
    }
    assert!(
        env.resolve(&bob).await.is_some(),
        "bob's session is untouched"
    );
}

fn uuid_like() -> String {
    gatehouse_server::SessionId::random().to_string()
}

async fn revoking_all_others_keeps_only_the_current_session(env: &TestEnv) {
    let first = env.sign_up("ada@example.com").await;
    let second = sign_in_as(env, "ada@example.com", MAC_SAFARI).await;
    let third = sign_in_as(env, "ada@example.com", WINDOWS_CHROME).await;
    let actor = env.actor(&third).await;
    let revoked = sessions::revoke_other_sessions(&env.svc, &actor)
        .await
        .expect("revoke");
    assert_eq!(revoked, 2);
    assert!(env.resolve(&first).await.is_none());
    assert!(env.resolve(&second).await.is_none());
    assert_eq!(list(env, &third).await.len(), 1);
}

async fn revoking_the_current_session_signs_this_device_out(env: &TestEnv) {
    let only = env.sign_up("ada@example.com").await;
    let actor = env.actor(&only).await;
    sessions::revoke_session(&env.svc, &actor, &only.session_id.to_string())
        .await
        .expect("revoke");
    let resolved = env.resolve_on(&env.svc, &only).await;
    assert!(
        matches!(resolved, Resolved::Ended(EndReason::SignedOut)),
        "{resolved:?}"
    );
}

on_both_databases!(a_new_sign_in_beyond_the_cap_ends_the_least_recently_active_session);

async fn a_new_sign_in_beyond_the_cap_ends_the_least_recently_active_session(env: &TestEnv) {
    let oldest = env.sign_up("ada@example.com").await;
    env.clock.advance(std::time::Duration::from_secs(1));
    let cap = usize::try_from(sessions::MAX_SESSIONS_PER_USER).unwrap_or(usize::MAX);
    let mut newest = None;
    for _ in 1..=cap {
        newest = Some(sign_in_as(env, "ada@example.com", WINDOWS_CHROME).await);
    }
    let newest = newest.expect("signed in");
    assert_eq!(list(env, &newest).await.len(), cap);
    let resolved = env.resolve_on(&env.svc, &oldest).await;
    assert!(
        matches!(resolved, Resolved::Ended(EndReason::Replaced)),
        "{resolved:?}"
    );
}

on_both_databases!(the_cached_list_follows_new_and_ended_sessions);

async fn the_cached_list_follows_new_and_ended_sessions(env: &TestEnv) {
    let first = env.sign_up("ada@example.com").await;
    assert_eq!(list(env, &first).await.len(), 1);
    assert_eq!(
        list(env, &first).await.len(),
        1,
        "served again, from the cache"
    );
    let second = sign_in_as(env, "ada@example.com", MAC_SAFARI).await;
    assert_eq!(
        list(env, &first).await.len(),
        2,
        "a new device shows up at once"
    );
    let actor = env.actor(&first).await;
    sessions::revoke_session(&env.svc, &actor, &second.session_id.to_string())
        .await
        .expect("revoke");
    assert_eq!(
        list(env, &first).await.len(),
        1,
        "an ended one disappears at once"
    );
}
