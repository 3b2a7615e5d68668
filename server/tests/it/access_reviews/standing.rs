//! Who may read and change a review, isolation between organizations, one review at a time, when one is due, its CSV, and the Owners' reminder.

use super::*;
use crate::on_both_databases;
use crate::on_both_databases_with_mail;

on_both_databases!(
    admins_and_auditors_read_reviews_but_are_refused_every_change,
    another_organizations_owner_reaches_nothing_of_a_review,
    an_organization_has_one_review_in_progress_at_a_time,
    a_review_is_due_ninety_days_after_the_last_one_completed,
    a_review_exports_as_csv,
);

on_both_databases_with_mail!(owners_are_reminded_of_an_overdue_review_once_per_period,);

async fn admins_and_auditors_read_reviews_but_are_refused_every_change(env: &TestEnv) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let admin = member(env, acme, "admin@example.com", Role::Admin).await;
    let auditor = member(env, acme, "auditor@example.com", Role::Auditor).await;
    let bob = member(env, acme, "bob@example.com", Role::Member).await;
    let id = start_access_review(&env.svc, &owner)
        .await
        .expect("start")
        .id
        .to_string();
    let bob_row = row(env, &owner, &id, &bob).await;
    for reader in [&admin, &auditor] {
        let listed = list_access_reviews(&env.svc, reader, 1)
            .await
            .expect("list");
        assert_eq!(listed.total, 1);
        assert_eq!(
            listed.due.in_progress.map(|r| r.to_string()),
            Some(id.clone())
        );
        assert_eq!(page(env, reader, &id, Show::All).await.matching, 4);
        access_reviews::export_access_review(&env.svc, reader, &id)
            .await
            .expect("export");
        access_reviews::access_review_due(&env.svc, reader)
            .await
            .expect("due");

        let refused = Denial::InsufficientRole;
        expect_denied(start_access_review(&env.svc, reader).await, refused.clone());
        for decision in ["keep", "change_role", "remove", "deactivate"] {
            expect_denied(
                decide(env, reader, &bob_row, decision, Some("admin")).await,
                refused.clone(),
            );
        }
        expect_denied(complete_access_review(&env.svc, reader, &id).await, refused);
    }
    // A Member neither reads nor changes.
    expect_denied(
        list_access_reviews(&env.svc, &bob, 1).await,
        Denial::InsufficientRole,
    );
    expect_denied(
        get_access_review(&env.svc, &bob, &id, Show::All, 1).await,
        Denial::InsufficientRole,
    );
    expect_denied(
        access_reviews::export_access_review(&env.svc, &bob, &id).await,
        Denial::InsufficientRole,
    );
    expect_denied(
        decide(env, &bob, &bob_row, "keep", None).await,
        Denial::InsufficientRole,
    );

    // Nothing changed.
    assert_eq!(
        membership(env, acme, bob.user_id).await,
        Some(("member".into(), false))
    );
    let review = page(env, &owner, &id, Show::All).await.review;
    assert_eq!((review.progress.decided, review.completed_at), (0, None));
    assert_eq!(
        audited(env, acme, "access_review.item_decided").await.len(),
        0
    );
}

async fn another_organizations_owner_reaches_nothing_of_a_review(env: &TestEnv) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let bob = member(env, acme, "bob@example.com", Role::Member).await;
    let id = start_access_review(&env.svc, &owner)
        .await
        .expect("start")
        .id
        .to_string();
    let bob_row = row(env, &owner, &id, &bob).await;
    let signed_in = env
        .sign_up_as("Mallory", "mallory@example.com", "Globex")
        .await;
    let mallory = env.actor(&signed_in).await;
    member(env, org_of(&mallory), "minion@example.com", Role::Member).await;

    expect_not_found(get_access_review(&env.svc, &mallory, &id, Show::All, 1).await);
    expect_not_found(access_reviews::export_access_review(&env.svc, &mallory, &id).await);
    for decision in ["keep", "change_role", "remove", "deactivate"] {
        expect_not_found(decide(env, &mallory, &bob_row, decision, Some("admin")).await);
    }
    expect_not_found(complete_access_review(&env.svc, &mallory, &id).await);
    let theirs = list_access_reviews(&env.svc, &mallory, 1)
        .await
        .expect("list");
    assert_eq!((theirs.total, theirs.due.in_progress), (0, None));
    // Their own review is theirs alone, and Acme's rows are not in it.
    let own = start_access_review(&env.svc, &mallory)
        .await
        .expect("start");
    assert_eq!(own.progress.total, 2);
    let own_rows = page(env, &mallory, &own.id.to_string(), Show::All)
        .await
        .items;
    assert!(own_rows.iter().all(|item| item.user_id != bob.user_id));
    // And Acme's Owner cannot reach theirs either.
    expect_not_found(get_access_review(&env.svc, &owner, &own.id.to_string(), Show::All, 1).await);
    expect_not_found(decide(env, &owner, &own_rows[0], "keep", None).await);

    assert_eq!(
        membership(env, acme, bob.user_id).await,
        Some(("member".into(), false))
    );
    let acme_review = page(env, &owner, &id, Show::All).await.review;
    assert_eq!(
        (acme_review.progress.decided, acme_review.completed_at),
        (0, None)
    );
}

async fn an_organization_has_one_review_in_progress_at_a_time(env: &TestEnv) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let co_owner = member(env, acme, "co-owner@example.com", Role::Owner).await;
    let first = start_access_review(&env.svc, &owner).await.expect("start");
    expect_clash(
        start_access_review(&env.svc, &co_owner).await,
        Clash::ReviewInProgress,
    );
    for person in [&owner, &co_owner] {
        decide(
            env,
            &owner,
            &row(env, &owner, &first.id.to_string(), person).await,
            "keep",
            None,
        )
        .await
        .expect("keep");
    }
    complete_access_review(&env.svc, &co_owner, &first.id.to_string())
        .await
        .expect("another Owner completes it");

    // Two Owners starting at once: one review.
    env.clock.advance(DAY);
    let started = join_all([
        start_access_review(&env.svc, &owner),
        start_access_review(&env.svc, &co_owner),
    ])
    .await;
    let opened: Vec<_> = started.iter().filter(|r| r.is_ok()).collect();
    assert_eq!(opened.len(), 1, "{started:?}");
    for refused in started.iter().filter(|r| r.is_err()) {
        assert!(
            matches!(refused, Err(Error::Conflict(Clash::ReviewInProgress))),
            "{refused:?}"
        );
    }
    let listed = list_access_reviews(&env.svc, &owner, 1)
        .await
        .expect("list");
    assert_eq!(listed.total, 2);
    assert_eq!(listed.reviews.len(), 2);
    assert_eq!(listed.reviews[1].id, first.id, "newest first");
    assert!(listed.reviews[1].completed_at.is_some());
    assert_eq!(listed.reviews[0].completed_at, None);
    assert_eq!(listed.due.in_progress, Some(listed.reviews[0].id));
}

async fn a_review_is_due_ninety_days_after_the_last_one_completed(env: &TestEnv) {
    let owner = owner(env).await;
    let due = access_reviews::access_review_due(&env.svc, &owner)
        .await
        .expect("due");
    assert_eq!(due.last_completed_at, None);
    assert!(!due.overdue);
    // An organization of one is never overdue: nobody else's access to review.
    env.clock.advance(DAY * 91);
    let due = access_reviews::access_review_due(&env.svc, &owner)
        .await
        .expect("due");
    assert!(due.due_at <= env.clock.now());
    assert!(!due.overdue);

    let acme = org_of(&owner);
    let bob = member(env, acme, "bob@example.com", Role::Member).await;
    let due = access_reviews::access_review_due(&env.svc, &owner)
        .await
        .expect("due");
    assert!(due.overdue);
    let id = start_access_review(&env.svc, &owner)
        .await
        .expect("start")
        .id
        .to_string();
    for person in [&owner, &bob] {
        decide(
            env,
            &owner,
            &row(env, &owner, &id, person).await,
            "keep",
            None,
        )
        .await
        .expect("keep");
    }
    let completed = complete_access_review(&env.svc, &owner, &id)
        .await
        .expect("complete");
    let due = access_reviews::access_review_due(&env.svc, &owner)
        .await
        .expect("due");
    assert!(!due.overdue);
    assert_eq!(due.last_completed_at, completed.completed_at);
    assert_eq!(
        Some(due.due_at),
        completed.completed_at.map(|at| at.plus(DAY * 90))
    );
    assert_eq!(due.in_progress, None);
}

async fn a_review_exports_as_csv(env: &TestEnv) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let signed_in = env.join(acme, "eve@example.com", Role::Admin).await;
    sqlx::query("UPDATE users SET name = '=cmd|calc' WHERE id = $1")
        .bind(signed_in.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("rename");
    let eve = env.actor(&signed_in).await;
    let review = start_access_review(&env.svc, &owner).await.expect("start");
    let id = review.id.to_string();
    decide(
        env,
        &owner,
        &row(env, &owner, &id, &eve).await,
        "change_role",
        Some("member"),
    )
    .await
    .expect("downgrade");
    let export = access_reviews::export_access_review(&env.svc, &owner, &id)
        .await
        .expect("export");
    assert_eq!(
        export.file_name,
        format!("access-review-2026-11-28-{id}.csv")
    );
    let lines: Vec<&str> = export.csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 3, "{}", export.csv);
    assert!(lines[0].starts_with("review_id,review_started_at,review_started_by,"));
    assert!(lines[0].ends_with(",decision,new_role,decided_by,decided_at"));
    let eve_line = lines
        .iter()
        .find(|l| l.contains("eve@example.com"))
        .expect("Eve's line");
    assert!(
        eve_line.contains(",'=cmd|calc,"),
        "a formula is defused: {eve_line}"
    );
    assert!(eve_line.contains(",admin,"));
    assert!(eve_line.contains(",change_role,member,Olive Owner,2026-11-28T00:00:00.000Z"));
    let owner_line = lines
        .iter()
        .find(|l| l.contains("owner@example.com"))
        .expect("the Owner's line");
    assert!(owner_line.ends_with(",,,,"), "undecided: {owner_line}");
    expect_not_found(access_reviews::export_access_review(&env.svc, &owner, "nope").await);
}

async fn owners_are_reminded_of_an_overdue_review_once_per_period(
    env: &TestEnv,
    smtp: &MailServer,
) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let co_owner = member(env, acme, "co-owner@example.com", Role::Owner).await;
    let admin = member(env, acme, "admin@example.com", Role::Admin).await;
    // The sign-ups' verification mails go in the background: let them arrive first.
    smtp.wait_for(3).await;
    smtp.clear();
    assert_eq!(
        access_reviews::remind(&env.svc).await.expect("sweep"),
        0,
        "not due yet"
    );

    env.clock.advance(DAY * 90);
    assert_eq!(access_reviews::remind(&env.svc).await.expect("sweep"), 1);
    let mails = smtp.wait_for(2).await;
    let mut to: Vec<String> = mails.iter().filter_map(|m| m.header("to")).collect();
    to.sort();
    assert_eq!(to.len(), 2, "{to:?}");
    assert!(to[0].contains("co-owner@example.com") && to[1].contains("owner@example.com"));
    assert!(
        mails
            .iter()
            .all(|m| !m.header("to").unwrap_or_default().contains("admin@"))
    );
    let subject = mails[0].header("subject").unwrap_or_default();
    assert_eq!(subject, "Time to review who has access to Acme");
    assert!(
        mails[0]
            .text
            .contains("https://gatehouse.test/settings/access-reviews"),
        "{}",
        mails[0].text
    );
    // Once per period, however often the sweep runs (and on however many instances).
    let other = env.another_instance().await;
    assert_eq!(access_reviews::remind(&other).await.expect("sweep"), 0);
    assert_eq!(access_reviews::remind(&env.svc).await.expect("sweep"), 0);

    // A completed review starts a new period; 90 days on, a new reminder.
    let id = start_access_review(&env.svc, &owner)
        .await
        .expect("start")
        .id
        .to_string();
    for person in [&owner, &co_owner, &admin] {
        decide(
            env,
            &owner,
            &row(env, &owner, &id, person).await,
            "keep",
            None,
        )
        .await
        .expect("keep");
    }
    complete_access_review(&env.svc, &owner, &id)
        .await
        .expect("complete");
    env.clock.advance(DAY * 89);
    assert_eq!(access_reviews::remind(&env.svc).await.expect("sweep"), 0);
    env.clock.advance(DAY);
    smtp.clear();
    assert_eq!(access_reviews::remind(&env.svc).await.expect("sweep"), 1);
    assert_eq!(smtp.wait_for(2).await.len(), 2);
}
