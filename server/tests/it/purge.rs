//! Tables stay bounded: the periodic purge deletes what is past its use — and nothing a screen,
//! a link or a rule still needs — and throttled anonymous requests are counted, not audited one
//! row each.

use std::time::Duration;

use gatehouse_server::config::ServiceConfig;
use gatehouse_server::error::Lapse;
use gatehouse_server::invitations::{self, Status};
use gatehouse_server::password_resets::{create_reset_link, reset_link_email, reset_password};
use gatehouse_server::purge::{Purged, purge};
use gatehouse_server::sign_in;
use gatehouse_server::{Actor, Clock, Error, Role, Services, SignedIn, accounts, sessions};

use crate::expect::{expect_gone, expect_not_found};
use crate::invitations::{accept_new, invite};
use crate::mfa::{enroll, pending_sign_in};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of, token_of};

on_both_databases!(
    the_purge_deletes_only_what_is_past_its_use,
    throttled_sign_ins_are_counted_not_audited_one_by_one,
);

const MINUTE: Duration = Duration::from_secs(60);
const DAY: Duration = Duration::from_secs(24 * 3600);

async fn count(env: &TestEnv, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(env.svc.db.pool())
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn run(env: &TestEnv) -> Purged {
    purge(&env.svc).await.expect("purge")
}

/// A provider sign-in trip (10 minutes) and an identity waiting for its person (15 minutes), as
/// `oauth::start` and the callback store them.
async fn provider_rows(env: &TestEnv) {
    let now = env.clock.now().as_millis();
    sqlx::query(
        "INSERT INTO oauth_flows (id, token_hash, provider, state, nonce, verifier_sealed, \
         created_at, expires_at) VALUES ('trip', 'trip-hash', 'testid', 's', 'n', 'v', $1, $2)",
    )
    .bind(now)
    .bind(now + 10 * 60 * 1000)
    .execute(env.svc.db.pool())
    .await
    .expect("trip");
    sqlx::query(
        "INSERT INTO pending_identities (id, token_hash, provider, issuer, subject, email, name, \
         created_at, expires_at) VALUES ('waiting', 'waiting-hash', 'testid', \
         'https://id.example.test', 'sub', 'new@example.com', 'New', $1, $2)",
    )
    .bind(now)
    .bind(now + 15 * 60 * 1000)
    .execute(env.svc.db.pool())
    .await
    .expect("pending identity");
}

async fn listed(env: &TestEnv, owner: &Actor) -> Vec<(String, Status)> {
    invitations::list_invitations(&env.svc, owner)
        .await
        .expect("list")
        .into_iter()
        .map(|i| (i.email, i.status))
        .collect()
}

async fn signed_in_owner(env: &TestEnv) -> SignedIn {
    let step = sign_in::sign_in(
        &env.svc,
        "owner@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .expect("sign in");
    crate::support::session(step)
}

async fn the_purge_deletes_only_what_is_past_its_use(env: &TestEnv) {
    // Day 0: people, sessions (one signed out), reset links (used), invitations (pending,
    // revoked, accepted), a sign-in waiting for its code, provider rows, failed sign-ins, and a
    // refused sign-up (tallied).
    let owner = acme_owner(env).await;
    let second = env.actor(&signed_in_owner(env).await).await;
    sessions::sign_out(&env.svc, &second)
        .await
        .expect("sign out");
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    let unused = create_reset_link(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("link");
    let used = create_reset_link(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("link");
    reset_password(
        &env.svc,
        &token_of(&used.link),
        "Fresh-Start-2027!",
        &env.client(),
    )
    .await
    .expect("reset");
    let pending = invite(env, &owner, "pending@example.com", "member").await;
    let revoked = invite(env, &owner, "revoked@example.com", "member").await;
    invitations::revoke_invitation(&env.svc, &owner, &revoked.id.to_string())
        .await
        .expect("revoke");
    let accepted = invite(env, &owner, "accepted@example.com", "member").await;
    accept_new(env, &token_of(&accepted.link), "Accepted")
        .await
        .expect("accept");
    let carl = env.sign_up("carl@example.com").await;
    enroll(env, &env.caller(&carl).await).await;
    pending_sign_in(env, "carl@example.com").await;
    provider_rows(env).await;
    let client = env.client();
    for _ in 0..3 {
        let wrong = sign_in::sign_in(
            &env.svc,
            "nobody@example.com",
            "Nope-1!",
            None,
            &client,
            None,
        );
        assert!(matches!(wrong.await, Err(Error::InvalidCredentials)));
    }
    let limited = Services {
        config: ServiceConfig {
            signup_limit_per_hour: 1,
            ..env.svc.config.clone()
        },
        ..env.svc.clone()
    };
    let sign_up = |email: &'static str| {
        let limited = limited.clone();
        let client = env.client();
        async move {
            let input = accounts::SignUp {
                name: "Dora",
                email,
                password: PASSWORD,
                organization: "Dora's",
            };
            accounts::sign_up(&limited, input, &client, None).await
        }
    };
    sign_up("dora@example.com").await.expect("first sign-up");
    let refused = sign_up("dora2@example.com").await;
    assert!(
        matches!(refused, Err(Error::RateLimited { .. })),
        "{refused:?}"
    );

    // Nothing is past its use yet.
    assert_eq!(run(env).await, Purged::default());

    // 16 minutes: what waited minutes is gone; the hour-long sign-up window is not.
    env.clock.advance(16 * MINUTE);
    let purged = run(env).await;
    assert_eq!(
        (
            purged.mfa_challenges,
            purged.provider_trips,
            purged.pending_identities
        ),
        (1, 1, 1)
    );
    assert!(purged.throttle_counters >= 2, "{purged:?}");
    assert_eq!(purged.total(), 3 + purged.throttle_counters, "{purged:?}");
    let still = sign_up("dora3@example.com").await;
    assert!(matches!(still, Err(Error::RateLimited { .. })), "{still:?}");
    // The used reset link still says so.
    expect_gone(
        reset_link_email(&env.svc, &token_of(&unused.link)).await,
        Lapse::ResetLinkUsed,
    );

    // Expired reset links still say what became of them for a day, then go.
    env.clock.advance(30 * MINUTE);
    assert_eq!(run(env).await, Purged::default());
    expect_gone(
        reset_link_email(&env.svc, &token_of(&unused.link)).await,
        Lapse::ResetLinkUsed,
    );
    env.clock.advance(DAY);
    assert_eq!(run(env).await.password_resets, 2);
    expect_not_found(reset_link_email(&env.svc, &token_of(&unused.link)).await);

    // Seven days: the sessions of day 0 have just expired and are kept a day more...
    env.clock.advance(6 * DAY);
    assert_eq!(run(env).await.sessions, 0);
    // ...and at eight days they go, ended or not; a session from today stays.
    env.clock.advance(DAY);
    let today = signed_in_owner(env).await;
    let of_day_0 = count(env, "SELECT COUNT(*) FROM sessions").await - 1;
    assert!(of_day_0 >= 4, "{of_day_0}");
    assert_eq!(
        run(env).await.sessions,
        u64::try_from(of_day_0).expect("count")
    );
    let today = env.actor(&today).await;
    let shown = vec![("pending@example.com".to_string(), Status::Expired)];
    assert_eq!(listed(env, &today).await, shown);

    // 30 days after they ended, revoked and accepted invitations go; the expired one is still
    // listed until 30 days after its expiry, then goes too.
    env.clock.advance(22 * DAY);
    assert_eq!(run(env).await.invitations, 2);
    assert_eq!(listed(env, &today).await, shown);
    expect_not_found(invitations::invitation_details(&env.svc, &token_of(&revoked.link)).await);
    env.clock.advance(7 * DAY);
    assert_eq!(run(env).await.invitations, 1);
    assert_eq!(listed(env, &today).await, Vec::new());
    expect_not_found(invitations::invitation_details(&env.svc, &token_of(&pending.link)).await);

    // Audit events and tallies are kept 400 days (GATEHOUSE_AUDIT_RETENTION_DAYS).
    let day_0_cutoff = env.clock.now().minus(37 * DAY - DAY).as_millis();
    let old_events = count(
        env,
        &format!("SELECT COUNT(*) FROM audit_events WHERE created_at < {day_0_cutoff}"),
    )
    .await;
    let all_events = count(env, "SELECT COUNT(*) FROM audit_events").await;
    assert!(
        old_events > 10 && all_events > old_events,
        "{old_events} of {all_events}"
    );
    env.clock.advance(400 * DAY - 36 * DAY);
    let purged = run(env).await;
    assert_eq!(
        (purged.audit_events, purged.audit_tallies),
        (u64::try_from(old_events).expect("count"), 1)
    );
    let left = count(env, "SELECT COUNT(*) FROM audit_events").await;
    assert_eq!(left, all_events - old_events, "younger events stay");
    assert_eq!(
        run(env).await,
        Purged::default(),
        "a second run finds nothing"
    );
    assert!(
        count(env, "SELECT COUNT(*) FROM users").await >= 5,
        "accounts are never purged"
    );
}

async fn throttled_sign_ins_are_counted_not_audited_one_by_one(env: &TestEnv) {
    env.sign_up("ada@example.com").await;
    let client = env.client();
    for _ in 0..10 {
        let wrong = sign_in::sign_in(&env.svc, "ada@example.com", "Nope-1!", None, &client, None);
        assert!(matches!(wrong.await, Err(Error::InvalidCredentials)));
    }
    for _ in 0..25 {
        let throttled =
            sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None);
        assert!(matches!(throttled.await, Err(Error::RateLimited { .. })));
    }
    let audited = count(
        env,
        "SELECT COUNT(*) FROM audit_events WHERE action = 'session.sign_in_throttled'",
    )
    .await;
    let tallied = count(
        env,
        "SELECT CAST(COALESCE(SUM(count), 0) AS BIGINT) FROM audit_tallies \
         WHERE action = 'session.sign_in_throttled'",
    )
    .await;
    assert_eq!((audited, tallied), (0, 25));
    // Each hour has its own count.
    env.clock.advance(Duration::from_secs(3600));
    let next = sign_in::sign_in(
        &env.svc,
        "nobody@example.com",
        "Nope-1!",
        None,
        &client,
        None,
    );
    assert!(matches!(next.await, Err(Error::InvalidCredentials)));
    let rows = count(env, "SELECT COUNT(*) FROM audit_tallies").await;
    assert_eq!(rows, 1, "one row for the hour, however many refusals");
}
