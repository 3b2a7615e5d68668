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
use crate::on_both_databases;
use crate::projects::audited;
use crate::support::{MailServer, PASSWORD, START, TestEnv, acme_owner, org_of};

on_both_databases!(
    a_review_lists_every_active_member_with_the_facts_that_call_for_attention,
    decisions_change_access_through_the_members_screens_paths,
);

mod decisions;
mod standing;

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
