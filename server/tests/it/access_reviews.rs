//! Access reviews: the facts each row starts from, decisions made through the Members screen's
//! own paths, who may read and who may decide, tenant isolation, one review at a time,
//! completion, the CSV export and the overdue reminder.

use std::time::Duration;

use futures::future::join_all;
use gatehouse_server::access_reviews::{
    self, Decision, ReviewItem, ReviewPage, Show, complete_access_review, decide_review_item,
    get_access_review, list_access_reviews, start_access_review,
};
use gatehouse_server::error::{Clash, Denial, Problem};
use gatehouse_server::{Actor, Clock, Error, OrgId, Role, UserId, projects, security_policy};

use crate::expect::{expect_denied, expect_not_found};
use crate::projects::audited;
use crate::support::{MailServer, PASSWORD, START, TestEnv, acme_owner, org_of};
use crate::{on_both_databases, on_both_databases_with_mail};

on_both_databases!(
    a_review_lists_every_active_member_with_the_facts_that_call_for_attention,
    decisions_change_access_through_the_members_screens_paths,
    keep_can_be_revised_but_a_change_stands_and_inputs_are_checked,
    a_review_is_completed_once_every_row_is_decided_and_then_never_changes,
    admins_and_auditors_read_reviews_but_are_refused_every_change,
    another_organizations_owner_reaches_nothing_of_a_review,
    an_organization_has_one_review_in_progress_at_a_time,
    a_review_is_due_ninety_days_after_the_last_one_completed,
    a_review_exports_as_csv,
);

on_both_databases_with_mail!(owners_are_reminded_of_an_overdue_review_once_per_period);

const DAY: Duration = Duration::from_secs(24 * 3600);

/// `email` as a member of `org` holding `role`, with a sign-in today.
async fn member(env: &TestEnv, org: OrgId, email: &str, role: Role) -> Actor {
    let signed_in = env.join(org, email, role).await;
    signed_in_at(env, signed_in.user_id, START).await;
    env.actor(&signed_in).await
}

/// Sets when `user` last signed in.
async fn signed_in_at(env: &TestEnv, user: UserId, at: gatehouse_server::Timestamp) {
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(at.as_millis())
        .bind(user.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("age the sign-in");
}

/// Acme's Owner, who signed in today.
async fn owner(env: &TestEnv) -> Actor {
    let owner = acme_owner(env).await;
    signed_in_at(env, owner.user_id, START).await;
    owner
}

async fn page(env: &TestEnv, by: &Actor, review: &str, show: Show) -> ReviewPage {
    get_access_review(&env.svc, by, review, show, 1)
        .await
        .expect("get review")
}

/// The row of `person` in `review`.
async fn row(env: &TestEnv, by: &Actor, review: &str, person: &Actor) -> ReviewItem {
    page(env, by, review, Show::All)
        .await
        .items
        .into_iter()
        .find(|item| item.user_id == person.user_id)
        .expect("a row for the person")
}

async fn decide(
    env: &TestEnv,
    by: &Actor,
    item: &ReviewItem,
    decision: &str,
    role: Option<&str>,
) -> Result<ReviewItem, Error> {
    decide_review_item(&env.svc, by, &item.id.to_string(), decision, role).await
}

/// `user`'s role in `org` now, if they are a member, and whether they are deactivated.
async fn membership(env: &TestEnv, org: OrgId, user: UserId) -> Option<(String, bool)> {
    let row: Option<(String, Option<i64>)> = sqlx::query_as(
        "SELECT role, deactivated_at FROM memberships WHERE org_id = $1 AND user_id = $2",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .fetch_optional(env.svc.db.pool())
    .await
    .expect("membership");
    row.map(|(role, deactivated)| (role, deactivated.is_some()))
}

fn expect_clash<T: std::fmt::Debug>(result: Result<T, Error>, clash: Clash) {
    match result {
        Err(Error::Conflict(found)) => assert_eq!(found, clash),
        other => panic!("expected Conflict({clash:?}), got {other:?}"),
    }
}

fn expect_problem<T: std::fmt::Debug>(result: Result<T, Error>, field: &str, problem: Problem) {
    match result {
        Err(Error::Validation(errors)) => assert_eq!(errors.of(field), [problem]),
        other => panic!("expected {problem:?} on {field}, got {other:?}"),
    }
}

async fn a_review_lists_every_active_member_with_the_facts_that_call_for_attention(env: &TestEnv) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let admin = member(env, acme, "admin@example.com", Role::Admin).await;
    let bob = member(env, acme, "bob@example.com", Role::Member).await;
    let carol = member(env, acme, "carol@example.com", Role::Member).await;
    let auditor = member(env, acme, "auditor@example.com", Role::Auditor).await;
    let dave = member(env, acme, "dave@example.com", Role::Member).await;
    // Bob last signed in 31 days ago; Dave is deactivated (no access: not reviewed).
    signed_in_at(env, bob.user_id, START.minus(DAY * 31)).await;
    gatehouse_server::members::deactivate_member(&env.svc, &owner, &dave.user_id.to_string())
        .await
        .expect("deactivate");
    // Owners and Admins must use MFA; Carol has it (Members are not covered anyway).
    let roles = ["owner".to_string(), "admin".to_string()];
    security_policy::update_security_policy(
        &env.svc,
        &owner,
        true,
        &roles,
        7,
        None,
        Some(PASSWORD),
    )
    .await
    .expect("policy");
    crate::mfa::enroll(env, &carol).await;
    member(env, acme, "erin@example.com", Role::Member).await;
    // Bob holds Viewer on Apollo himself; Carol's team Data holds Member on Zephyr.
    let apollo = projects::create_project(&env.svc, &owner, "Apollo", "")
        .await
        .expect("project");
    projects::add_project_members(
        &env.svc,
        &owner,
        &apollo.to_string(),
        &[bob.user_id.to_string()],
        "viewer",
    )
    .await
    .expect("grant");
    let zephyr = projects::create_project(&env.svc, &owner, "Zephyr", "")
        .await
        .expect("project");
    let data = crate::teams::team(env, &owner, "Data", &[&carol], None).await;
    projects::add_project_team(
        &env.svc,
        &owner,
        &zephyr.to_string(),
        &data.to_string(),
        "member",
    )
    .await
    .expect("team grant");

    let review = start_access_review(&env.svc, &owner)
        .await
        .expect("an Owner starts a review");
    let id = review.id.to_string();
    assert_eq!(review.progress.total, 6, "every active member");
    assert_eq!(review.progress.decided, 0);
    assert_eq!(
        review.started_by.as_ref().map(|r| r.user_id),
        Some(owner.user_id)
    );
    assert_eq!(review.completed_at, None);

    let all = page(env, &owner, &id, Show::All).await;
    assert_eq!(all.matching, 6);
    assert!(all.items.iter().all(|item| item.user_id != dave.user_id));
    let of = |person: &Actor| {
        all.items
            .iter()
            .find(|item| item.user_id == person.user_id)
            .cloned()
            .expect("listed")
    };
    let owner_row = of(&owner);
    assert_eq!(owner_row.role, Role::Owner);
    assert!(owner_row.privileged && owner_row.mfa_missing && !owner_row.inactive);
    let admin_row = of(&admin);
    assert!(admin_row.privileged && admin_row.mfa_missing);
    assert_eq!(admin_row.email, "admin@example.com");
    let bob_row = of(&bob);
    assert!(bob_row.inactive && !bob_row.privileged && !bob_row.mfa_missing);
    assert_eq!(bob_row.last_sign_in_at, Some(START.minus(DAY * 31)));
    assert_eq!(bob_row.projects.len(), 1);
    assert_eq!(
        (
            bob_row.projects[0].name.as_str(),
            bob_row.projects[0].role.as_str()
        ),
        ("Apollo", "viewer")
    );
    assert_eq!(bob_row.projects[0].team, None);
    let carol_row = of(&carol);
    assert!(carol_row.mfa_enabled && !carol_row.inactive && !carol_row.mfa_missing);
    assert_eq!(carol_row.teams.len(), 1);
    assert_eq!(carol_row.teams[0].name, "Data");
    assert_eq!(carol_row.projects.len(), 1);
    assert_eq!(carol_row.projects[0].name, "Zephyr");
    assert_eq!(carol_row.projects[0].team.as_deref(), Some("Data"));
    let auditor_row = of(&auditor);
    assert_eq!(auditor_row.role, Role::Auditor);
    assert!(!auditor_row.privileged && !auditor_row.mfa_missing && !auditor_row.inactive);
    assert!(all.items.iter().all(|item| item.decision.is_none()));

    // The filters: rows with a flag, rows left to decide.
    let flagged: Vec<UserId> = page(env, &owner, &id, Show::Attention)
        .await
        .items
        .into_iter()
        .map(|item| item.user_id)
        .collect();
    assert_eq!(flagged.len(), 3);
    for person in [&owner, &admin, &bob] {
        assert!(flagged.contains(&person.user_id));
    }
    assert_eq!(page(env, &owner, &id, Show::Undecided).await.matching, 6);

    // The facts stay as they were: a later change does not rewrite the review.
    signed_in_at(env, bob.user_id, START).await;
    assert!(row(env, &owner, &id, &bob).await.inactive);
    let started = audited(env, acme, "access_review.started").await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].0, owner.user_id.to_string());
    assert_eq!(started[0].1, format!("access_review:{id} items:6"));
}

async fn decisions_change_access_through_the_members_screens_paths(env: &TestEnv) {
    let owner = owner(env).await;
    let acme = org_of(&owner);
    let admin = member(env, acme, "admin@example.com", Role::Admin).await;
    let bob_session = env.join(acme, "bob@example.com", Role::Member).await;
    let bob = env.actor(&bob_session).await;
    let carol = member(env, acme, "carol@example.com", Role::Member).await;
    let erin = member(env, acme, "erin@example.com", Role::Member).await;
    let id = start_access_review(&env.svc, &owner)
        .await
        .expect("start")
        .id
        .to_string();

    // Change role: the Admin becomes a Member, as the Members screen would make them.
    let decided = decide(
        env,
        &owner,
        &row(env, &owner, &id, &admin).await,
        "change_role",
        Some("member"),
    )
    .await
    .expect("downgrade");
    assert_eq!(decided.decision, Some(Decision::ChangeRole));
    assert_eq!(decided.new_role, Some(Role::Member));
    assert_eq!(
        decided.decided_by.as_ref().map(|r| r.user_id),
        Some(owner.user_id)
    );
    assert_eq!(decided.decided_at, Some(START));
    assert_eq!(
        decided.role,
        Role::Admin,
        "the row keeps the facts it started from"
    );
    assert_eq!(
        membership(env, acme, admin.user_id).await,
        Some(("member".into(), false))
    );
    let changed = audited(env, acme, "member.role_changed").await;
    assert_eq!(changed.len(), 1);
    assert!(changed[0].1.ends_with("role:admin->member"), "{changed:?}");

    // Deactivate: Bob's membership stays, deactivated, and his session here ends at once.
    assert!(env.resolve(&bob_session).await.is_some());
    decide(
        env,
        &owner,
        &row(env, &owner, &id, &bob).await,
        "deactivate",
        None,
    )
    .await
    .expect("deactivate");
    assert_eq!(
        membership(env, acme, bob.user_id).await,
        Some(("member".into(), true))
    );
    assert!(
        env.resolve(&bob_session).await.is_none(),
        "his session ended"
    );
    assert_eq!(audited(env, acme, "member.deactivated").await.len(), 1);

    // Remove: Carol is no longer a member.
    decide(
        env,
        &owner,
        &row(env, &owner, &id, &carol).await,
        "remove",
        None,
    )
    .await
    .expect("remove");
    assert_eq!(membership(env, acme, carol.user_id).await, None);
    assert_eq!(audited(env, acme, "member.removed").await.len(), 1);

    // Change role to Auditor; Keep changes nothing.
    decide(
        env,
        &owner,
        &row(env, &owner, &id, &erin).await,
        "change_role",
        Some("auditor"),
    )
    .await
    .expect("to auditor");
    assert_eq!(
        membership(env, acme, erin.user_id).await,
        Some(("auditor".into(), false))
    );
    decide(
        env,
        &owner,
        &row(env, &owner, &id, &owner).await,
        "keep",
        None,
    )
    .await
    .expect("keep");
    assert_eq!(
        membership(env, acme, owner.user_id).await,
        Some(("owner".into(), false))
    );

    // The Members screen's rules hold: the last Owner is not removed, deactivated or demoted.
    let own_row = row(env, &owner, &id, &owner).await;
    assert_eq!(own_row.decision, Some(Decision::Keep));
    expect_denied(
        decide(env, &owner, &own_row, "remove", None).await,
        Denial::LastOwner,
    );
    expect_denied(
        decide(env, &owner, &own_row, "change_role", Some("admin")).await,
        Denial::LastOwner,
    );
    assert_eq!(
        membership(env, acme, owner.user_id).await,
        Some(("owner".into(), false))
    );
    assert_eq!(
        row(env, &owner, &id, &owner).await.decision,
        Some(Decision::Keep)
    );

    let decisions = audited(env, acme, "access_review.item_decided").await;
    assert_eq!(decisions.len(), 5);
    assert!(
        decisions
            .iter()
            .all(|(actor, _)| *actor == owner.user_id.to_string())
    );
    assert!(decisions.iter().any(|(_, target)| *target
        == format!(
            "access_review:{id} user:{} decision:change_role role:member",
            admin.user_id
        )));
    let progress = page(env, &owner, &id, Show::All).await.review.progress;
    assert_eq!(
        (
            progress.total,
            progress.decided,
            progress.kept,
            progress.role_changed
        ),
        (5, 5, 1, 2)
    );
    assert_eq!((progress.removed, progress.deactivated), (1, 1));
}

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
