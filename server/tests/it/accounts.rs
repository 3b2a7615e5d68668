use futures::future::join_all;
use gatehouse_server::accounts::{self, SignUp};
use gatehouse_server::error::{Clash, Denial, Problem};
use gatehouse_server::sign_in;
use gatehouse_server::{Error, Role};

use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv};

on_both_databases!(
    a_new_account_owns_its_new_organization_and_is_signed_in,
    an_email_differing_only_in_case_is_a_duplicate,
    exactly_one_of_20_concurrent_sign_ups_with_one_email_wins,
    sign_up_names_every_invalid_field,
    a_profile_change_is_seen_by_the_next_request,
    a_password_change_ends_other_sessions_and_retires_the_old_password,
    a_wrong_current_password_changes_nothing,
    an_account_without_a_password_is_told_how_to_set_one,
);

async fn a_new_account_owns_its_new_organization_and_is_signed_in(env: &TestEnv) {
    let signed_in = env.sign_up("  Ada@Example.com ").await;
    let actor = env.caller(&signed_in).await;
    assert_eq!(actor.email, "ada@example.com");
    assert_eq!(actor.name, "Ada Lovelace");
    let org = actor.org.expect("lands in the new organization");
    assert_eq!(org.name, "Analytical Engines");
    assert_eq!(org.role, Role::Owner);
}

async fn an_email_differing_only_in_case_is_a_duplicate(env: &TestEnv) {
    env.sign_up("grace@example.com").await;
    let input = SignUp {
        name: "Grace",
        email: "GRACE@example.com",
        password: PASSWORD,
        organization: "Navy",
    };
    let err = accounts::sign_up(&env.svc, input, &env.client(), None)
        .await
        .err();
    assert!(
        matches!(err, Some(Error::Conflict(Clash::EmailTaken))),
        "{err:?}"
    );
}

async fn exactly_one_of_20_concurrent_sign_ups_with_one_email_wins(env: &TestEnv) {
    let client = env.client();
    let attempts = (0..20).map(|i| {
        let svc = env.svc.clone();
        let client = client.clone();
        tokio::spawn(async move {
            let org = format!("Org {i}");
            let input = SignUp {
                name: "Racer",
                email: "race@example.com",
                password: PASSWORD,
                organization: &org,
            };
            accounts::sign_up(&svc, input, &client, None)
                .await
                .map(|_| ())
        })
    });
    let results: Vec<_> = join_all(attempts)
        .await
        .into_iter()
        .map(|r| r.expect("task"))
        .collect();
    let wins = results.iter().filter(|r| r.is_ok()).count();
    let conflicts = results
        .iter()
        .filter(|r| matches!(r, Err(Error::Conflict(Clash::EmailTaken))))
        .count();
    assert_eq!((wins, conflicts), (1, 19), "{results:?}");
}

async fn sign_up_names_every_invalid_field(env: &TestEnv) {
    let input = SignUp {
        name: " ",
        email: "not-an-email",
        password: "abc",
        organization: "",
    };
    let Err(Error::Validation(fields)) =
        accounts::sign_up(&env.svc, input, &env.client(), None).await
    else {
        panic!("expected a validation error");
    };
    let named: Vec<&str> = fields.iter().map(|(field, _)| field).collect();
    assert_eq!(named, ["name", "email", "password", "organization"]);
    let password = fields
        .iter()
        .find(|(f, _)| *f == "password")
        .map(|(_, m)| m.len());
    assert_eq!(password, Some(4), "each failing password rule is named");
}

async fn a_profile_change_is_seen_by_the_next_request(env: &TestEnv) {
    let signed_in = env.sign_up("ada@example.com").await;
    let actor = env.actor(&signed_in).await;
    let saved = accounts::update_profile(&env.svc, &actor, "  Countess Lovelace ").await;
    assert_eq!(saved.ok().as_deref(), Some("Countess Lovelace"));
    assert_eq!(env.actor(&signed_in).await.name, "Countess Lovelace");
    let refused = accounts::update_profile(&env.svc, &actor, &"x".repeat(101)).await;
    assert!(matches!(refused, Err(Error::Validation(_))));
    assert_eq!(
        env.actor(&signed_in).await.name,
        "Countess Lovelace",
        "nothing saved is lost"
    );
}

async fn a_password_change_ends_other_sessions_and_retires_the_old_password(env: &TestEnv) {
    let first = env.sign_up("ada@example.com").await;
    let client = env.client();
    let second = sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None)
        .await
        .map(crate::support::session)
        .expect("second device signs in");
    let actor = env.actor(&first).await;
    accounts::change_password(&env.svc, &actor, PASSWORD, "Brand-New-Pass-7")
        .await
        .expect("password changes");
    assert!(
        env.resolve(&first).await.is_some(),
        "the device that changed it stays signed in"
    );
    assert!(
        env.resolve(&second).await.is_none(),
        "other devices are signed out"
    );
    let old = sign_in::sign_in(&env.svc, "ada@example.com", PASSWORD, None, &client, None)
        .await
        .map(crate::support::session);
    assert!(matches!(old, Err(Error::InvalidCredentials)));
    let new = sign_in::sign_in(
        &env.svc,
        "ada@example.com",
        "Brand-New-Pass-7",
        None,
        &client,
        None,
    )
    .await
    .map(crate::support::session);
    assert!(new.is_ok());
}

async fn a_wrong_current_password_changes_nothing(env: &TestEnv) {
    let first = env.sign_up("ada@example.com").await;
    let actor = env.actor(&first).await;
    let err = accounts::change_password(&env.svc, &actor, "Wrong-Pass-1", "Brand-New-Pass-7").await;
    let Err(Error::Validation(fields)) = err else {
        panic!("expected a validation error")
    };
    assert_eq!(
        fields.iter().next(),
        Some(("current_password", &[Problem::WrongCurrentPassword][..]))
    );
    let still = sign_in::sign_in(
        &env.svc,
        "ada@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session);
    assert!(still.is_ok());
}

async fn an_account_without_a_password_is_told_how_to_set_one(env: &TestEnv) {
    // As an account created through a sign-in provider: no password hash at all.
    let signed_in = env.sign_up("ada@example.com").await;
    sqlx::query("UPDATE users SET password_hash = '' WHERE id = $1")
        .bind(signed_in.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("drop password");
    let actor = env.actor(&signed_in).await;
    for current in ["", "Any-Guess-1!", PASSWORD] {
        let refused =
            accounts::change_password(&env.svc, &actor, current, "Brand-New-Pass-7").await;
        match refused {
            Err(Error::Forbidden(denial)) => assert_eq!(denial, Denial::NoPasswordYet),
            other => panic!("{current:?}: expected Forbidden, got {other:?}"),
        }
    }
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(signed_in.user_id.to_string())
        .fetch_one(env.svc.db.pool())
        .await
        .expect("hash");
    assert_eq!(hash, "", "no password was set");
    assert!(env.resolve(&signed_in).await.is_some(), "still signed in");
}
