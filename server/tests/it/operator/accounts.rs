//! The operator's commands on accounts: the organization list, reset links and MFA resets, and what they refuse.

use super::*;
use crate::on_both_databases;
use crate::on_both_databases_with_mail;

on_both_databases!(
    the_organization_list_counts_active_members_and_names_active_owners,
    an_operator_reset_link_works_once_for_any_account_and_is_audited_as_the_operator,
    an_operator_mfa_reset_turns_mfa_off_ends_every_session_on_every_instance_and_is_audited,
    operator_commands_refuse_an_unknown_email_and_an_account_without_mfa,
);

on_both_databases_with_mail!(an_operator_mfa_reset_is_told_to_the_account_by_email,);

async fn the_organization_list_counts_active_members_and_names_active_owners(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    env.join(acme, "zoe@example.com", Role::Owner).await;
    env.join(acme, "bob@example.com", Role::Member).await;
    let gone = env.join(acme, "al@example.com", Role::Owner).await;
    sqlx::query("UPDATE memberships SET deactivated_at = 1 WHERE user_id = $1 AND org_id = $2")
        .bind(gone.user_id.to_string())
        .bind(acme.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("deactivate");

    let listed = operator::list_organizations(&env.svc).await.expect("list");
    // Acme, then the three organizations the others' sign-ups made ("Analytical Engines").
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert_eq!(
        listed[0],
        OrganizationSummary {
            id: acme,
            name: "Acme".into(),
            members: 3,
            owners: vec!["owner@example.com".into(), "zoe@example.com".into()],
        }
    );
    for engines in &listed[1..] {
        assert_eq!(engines.name, "Analytical Engines");
        assert_eq!(engines.members, 1);
        assert_eq!(engines.owners.len(), 1);
    }
    let mut owners: Vec<&str> = listed[1..].iter().map(|o| o.owners[0].as_str()).collect();
    owners.sort_unstable();
    assert_eq!(
        owners,
        ["al@example.com", "bob@example.com", "zoe@example.com"]
    );
}

/// Bob belongs to two organizations and signs in with a password whose owner is locked out:
/// no administrator's link may reset him (he is not theirs alone), the operator's may.
async fn an_operator_reset_link_works_once_for_any_account_and_is_audited_as_the_operator(
    env: &TestEnv,
) {
    let owner = acme_owner(env).await;
    let bob = env
        .join(org_of(&owner), "bob@example.com", Role::Owner)
        .await;
    env.actor(&bob).await;
    // Unverified: the operator's link must not verify the address (it proves no mailbox).
    sqlx::query("UPDATE users SET email_verified_at = NULL WHERE id = $1")
        .bind(bob.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("unverify");

    let link = create_reset_link_for(&env.svc, " Bob@Example.com ")
        .await
        .expect("link");
    let token = token_of(&link.link);
    assert_eq!(
        link.link,
        format!("http://127.0.0.1:3000/reset-password/{token}")
    );
    assert_eq!(
        reset_link_email(&env.svc, &token).await.expect("open"),
        "bob@example.com"
    );
    let (actor, target): (Option<String>, String) = sqlx::query_as(
        "SELECT actor_id, target FROM audit_events \
         WHERE action = 'user.password_reset_link_created'",
    )
    .fetch_one(env.svc.db.pool())
    .await
    .expect("audited");
    assert_eq!(actor, None, "the operator is no account");
    assert!(
        target.starts_with(&format!("user:{} reset:", bob.user_id))
            && target.ends_with(" by:operator"),
        "{target}"
    );

    reset_password(&env.svc, &token, NEW_PASSWORD, &env.client())
        .await
        .expect("reset");
    let resolved = env.resolve_on(&env.svc, &bob).await;
    assert!(
        matches!(resolved, Resolved::Ended(EndReason::PasswordReset)),
        "{resolved:?}"
    );
    let signed_in = sign_in::sign_in(
        &env.svc,
        "bob@example.com",
        NEW_PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await;
    assert!(
        matches!(signed_in, Ok(SignInStep::Done(_))),
        "{signed_in:?}"
    );
    expect_gone(
        reset_password(&env.svc, &token, "Another-Pass-8", &env.client()).await,
        Lapse::ResetLinkUsed,
    );
    let verified: Option<i64> =
        sqlx::query_scalar("SELECT email_verified_at FROM users WHERE id = $1")
            .bind(bob.user_id.to_string())
            .fetch_one(env.svc.db.pool())
            .await
            .expect("read");
    assert_eq!(verified, None, "the operator's link verifies no address");
}

/// The command line is another process: another instance on the same database, whose change
/// must reach the serving instance's cache (PostgreSQL: before the command returns; SQLite:
/// within about a second, through `cache_signals`).
async fn operator_instance(env: &TestEnv) -> Services {
    env.another_instance().await
}

async fn an_operator_mfa_reset_turns_mfa_off_ends_every_session_on_every_instance_and_is_audited(
    env: &TestEnv,
) {
    let owner = env
        .sign_up_as("Olive Owner", "owner@example.com", "Acme")
        .await;
    let signed_up = env.sign_up_as("Ada", "ada@example.com", "Engines").await;
    enroll(env, &env.caller(&signed_up).await).await;
    // The serving instance holds her session in its cache.
    env.actor(&signed_up).await;
    env.actor(&owner).await;

    let operator = operator_instance(env).await;
    let done = reset_mfa_for(&operator, "ada@example.com")
        .await
        .expect("reset");
    assert_eq!(done.sessions_ended, 1);
    assert!(!done.notice_sent, "no SMTP here");

    // PostgreSQL: at once; SQLite: once the serving process read the signal (within ~1 s).
    let started = std::time::Instant::now();
    let resolved = loop {
        let resolved = env.resolve_on(&env.svc, &signed_up).await;
        if env.svc.db.backend() == Backend::Postgres
            || !matches!(resolved, Resolved::Active(_))
            || started.elapsed() > std::time::Duration::from_secs(3)
        {
            break resolved;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    assert!(
        matches!(resolved, Resolved::Ended(EndReason::MfaReset)),
        "ended on the serving instance: {resolved:?}"
    );
    assert!(
        env.resolve(&owner).await.is_some(),
        "other accounts keep theirs"
    );
    assert!(
        !mfa::is_enabled(&env.svc, signed_up.user_id)
            .await
            .expect("read")
    );
    let step = sign_in::sign_in(
        &env.svc,
        "ada@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await;
    assert!(
        matches!(step, Ok(SignInStep::Done(_))),
        "the password alone signs in: {step:?}"
    );

    let rows: Vec<(Option<String>, Option<String>, String)> = sqlx::query_as(
        "SELECT actor_id, org_id, target FROM audit_events WHERE action = 'mfa.reset'",
    )
    .fetch_all(env.svc.db.pool())
    .await
    .expect("audited");
    assert_eq!(
        rows,
        [(
            None,
            None,
            format!("user:{} by:operator", signed_up.user_id)
        )]
    );
    let ended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action = 'session.ended' \
         AND target LIKE '%reason:mfa_reset'",
    )
    .fetch_one(env.svc.db.pool())
    .await
    .expect("ended");
    assert_eq!(ended, 1);
    operator.db.close().await;
}

async fn operator_commands_refuse_an_unknown_email_and_an_account_without_mfa(env: &TestEnv) {
    let signed_up = env.sign_up("ada@example.com").await;
    expect_not_found(create_reset_link_for(&env.svc, "nobody@example.com").await);
    expect_not_found(reset_mfa_for(&env.svc, "nobody@example.com").await);
    let refused = reset_mfa_for(&env.svc, "ada@example.com").await;
    assert!(
        matches!(refused, Err(Error::Conflict(Clash::MemberHasNoMfa))),
        "{refused:?}"
    );
    assert!(
        env.resolve(&signed_up).await.is_some(),
        "her session goes on"
    );
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action IN ('mfa.reset', 'session.ended', \
         'user.password_reset_link_created')",
    )
    .fetch_one(env.svc.db.pool())
    .await
    .expect("count");
    assert_eq!(audited, 0, "nothing done, nothing audited");
}

async fn an_operator_mfa_reset_is_told_to_the_account_by_email(env: &TestEnv, smtp: &MailServer) {
    let ada = env.sign_up("ada@example.com").await;
    enroll(env, &env.caller(&ada).await).await;
    smtp.clear();
    let done = reset_mfa_for(&env.svc, "ada@example.com")
        .await
        .expect("reset");
    assert!(done.notice_sent);
    let told: Vec<_> = smtp
        .messages()
        .into_iter()
        .filter(|m| {
            m.header("subject").as_deref() == Some("Your multi-factor authentication was reset")
        })
        .collect();
    assert_eq!(told.len(), 1, "delivered before the command returns");
    assert!(
        told[0]
            .text
            .contains("The operator of this Gatehouse server reset"),
        "{}",
        told[0].text
    );
}
