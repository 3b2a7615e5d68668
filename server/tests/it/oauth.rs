//! Sign-in providers without the network: a provider built from its discovery document. The
//! round trip through a real provider is the Playwright suite's (oidc-provider on loopback).

use std::sync::Arc;

use gatehouse_server::config::ProviderSettings;
use gatehouse_server::error::Denial;
use gatehouse_server::oauth::{self, Arrival, CallbackParams, Provider, Providers, Refusal};
use gatehouse_server::sign_in;
use gatehouse_server::{Actor, Error, Role, Services, UserId};
use sha2::{Digest, Sha256};

use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::support::{PASSWORD, PUBLIC_URL, TestEnv, acme_owner, org_of};

on_both_databases!(
    a_sign_in_starts_with_pkce_state_nonce_and_the_exact_redirect,
    answers_that_are_not_this_browsers_request_are_refused_and_work_once,
    an_organization_restricted_to_a_provider_refuses_passwords_naming_it,
    unlinking_always_leaves_a_way_to_sign_in,
    a_waiting_identity_links_only_to_the_account_that_proved_itself,
    starts_are_limited_per_client,
);

pub(crate) const ISSUER: &str = "https://id.example.test";

/// The services with one provider, "Test ID", as discovery would have configured it.
pub(crate) fn with_provider(env: &TestEnv) -> Services {
    let settings = ProviderSettings {
        key: "testid".into(),
        name: "Test ID".into(),
        issuer: ISSUER.into(),
        client_id: "gatehouse".into(),
        client_secret: "secret".into(),
    };
    let document = format!(
        r#"{{"issuer":"{ISSUER}","authorization_endpoint":"{ISSUER}/auth",
            "token_endpoint":"{ISSUER}/token","jwks_uri":"{ISSUER}/jwks",
            "response_types_supported":["code"],"subject_types_supported":["public"],
            "id_token_signing_alg_values_supported":["RS256"]}}"#
    );
    let provider = Provider::from_document(&settings, &document, PUBLIC_URL).expect("provider");
    let mut svc = env.svc.clone();
    svc.oauth = Arc::new(Providers::from_list(
        vec![provider],
        oauth::http_client().expect("http client"),
    ));
    svc
}

fn query_of(url: &str) -> Vec<(String, String)> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.to_string(), percent_decode(v)))
        .collect()
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn param(url: &str, name: &str) -> String {
    query_of(url)
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
        .unwrap_or_else(|| panic!("{name} in {url}"))
}

async fn link(env: &TestEnv, user: UserId, subject: &str) {
    sqlx::query(
        "INSERT INTO identities (issuer, subject, provider, user_id, email, created_at, \
         last_used_at) VALUES ($1, $2, 'testid', $3, 'linked@example.com', 0, 0)",
    )
    .bind(ISSUER)
    .bind(subject)
    .bind(user.to_string())
    .execute(env.svc.db.pool())
    .await
    .expect("link");
}

async fn a_sign_in_starts_with_pkce_state_nonce_and_the_exact_redirect(env: &TestEnv) {
    let svc = with_provider(env);
    let started = oauth::start(
        &svc,
        "testid",
        Some("/settings/security"),
        None,
        &env.client(),
    )
    .await
    .expect("start");
    let url = &started.url;
    assert!(url.starts_with(&format!("{ISSUER}/auth?")), "{url}");
    assert_eq!(param(url, "response_type"), "code");
    assert_eq!(param(url, "client_id"), "gatehouse");
    assert_eq!(
        param(url, "redirect_uri"),
        format!("{PUBLIC_URL}/auth/testid/callback")
    );
    assert_eq!(param(url, "code_challenge_method"), "S256");
    assert_eq!(param(url, "code_challenge").len(), 43);
    assert!(param(url, "state").len() >= 16);
    assert!(param(url, "nonce").len() >= 16);
    let scope = param(url, "scope");
    for wanted in ["openid", "email", "profile"] {
        assert!(scope.split(' ').any(|s| s == wanted), "{scope}");
    }
    // Two trips never share their secrets.
    let other = oauth::start(&svc, "testid", None, None, &env.client())
        .await
        .expect("start");
    assert_ne!(param(&other.url, "state"), param(url, "state"));
    assert_ne!(other.cookie.expose(), started.cookie.expose());
    expect_not_found(
        oauth::start(&svc, "nope", None, None, &env.client())
            .await
            .map(|s| s.url),
    );
    expect_not_found(
        oauth::start(&env.svc, "testid", None, None, &env.client())
            .await
            .map(|s| s.url),
    );
}

/// Each start stores a row: one client IP gets 60 in 15 minutes.
async fn starts_are_limited_per_client(env: &TestEnv) {
    let svc = with_provider(env);
    let mut started = 0;
    let refused = loop {
        match oauth::start(&svc, "testid", None, None, &env.client()).await {
            Ok(_) => started += 1,
            Err(err) => break err,
        }
        assert!(started <= 60, "no limit after {started} starts");
    };
    assert_eq!(started, 60);
    assert!(matches!(refused, Error::RateLimited { .. }), "{refused:?}");
}

async fn answers_that_are_not_this_browsers_request_are_refused_and_work_once(env: &TestEnv) {
    let svc = with_provider(env);
    let back = |cookie: Option<String>, state: Option<String>, error: Option<&'static str>| {
        let svc = svc.clone();
        async move {
            let params = CallbackParams {
                code: Some("the-code"),
                state: state.as_deref(),
                error,
            };
            let arrival = oauth::callback(
                &svc,
                "testid",
                cookie.as_deref(),
                params,
                &env.client(),
                None,
            )
            .await
            .expect("callback");
            match arrival {
                Arrival::Refused(why) => why,
                other => panic!("expected a refusal, got {other:?}"),
            }
        }
    };
    let started = oauth::start(&svc, "testid", None, None, &env.client())
        .await
        .expect("start");
    let cookie = Some(started.cookie.expose().to_string());
    let state = param(&started.url, "state");
    assert_eq!(
        back(cookie.clone(), Some("tampered".into()), None).await,
        Refusal::StateMismatch
    );
    // The trip was used up by that answer.
    assert_eq!(back(cookie, Some(state), None).await, Refusal::Expired);

    let started = oauth::start(&svc, "testid", None, None, &env.client())
        .await
        .expect("start");
    let state = Some(param(&started.url, "state"));
    let cookie = Some(started.cookie.expose().to_string());
    assert_eq!(
        back(cookie, state.clone(), Some("access_denied")).await,
        Refusal::Denied
    );
    // Another browser (no cookie, or another's) cannot use the answer.
    assert_eq!(back(None, state.clone(), None).await, Refusal::Expired);
    assert_eq!(
        back(Some("x".repeat(43)), state, None).await,
        Refusal::Expired
    );
}

async fn restrict(svc: &Services, actor: &Actor, provider: Option<&str>) -> Result<(), Error> {
    oauth::update_sign_in_restriction(svc, actor, provider, false, None).await
}

async fn an_organization_restricted_to_a_provider_refuses_passwords_naming_it(env: &TestEnv) {
    let svc = with_provider(env);
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    // The Owner must be able to sign in with it first.
    expect_denied(
        restrict(&svc, &owner, Some("testid")).await,
        Denial::SignInWithProviderFirst {
            provider: "Test ID".into(),
        },
    );
    link(env, owner.user_id, "owner-subject").await;
    assert!(matches!(
        restrict(&svc, &owner, Some("elsewhere")).await,
        Err(Error::Validation(_))
    ));
    let admin = env.join(acme, "admin@example.com", Role::Admin).await;
    let admin = env.actor(&admin).await;
    expect_denied(
        restrict(&svc, &admin, Some("testid")).await,
        Denial::InsufficientRole,
    );
    restrict(&svc, &owner, Some("testid"))
        .await
        .expect("restrict");

    env.join_only(acme, "member@example.com", Role::Member)
        .await;
    let refused = sign_in::sign_in(
        &svc,
        "member@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session);
    expect_denied(
        refused,
        Denial::ProviderRequired {
            organization: "Acme".into(),
            provider: "Test ID".into(),
        },
    );

    restrict(&svc, &owner, None).await.expect("lift");
    sign_in::sign_in(
        &svc,
        "member@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session)
    .expect("passwords work again");
}

async fn unlinking_always_leaves_a_way_to_sign_in(env: &TestEnv) {
    let svc = with_provider(env);
    let owner = acme_owner(env).await;
    expect_not_found(oauth::unlink_identity(&svc, &owner, "testid", None).await);
    link(env, owner.user_id, "owner-subject").await;
    // Without a password, the only provider cannot go.
    sqlx::query("UPDATE users SET password_hash = '' WHERE id = $1")
        .bind(owner.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("drop password");
    expect_denied(
        oauth::unlink_identity(&svc, &owner, "testid", None).await,
        Denial::OnlyWayToSignIn,
    );
    // And an account without a password cannot be signed into with an empty one.
    let empty = sign_in::sign_in(&svc, "owner@example.com", "", None, &env.client(), None).await;
    assert!(matches!(empty, Err(Error::InvalidCredentials)), "{empty:?}");

    // With a password back, unlinking works — unless the organization requires the provider.
    let restored = env
        .sign_up_as("Someone", "someone@example.com", "Elsewhere")
        .await;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(restored.user_id.to_string())
        .fetch_one(env.svc.db.pool())
        .await
        .expect("hash");
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(owner.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("restore password");
    restrict(&svc, &owner, Some("testid"))
        .await
        .expect("restrict");
    expect_denied(
        oauth::unlink_identity(&svc, &owner, "testid", None).await,
        Denial::ProviderRequiredToStay {
            organization: "Acme".into(),
        },
    );
    restrict(&svc, &owner, None).await.expect("lift");
    oauth::unlink_identity(&svc, &owner, "testid", None)
        .await
        .expect("unlink");
    assert!(
        oauth::linked_identities(&svc, &owner)
            .await
            .expect("list")
            .is_empty()
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'identity.unlinked' AND actor_id = $1",
    )
    .bind(owner.user_id.to_string())
    .fetch_one(env.svc.db.pool())
    .await
    .expect("audit");
    assert_eq!(audited, 1);
}

/// Stores a verified identity waiting for `user` to prove their account; returns its cookie.
async fn waiting_for(env: &TestEnv, user: UserId, cookie: &str) {
    let hash: String = Sha256::digest(cookie.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    sqlx::query(
        "INSERT INTO pending_identities (id, token_hash, provider, issuer, subject, email, name, \
         existing_user, created_at, expires_at) \
         VALUES ($1, $2, 'testid', $3, 'subject-1', 'owner@example.com', 'Olive', $4, 0, $5)",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(hash)
    .bind(ISSUER)
    .bind(user.to_string())
    .bind(i64::MAX)
    .execute(env.svc.db.pool())
    .await
    .expect("pending identity");
}

async fn a_waiting_identity_links_only_to_the_account_that_proved_itself(env: &TestEnv) {
    let svc = with_provider(env);
    let owner = acme_owner(env).await;
    let other = env
        .sign_up_as("Mallory", "mallory@example.com", "Other")
        .await;
    let cookie = "c".repeat(43);
    waiting_for(env, owner.user_id, &cookie).await;
    let linked = oauth::link_pending(&svc, &cookie, other.user_id, &env.client())
        .await
        .expect("link");
    assert!(!linked, "another account cannot take the identity");
    assert!(
        oauth::linked_identities(&svc, &owner)
            .await
            .expect("list")
            .is_empty()
    );

    let cookie = "d".repeat(43);
    waiting_for(env, owner.user_id, &cookie).await;
    assert!(
        oauth::link_pending(&svc, &cookie, owner.user_id, &env.client())
            .await
            .expect("link")
    );
    assert!(
        !oauth::link_pending(&svc, &cookie, owner.user_id, &env.client())
            .await
            .expect("again")
    );
    let linked = oauth::linked_identities(&svc, &owner).await.expect("list");
    assert_eq!(linked.len(), 1);
    assert_eq!(linked[0].provider_name, "Test ID");
}
