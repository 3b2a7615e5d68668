//! Service accounts and API keys, as their holders and an attacker see them: a key shown once
//! and stored as a hash, expiry, a rotation's overlap, revocation, a personal key that never
//! outlives its creator's access, deactivation, introspection, and tenant isolation.

use std::time::Duration;

use gatehouse_server::api_keys::{
    self, authenticate, introspect_key, list_api_keys, revoke_api_key, rotate_api_key, whoami,
};
use gatehouse_server::projects::{self, check_permission_with_key, list_key_projects};
use gatehouse_server::service_accounts::{
    create_service_account, deactivate_service_account, delete_service_account,
    list_service_accounts, reactivate_service_account, update_service_account,
};
use gatehouse_server::{Actor, Clock, Error, KeyActor, Role};

use crate::expect::expect_not_found;
use crate::on_both_databases;
use crate::support::MailServer;
use crate::support::{TestEnv, acme_owner, org_of};

on_both_databases!(
    a_service_account_key_is_shown_once_stored_hashed_and_acts_as_the_account,
    keys_expire_and_a_rotation_overlap_ends,
    revoking_a_key_refuses_it_at_once,
    deactivating_or_deleting_an_account_stops_its_keys,
    a_personal_key_never_outlives_its_creators_access,
    introspection_answers_inactive_alike,
);

mod standing;

const DAY: Duration = Duration::from_secs(86_400);

async fn key(env: &TestEnv, token: &str) -> Result<KeyActor, Error> {
    authenticate(&env.svc, token, env.client()).await
}

/// An account "CI" holding `role` on a new project "Payments"; the project's id.
async fn account_on_project(env: &TestEnv, owner: &Actor, role: &str) -> (String, String) {
    let account = create_service_account(&env.svc, owner, "CI", "Deploys payments")
        .await
        .expect("create account")
        .to_string();
    let project = projects::create_project(&env.svc, owner, "Payments", "")
        .await
        .expect("project")
        .to_string();
    projects::add_project_service_account(&env.svc, owner, &project, &account, role)
        .await
        .expect("grant");
    (account, project)
}

async fn account_key(env: &TestEnv, owner: &Actor, account: &str, days: &str) -> String {
    api_keys::create_api_key(&env.svc, owner, "deploy", days, Some(account), None)
        .await
        .expect("key")
        .secret
}

async fn a_service_account_key_is_shown_once_stored_hashed_and_acts_as_the_account(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (account, project) = account_on_project(env, &owner, "viewer").await;
    let issued = api_keys::create_api_key(&env.svc, &owner, "deploy", "", Some(&account), None)
        .await
        .expect("key");
    assert!(issued.secret.starts_with("ghk_"), "a prefix scanners match");
    assert!(
        issued.secret.len() >= 4 + 32 + 1 + 43,
        "an id and 256 random bits"
    );
    assert_eq!(
        env.clock.now().until(issued.expires_at),
        DAY * 90,
        "90 days by default"
    );

    // Only the hash is in the database; the list shows the prefix and the last four.
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT secret_hash, last_four FROM api_keys WHERE id = $1")
            .bind(issued.id.to_string())
            .fetch_all(env.svc.db.pool())
            .await
            .expect("row");
    let (hash, last_four) = stored.into_iter().next().expect("one row");
    assert_ne!(hash, issued.secret);
    assert!(!hash.contains(&issued.secret[4..20]));
    assert_eq!(hash.len(), 64, "a SHA-256 in hex");
    let dump: Vec<String> = sqlx::query_scalar(
        "SELECT id || name || last_four || secret_hash || COALESCE(previous_hash, '') \
         FROM api_keys",
    )
    .fetch_all(env.svc.db.pool())
    .await
    .expect("dump");
    assert!(dump.iter().all(|row| !row.contains(&issued.secret)));
    let listed = list_api_keys(&env.svc, &owner, None, Some(&account))
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].hint, format!("ghk_…{last_four}"));
    assert!(issued.secret.ends_with(&last_four));

    // The key acts as the account: Viewer on the project.
    let acting = key(env, &issued.secret).await.expect("active");
    let me = whoami(&acting);
    assert_eq!(
        (me.kind, me.id.as_str(), me.name.as_str()),
        ("service_account", account.as_str(), "CI")
    );
    assert_eq!(me.organization, org_of(&owner));
    let view = check_permission_with_key(&env.svc, &acting, &project, "view", None)
        .await
        .expect("answer");
    assert!(view.allowed);
    let edit = check_permission_with_key(&env.svc, &acting, &project, "use", None)
        .await
        .expect("answer");
    assert!(!edit.allowed, "a Viewer may not use");
    let mine = list_key_projects(&env.svc, &acting)
        .await
        .expect("projects");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].name, "Payments");

    // The list says who made the account, its projects, keys and last use.
    let accounts = list_service_accounts(&env.svc, &owner).await.expect("list");
    assert_eq!(accounts.len(), 1);
    assert_eq!(accounts[0].key_count, 1);
    assert_eq!(accounts[0].projects.len(), 1);
    assert_eq!(accounts[0].created_by.as_deref(), Some("Olive Owner"));
    assert_eq!(accounts[0].last_used_at, Some(env.clock.now()));

    // A made-up key, or a near miss of a real one, is refused the same way.
    for wrong in [
        "ghk_nothing".to_string(),
        format!("{}x", issued.secret),
        issued.secret.to_uppercase(),
        String::new(),
        "x".repeat(10_000),
    ] {
        assert!(matches!(
            key(env, &wrong).await,
            Err(Error::Unauthenticated)
        ));
    }
}

async fn keys_expire_and_a_rotation_overlap_ends(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (account, _) = account_on_project(env, &owner, "member").await;
    let weekly = account_key(env, &owner, &account, "7").await;
    let yearly = api_keys::create_api_key(&env.svc, &owner, "long", "365", Some(&account), None)
        .await
        .expect("key");
    for days in ["0", "14", "3650", "x"] {
        let refused =
            api_keys::create_api_key(&env.svc, &owner, "k", days, Some(&account), None).await;
        assert!(
            matches!(&refused, Err(Error::Validation(f)) if !f.of("expires_in_days").is_empty()),
            "{days}: {refused:?}"
        );
    }

    // Rotating with an hour of overlap: both secrets work for the hour, then only the new one.
    let rotated = rotate_api_key(&env.svc, &owner, &yearly.id.to_string(), "1h")
        .await
        .expect("rotate");
    assert_eq!(rotated.id, yearly.id, "the same key record");
    assert_eq!(
        rotated.expires_at, yearly.expires_at,
        "the key keeps its expiry"
    );
    assert!(
        key(env, &yearly.secret).await.is_ok(),
        "old secret in overlap"
    );
    assert!(key(env, &rotated.secret).await.is_ok());
    env.clock.advance(Duration::from_secs(3600));
    assert!(matches!(
        key(env, &yearly.secret).await,
        Err(Error::Unauthenticated)
    ));
    assert!(key(env, &rotated.secret).await.is_ok());

    // Without overlap the old secret stops at once.
    let again = rotate_api_key(&env.svc, &owner, &yearly.id.to_string(), "none")
        .await
        .expect("rotate");
    assert!(matches!(
        key(env, &rotated.secret).await,
        Err(Error::Unauthenticated)
    ));
    assert!(key(env, &again.secret).await.is_ok());
    let refused = rotate_api_key(&env.svc, &owner, &yearly.id.to_string(), "2h").await;
    assert!(matches!(&refused, Err(Error::Validation(f)) if !f.of("overlap").is_empty()));

    // Past its expiry a key is refused, and listed as expired.
    assert!(key(env, &weekly).await.is_ok());
    env.clock.advance(DAY * 7);
    assert!(matches!(
        key(env, &weekly).await,
        Err(Error::Unauthenticated)
    ));
    let listed = list_api_keys(&env.svc, &owner, None, Some(&account))
        .await
        .expect("list");
    let statuses: Vec<&str> = listed.iter().map(|k| k.status.as_str()).collect();
    assert!(statuses.contains(&"expired"), "{statuses:?}");
}

async fn revoking_a_key_refuses_it_at_once(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (account, _) = account_on_project(env, &owner, "viewer").await;
    let secret = account_key(env, &owner, &account, "30").await;
    let acting = key(env, &secret).await.expect("active");
    // Cached now on this instance and, on PostgreSQL, on another one too.
    let other = match env.svc.db.backend() {
        gatehouse_server::Backend::Postgres => Some(env.another_instance().await),
        gatehouse_server::Backend::Sqlite => None,
    };
    if let Some(other) = &other {
        crate::project_membership::until("the other instance's listener", || {
            other.cache.is_trusted() && env.svc.cache.peer_count() >= 1
        })
        .await;
        assert!(authenticate(other, &secret, env.client()).await.is_ok());
    }
    revoke_api_key(&env.svc, &owner, &acting.key_id.to_string())
        .await
        .expect("revoke");
    assert!(matches!(
        key(env, &secret).await,
        Err(Error::Unauthenticated)
    ));
    if let Some(other) = &other {
        let refused = authenticate(other, &secret, env.client()).await;
        assert!(
            matches!(refused, Err(Error::Unauthenticated)),
            "{refused:?}"
        );
        other.db.close().await;
    }
    let again = revoke_api_key(&env.svc, &owner, &acting.key_id.to_string()).await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
}

async fn deactivating_or_deleting_an_account_stops_its_keys(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (account, project) = account_on_project(env, &owner, "viewer").await;
    let secret = account_key(env, &owner, &account, "30").await;
    assert!(key(env, &secret).await.is_ok());
    deactivate_service_account(&env.svc, &owner, &account)
        .await
        .expect("deactivate");
    assert!(matches!(
        key(env, &secret).await,
        Err(Error::Unauthenticated)
    ));
    let refused = api_keys::create_api_key(&env.svc, &owner, "k", "", Some(&account), None).await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    reactivate_service_account(&env.svc, &owner, &account)
        .await
        .expect("reactivate");
    assert!(key(env, &secret).await.is_ok());
    // A removed role is gone on the next request.
    let acting = key(env, &secret).await.expect("active");
    projects::remove_project_service_account(&env.svc, &owner, &project, &account)
        .await
        .expect("remove");
    let gone = check_permission_with_key(&env.svc, &acting, &project, "view", None).await;
    expect_not_found(gone);

    update_service_account(&env.svc, &owner, &account, "CI bot", "")
        .await
        .expect("rename");
    let taken = create_service_account(&env.svc, &owner, "ci BOT", "").await;
    assert!(matches!(taken, Err(Error::Conflict(_))), "{taken:?}");
    delete_service_account(&env.svc, &owner, &account)
        .await
        .expect("delete");
    assert!(matches!(
        key(env, &secret).await,
        Err(Error::Unauthenticated)
    ));
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys")
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count");
    assert_eq!(left, 0, "its keys died with it");
}

async fn a_personal_key_never_outlives_its_creators_access(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let org = org_of(&owner);
    let bob = env.join(org, "bob@example.com", Role::Member).await;
    let bob = env.actor(&bob).await;
    let project = projects::create_project(&env.svc, &owner, "Payments", "")
        .await
        .expect("project")
        .to_string();
    let other = projects::create_project(&env.svc, &owner, "Search", "")
        .await
        .expect("project")
        .to_string();
    let bob_id = bob.user_id.to_string();
    projects::add_project_members(
        &env.svc,
        &owner,
        &project,
        std::slice::from_ref(&bob_id),
        "viewer",
    )
    .await
    .expect("viewer");
    // A Viewer may not make a key; Use may.
    let refused = api_keys::create_api_key(&env.svc, &bob, "mine", "", None, Some(&project)).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    projects::update_project_member_role(&env.svc, &owner, &project, &bob_id, "member")
        .await
        .expect("use");
    let secret = api_keys::create_api_key(&env.svc, &bob, "mine", "30", None, Some(&project))
        .await
        .expect("key")
        .secret;
    let acting = key(env, &secret).await.expect("active");
    assert_eq!(whoami(&acting).kind, "user");
    let used = check_permission_with_key(&env.svc, &acting, &project, "use", None)
        .await
        .expect("answer");
    assert!(used.allowed);
    // Only its project.
    expect_not_found(check_permission_with_key(&env.svc, &acting, &other, "view", None).await);

    // Never more than the creator now: demoted to Viewer, the key may only view.
    projects::update_project_member_role(&env.svc, &owner, &project, &bob_id, "viewer")
        .await
        .expect("viewer");
    let acting = key(env, &secret).await.expect("active");
    let used = check_permission_with_key(&env.svc, &acting, &project, "use", None)
        .await
        .expect("answer");
    assert!(!used.allowed);
    // The Owner may revoke Bob's key but not give it a new secret (that would let them act as
    // Bob); Bob may.
    let key_id = acting.key_id.to_string();
    let refused = rotate_api_key(&env.svc, &owner, &key_id, "none").await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    assert!(key(env, &secret).await.is_ok(), "nothing changed");
    // Deactivated: refused; reactivated: back; removed from the organization: gone for good.
    gatehouse_server::members::deactivate_member(&env.svc, &owner, &bob_id)
        .await
        .expect("deactivate");
    assert!(matches!(
        key(env, &secret).await,
        Err(Error::Unauthenticated)
    ));
    gatehouse_server::members::reactivate_member(&env.svc, &owner, &bob_id)
        .await
        .expect("reactivate");
    assert!(key(env, &secret).await.is_ok());
    projects::remove_project_member(&env.svc, &owner, &project, &bob_id)
        .await
        .expect("remove from project");
    assert!(matches!(
        key(env, &secret).await,
        Err(Error::Unauthenticated)
    ));
    projects::add_project_members(
        &env.svc,
        &owner,
        &project,
        std::slice::from_ref(&bob_id),
        "member",
    )
    .await
    .expect("back");
    assert!(key(env, &secret).await.is_ok());
    gatehouse_server::members::remove_member(&env.svc, &owner, &bob_id)
        .await
        .expect("remove");
    assert!(matches!(
        key(env, &secret).await,
        Err(Error::Unauthenticated)
    ));
}

async fn introspection_answers_inactive_alike(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (account, project) = account_on_project(env, &owner, "member").await;
    let gateway = create_service_account(&env.svc, &owner, "Gateway", "")
        .await
        .expect("gateway")
        .to_string();
    let gateway_key = account_key(env, &owner, &gateway, "30").await;
    let gateway = key(env, &gateway_key).await.expect("gateway key");

    let live = account_key(env, &owner, &account, "30").await;
    let answer = introspect_key(&env.svc, &gateway, &live)
        .await
        .expect("answer");
    assert!(answer.active);
    assert_eq!(answer.sub, Some(format!("service_account:{account}")));
    assert_eq!(answer.org, Some(org_of(&owner)));
    let on_project: Vec<&str> = answer
        .permissions
        .values()
        .flatten()
        .map(|p| p.as_str())
        .collect();
    assert_eq!(on_project, ["view", "use"]);
    assert_eq!(
        answer.permissions.keys().next().map(ToString::to_string),
        Some(project)
    );

    let revoked = api_keys::create_api_key(&env.svc, &owner, "r", "30", Some(&account), None)
        .await
        .expect("key");
    revoke_api_key(&env.svc, &owner, &revoked.id.to_string())
        .await
        .expect("revoke");
    let rotated = api_keys::create_api_key(&env.svc, &owner, "o", "30", Some(&account), None)
        .await
        .expect("key");
    rotate_api_key(&env.svc, &owner, &rotated.id.to_string(), "none")
        .await
        .expect("rotate");
    let inactive = [
        revoked.secret,
        rotated.secret,
        "ghk_0123456789abcdef0123456789abcdef_unknown".to_string(),
    ];
    for token in &inactive {
        let answer = introspect_key(&env.svc, &gateway, token)
            .await
            .expect("answer");
        assert_eq!(answer, api_keys::Introspection::default(), "{token}");
    }
    let expiring = account_key(env, &owner, &account, "7").await;
    env.clock.advance(DAY * 8);
    let answer = introspect_key(&env.svc, &gateway, &expiring).await;
    // The gateway's own key (30 days) still works; the 7-day key is inactive like the others.
    assert_eq!(answer.expect("answer"), api_keys::Introspection::default());

    // Only service accounts' keys may introspect.
    let personal_project = projects::create_project(&env.svc, &owner, "Mine", "")
        .await
        .expect("project")
        .to_string();
    let personal =
        api_keys::create_api_key(&env.svc, &owner, "p", "30", None, Some(&personal_project))
            .await
            .expect("personal");
    let personal = key(env, &personal.secret).await.expect("personal key");
    let refused = introspect_key(&env.svc, &personal, &live).await;
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
}
