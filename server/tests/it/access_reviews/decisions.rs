//! Revising a decision, the inputs a decision is refused for, and completing a review.

use super::*;
use crate::on_both_databases;

on_both_databases!(
    keep_can_be_revised_but_a_change_stands_and_inputs_are_checked,
    a_review_is_completed_once_every_row_is_decided_and_then_never_changes,
);

async fn keep_can_be_revised_but_a_change_stands_and_inputs_are_checked(env: &TestEnv) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let admin = member(env, acme, "admin@example.com", Role::Admin).await;
    let bob = member(env, acme, "bob@example.com", Role::Member).await;
    let id = start_access_review(&env.svc, &owner)
        .await
        .expect("start")
        .id
        .to_string();
    let bob_row = row(env, &owner, &id, &bob).await;
    decide(env, &owner, &bob_row, "keep", None)
        .await
        .expect("keep");
    decide(env, &owner, &bob_row, "change_role", Some("admin"))
        .await
        .expect("Keep is revised");
    assert_eq!(
        membership(env, acme, bob.user_id).await,
        Some(("admin".into(), false))
    );
    expect_clash(
        decide(env, &owner, &bob_row, "keep", None).await,
        Clash::DecisionFinal,
    );
    expect_clash(
        decide(env, &owner, &bob_row, "remove", None).await,
        Clash::DecisionFinal,
    );
    assert_eq!(
        membership(env, acme, bob.user_id).await,
        Some(("admin".into(), false))
    );

    let admin_row = row(env, &owner, &id, &admin).await;
    expect_problem(
        decide(env, &owner, &admin_row, "promote", None).await,
        "decision",
        Problem::UnknownDecision,
    );
    expect_problem(
        decide(env, &owner, &admin_row, "change_role", None).await,
        "role",
        Problem::UnknownMemberRole,
    );
    expect_problem(
        decide(env, &owner, &admin_row, "change_role", Some("emperor")).await,
        "role",
        Problem::UnknownMemberRole,
    );
    expect_problem(
        decide(env, &owner, &admin_row, "change_role", Some("admin")).await,
        "role",
        Problem::SameRole,
    );
    expect_not_found(decide_review_item(&env.svc, &owner, "not-an-id", "keep", None).await);
    expect_not_found(
        decide_review_item(
            &env.svc,
            &owner,
            &UserId::random().to_string(),
            "keep",
            None,
        )
        .await,
    );
    assert_eq!(row(env, &owner, &id, &admin).await.decision, None);

    // Someone removed on the Members screen meanwhile: only Remove records it.
    gatehouse_server::members::remove_member(&env.svc, &owner, &admin.user_id.to_string())
        .await
        .expect("removed elsewhere");
    expect_clash(
        decide(env, &owner, &admin_row, "keep", None).await,
        Clash::NoLongerAMember,
    );
    expect_clash(
        decide(env, &owner, &admin_row, "deactivate", None).await,
        Clash::NoLongerAMember,
    );
    let recorded = decide(env, &owner, &admin_row, "remove", None)
        .await
        .expect("Remove records what holds");
    assert_eq!(recorded.decision, Some(Decision::Remove));
}

async fn a_review_is_completed_once_every_row_is_decided_and_then_never_changes(env: &TestEnv) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let bob = member(env, acme, "bob@example.com", Role::Member).await;
    let id = start_access_review(&env.svc, &owner)
        .await
        .expect("start")
        .id
        .to_string();
    decide(
        env,
        &owner,
        &row(env, &owner, &id, &owner).await,
        "keep",
        None,
    )
    .await
    .expect("keep");
    expect_clash(
        complete_access_review(&env.svc, &owner, &id).await,
        Clash::ReviewUndecided { left: 1 },
    );
    let bob_row = row(env, &owner, &id, &bob).await;
    decide(env, &owner, &bob_row, "keep", None)
        .await
        .expect("keep");

    env.clock.advance(Duration::from_secs(60));
    let completed = complete_access_review(&env.svc, &owner, &id)
        .await
        .expect("complete");
    assert_eq!(
        completed.completed_at,
        Some(START.plus(Duration::from_secs(60)))
    );
    assert_eq!(
        completed.completed_by.as_ref().map(|r| r.user_id),
        Some(owner.user_id)
    );
    assert_eq!(
        completed.completed_by.as_ref().map(|r| r.name.as_str()),
        Some("Olive Owner")
    );
    assert_eq!(
        (completed.progress.decided, completed.progress.kept),
        (2, 2)
    );
    let audit = audited(env, acme, "access_review.completed").await;
    assert_eq!(
        audit,
        vec![(
            owner.user_id.to_string(),
            format!("access_review:{id} items:2 keep:2 change_role:0 remove:0 deactivate:0")
        )]
    );

    // Completed: it stays readable, and nothing in it changes.
    expect_clash(
        complete_access_review(&env.svc, &owner, &id).await,
        Clash::ReviewCompleted,
    );
    expect_clash(
        decide(env, &owner, &bob_row, "keep", None).await,
        Clash::ReviewCompleted,
    );
    expect_clash(
        decide(env, &owner, &bob_row, "remove", None).await,
        Clash::ReviewCompleted,
    );
    assert_eq!(
        membership(env, acme, bob.user_id).await,
        Some(("member".into(), false))
    );
    let read = page(env, &owner, &id, Show::All).await;
    assert_eq!(read.review, completed);
    assert_eq!(read.items.len(), 2);
    assert!(read.items.iter().all(|item| item.decided_by.is_some()));
}
