//! Who may manage service accounts, isolation between organizations, the organization's cap on key lifetimes, and the expiry mail.

use super::*;
use crate::on_both_databases;
use crate::on_both_databases_with_mail;

on_both_databases!(
    members_cannot_manage_service_accounts,
    another_organization_sees_nothing,
    the_organization_caps_key_lifetimes,
);

on_both_databases_with_mail!(owners_hear_of_expiring_keys_once_and_expiry_is_audited,);

async fn members_cannot_manage_service_accounts(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (account, _) = account_on_project(env, &owner, "viewer").await;
    let secret = account_key(env, &owner, &account, "30").await;
    let key_id = key(env, &secret).await.expect("key").key_id.to_string();
    let bob = env
        .join(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    let bob = env.actor(&bob).await;
    let forbidden = |r: Result<(), Error>| assert!(matches!(r, Err(Error::Forbidden(_))), "{r:?}");
    forbidden(list_service_accounts(&env.svc, &bob).await.map(drop));
    forbidden(
        create_service_account(&env.svc, &bob, "Mine", "")
            .await
            .map(drop),
    );
    forbidden(update_service_account(&env.svc, &bob, &account, "X", "").await);
    forbidden(deactivate_service_account(&env.svc, &bob, &account).await);
    forbidden(delete_service_account(&env.svc, &bob, &account).await);
    forbidden(
        api_keys::create_api_key(&env.svc, &bob, "k", "", Some(&account), None)
            .await
            .map(drop),
    );
    forbidden(
        list_api_keys(&env.svc, &bob, None, Some(&account))
            .await
            .map(drop),
    );
    // Another person's key is not even there for a Member.
    expect_not_found(revoke_api_key(&env.svc, &bob, &key_id).await);
    expect_not_found(
        rotate_api_key(&env.svc, &bob, &key_id, "none")
            .await
            .map(drop),
    );
    assert!(key(env, &secret).await.is_ok(), "nothing changed");
    let theirs = list_api_keys(&env.svc, &bob, None, None)
        .await
        .expect("list");
    assert!(theirs.is_empty(), "a Member lists only their own keys");
}

async fn another_organization_sees_nothing(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (account, project) = account_on_project(env, &owner, "admin").await;
    let secret = account_key(env, &owner, &account, "30").await;
    let acme_key = key(env, &secret).await.expect("key");
    let key_id = acme_key.key_id.to_string();

    let mallory = env
        .sign_up_as("Mallory", "mallory@example.com", "Umbrella")
        .await;
    let mallory = env.actor(&mallory).await;
    expect_not_found(update_service_account(&env.svc, &mallory, &account, "Mine", "").await);
    expect_not_found(deactivate_service_account(&env.svc, &mallory, &account).await);
    expect_not_found(reactivate_service_account(&env.svc, &mallory, &account).await);
    expect_not_found(delete_service_account(&env.svc, &mallory, &account).await);
    expect_not_found(
        api_keys::create_api_key(&env.svc, &mallory, "k", "", Some(&account), None)
            .await
            .map(drop),
    );
    expect_not_found(
        api_keys::create_api_key(&env.svc, &mallory, "k", "", None, Some(&project))
            .await
            .map(drop),
    );
    expect_not_found(
        list_api_keys(&env.svc, &mallory, None, Some(&account))
            .await
            .map(drop),
    );
    expect_not_found(
        list_api_keys(&env.svc, &mallory, Some(&project), None)
            .await
            .map(drop),
    );
    expect_not_found(
        rotate_api_key(&env.svc, &mallory, &key_id, "none")
            .await
            .map(drop),
    );
    expect_not_found(revoke_api_key(&env.svc, &mallory, &key_id).await);
    expect_not_found(
        projects::add_project_service_account(&env.svc, &mallory, &project, &account, "viewer")
            .await,
    );
    expect_not_found(projects::list_project_service_accounts(&env.svc, &mallory, &project).await);
    expect_not_found(
        projects::project_service_account_candidates(&env.svc, &mallory, &project).await,
    );
    expect_not_found(
        projects::update_project_service_account_role(
            &env.svc, &mallory, &project, &account, "admin",
        )
        .await,
    );
    expect_not_found(
        projects::remove_project_service_account(&env.svc, &mallory, &project, &account).await,
    );
    assert!(
        list_service_accounts(&env.svc, &mallory)
            .await
            .expect("list")
            .is_empty()
    );

    // Umbrella's own account cannot be put on Acme's project, and its key cannot see Acme's.
    let theirs = create_service_account(&env.svc, &mallory, "Spy", "")
        .await
        .expect("account")
        .to_string();
    expect_not_found(
        projects::add_project_service_account(&env.svc, &owner, &project, &theirs, "viewer").await,
    );
    let spy = account_key(env, &mallory, &theirs, "30").await;
    let spy = key(env, &spy).await.expect("spy key");
    expect_not_found(check_permission_with_key(&env.svc, &spy, &project, "view", None).await);
    let answer = introspect_key(&env.svc, &spy, &secret)
        .await
        .expect("answer");
    assert!(
        !answer.active,
        "another organization's key is unknown to it"
    );
    // Acme's key still works, untouched.
    assert!(
        check_permission_with_key(&env.svc, &acme_key, &project, "edit", None)
            .await
            .expect("answer")
            .allowed
    );
}

async fn the_organization_caps_key_lifetimes(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (account, _) = account_on_project(env, &owner, "viewer").await;
    assert_eq!(
        gatehouse_server::security_policy::max_key_days(&env.svc, &owner)
            .await
            .expect("read"),
        365
    );
    let proof = Some(crate::support::PASSWORD);
    let set = |days: i64| {
        gatehouse_server::security_policy::update_security_policy(
            &env.svc,
            &owner,
            false,
            &[],
            7,
            Some(days),
            proof,
        )
    };
    let refused = set(45).await;
    assert!(
        matches!(&refused, Err(Error::Validation(f)) if !f.of("max_key_days").is_empty()),
        "{refused:?}"
    );
    set(30).await.expect("cap at 30 days");
    let over = api_keys::create_api_key(&env.svc, &owner, "k", "90", Some(&account), None).await;
    assert!(
        matches!(&over, Err(Error::Validation(f)) if !f.of("expires_in_days").is_empty()),
        "{over:?}"
    );
    // The default (90 days) is over the cap too: the caller must choose.
    let default = api_keys::create_api_key(&env.svc, &owner, "k", "", Some(&account), None).await;
    assert!(matches!(default, Err(Error::Validation(_))), "{default:?}");
    api_keys::create_api_key(&env.svc, &owner, "k", "30", Some(&account), None)
        .await
        .expect("within the cap");
    // Saving the policy without the field keeps the cap.
    gatehouse_server::security_policy::update_security_policy(
        &env.svc,
        &owner,
        true,
        &["owner".into()],
        7,
        None,
        proof,
    )
    .await
    .expect("policy");
    assert_eq!(
        gatehouse_server::security_policy::max_key_days(&env.svc, &owner)
            .await
            .expect("read"),
        30
    );
}

async fn owners_hear_of_expiring_keys_once_and_expiry_is_audited(env: &TestEnv, smtp: &MailServer) {
    let owner = crate::support::verified_acme_owner(env).await;
    let (account, _) = account_on_project(env, &owner, "viewer").await;
    account_key(env, &owner, &account, "30").await;
    let weekly = account_key(env, &owner, &account, "7").await;
    // The sign-up's verification mail goes in the background: let it arrive first.
    smtp.wait_for(1).await;
    smtp.clear();
    let swept = api_keys::sweep(&env.svc).await.expect("sweep");
    assert_eq!(
        (swept.warned, swept.expired),
        (1, 0),
        "only the key within a week"
    );
    let mails = smtp.wait_for(1).await;
    let to = mails[0].header("to").unwrap_or_default();
    assert!(to.contains("owner@example.com"), "{to}");
    let subject = mails[0].header("subject").unwrap_or_default();
    assert!(
        subject.starts_with("API key \u{201c}deploy\u{201d} expires on "),
        "{subject}"
    );
    assert!(
        mails[0].text.contains("service account CI in Acme"),
        "{}",
        mails[0].text
    );
    assert!(!mails[0].text.contains(&weekly), "never the secret");
    let again = api_keys::sweep(&env.svc).await.expect("sweep");
    assert_eq!((again.warned, again.expired), (0, 0), "announced once");

    env.clock.advance(DAY * 7);
    let swept = api_keys::sweep(&env.svc).await.expect("sweep");
    assert_eq!(swept.expired, 1);
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'api_key.expired'")
            .fetch_one(env.svc.db.pool())
            .await
            .expect("count");
    assert_eq!(audited, 1);
    assert_eq!(api_keys::sweep(&env.svc).await.expect("sweep").expired, 0);
}
