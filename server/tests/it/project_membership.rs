//! Project roles and the organization: an invitation that carries a project role (and the
//! project's deletion racing its acceptance), leaving or being removed from the organization, and
//! changes made on one instance answered at once by another.

use std::time::{Duration, Instant};

use gatehouse_server::error::{Clash, Problem};
use gatehouse_server::invitations::{self, Acceptor};
use gatehouse_server::projects::{self, Reason};
use gatehouse_server::{ProjectRole, Role, Services, members};

use crate::expect::expect_not_found;
use crate::on_both_databases;
use crate::projects::{check, check_on, create, expect_clash, grant, grant_rows, joined, problems};
use crate::support::{START, TestEnv, acme_owner, org_of, token_of};

on_both_databases!(
    accepting_a_project_invitation_makes_the_newcomer_hold_the_project_role,
    leaving_or_being_removed_from_the_organization_deletes_ones_project_roles,
);

async fn accepting_a_project_invitation_makes_the_newcomer_hold_the_project_role(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let apollo = create(env, &owner, "Apollo").await;
    let gemini = create(env, &owner, "Gemini").await;
    let issued = invitations::invite_to_project(
        &env.svc,
        &owner,
        "nora@example.com",
        &apollo.to_string(),
        "member",
    )
    .await
    .expect("invite");
    let details = invitations::invitation_details(&env.svc, &token_of(&issued.link))
        .await
        .expect("details");
    assert_eq!(
        details.project,
        Some(("Apollo".into(), ProjectRole::Member))
    );
    let nora = crate::invitations::accept_new(env, &token_of(&issued.link), "Nora New")
        .await
        .expect("accept")
        .expect("a new account is signed in");
    let nora = env.actor(&nora).await;
    assert_eq!(
        nora.org.as_ref().map(|o| (o.id, o.role)),
        Some((acme, Role::Member))
    );
    let uses = check(env, &nora, apollo, "use", None).await;
    assert!(
        uses.allowed && uses.role == Some(ProjectRole::Member),
        "{uses:?}"
    );
    assert!(!check(env, &nora, apollo, "edit", None).await.allowed);
    let mine = projects::list_my_projects(&env.svc, &nora)
        .await
        .expect("mine");
    assert_eq!(mine.iter().map(|p| p.id).collect::<Vec<_>>(), [apollo]);
    let why = projects::explain_access(&env.svc, &nora, &apollo.to_string(), None)
        .await
        .expect("explain");
    assert_eq!(
        why.reasons,
        [Reason::Grant {
            role: ProjectRole::Member,
            added_by: Some("Olive Owner".into()),
            added_at: Some(START),
        }]
    );
    // The grant is audited as the inviter's, naming the invitation.
    assert_eq!(
        crate::projects::audited(env, acme, "project.member_added").await,
        [(
            owner.user_id.to_string(),
            format!(
                "project:{apollo} user:{} role:member invitation:{}",
                nora.user_id, issued.id
            )
        )]
    );

    // An archived project, another organization's, or an unknown role is refused.
    projects::set_archived(&env.svc, &owner, &gemini.to_string(), true)
        .await
        .expect("archive");
    expect_clash(
        invitations::invite_to_project(
            &env.svc,
            &owner,
            "late@example.com",
            &gemini.to_string(),
            "viewer",
        )
        .await,
        Clash::ProjectArchived,
    );
    let bea = env
        .sign_up_as("Bea Bauer", "bea@example.com", "Bravo")
        .await;
    let bea = env.actor(&bea).await;
    expect_not_found(
        invitations::invite_to_project(
            &env.svc,
            &bea,
            "late@example.com",
            &apollo.to_string(),
            "viewer",
        )
        .await,
    );
    let refused = invitations::invite_to_project(
        &env.svc,
        &owner,
        "late@example.com",
        &apollo.to_string(),
        "boss",
    )
    .await;
    assert_eq!(problems(refused, "role"), [Problem::UnknownProjectRole]);
    let pending = invitations::list_invitations(&env.svc, &owner)
        .await
        .expect("list");
    assert!(
        pending.is_empty(),
        "nothing refused was issued: {pending:?}"
    );
}

async fn leaving_or_being_removed_from_the_organization_deletes_ones_project_roles(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob_session = env.join(acme, "bob@example.com", Role::Member).await;
    let bob = env.actor(&bob_session).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let gemini = create(env, &owner, "Gemini").await;
    for project in [apollo, gemini] {
        grant(env, &owner, project, bob.user_id, "member").await;
    }
    grant(env, &owner, apollo, carol.user_id, "admin").await;
    assert!(check(env, &bob, apollo, "use", None).await.allowed);
    assert!(
        check(env, &owner, gemini, "use", Some(bob.user_id))
            .await
            .allowed
    );

    members::remove_member(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("remove from the organization");
    for project in [apollo, gemini] {
        assert!(
            grant_rows(env, project)
                .await
                .iter()
                .all(|(user, _)| *user != bob.user_id.to_string()),
            "his roles went with his membership"
        );
        expect_not_found(check_on(&env.svc, &owner, project, "view", Some(bob.user_id)).await);
    }
    let elsewhere = env.actor(&bob_session).await;
    assert_ne!(org_of(&elsewhere), acme);
    expect_not_found(check_on(&env.svc, &elsewhere, apollo, "view", None).await);

    members::leave_organization(&env.svc, &carol)
        .await
        .expect("leave");
    assert!(grant_rows(env, apollo).await.is_empty());

    // Coming back does not bring the old roles back.
    let issued = invitations::invite_member(&env.svc, &owner, "bob@example.com", "member")
        .await
        .expect("invite");
    invitations::accept_invitation(
        &env.svc,
        &token_of(&issued.link),
        Acceptor::SignedIn(&elsewhere),
        &env.client(),
        None,
    )
    .await
    .expect("accept");
    let back = env.actor(&bob_session).await;
    assert_eq!(org_of(&back), acme);
    expect_not_found(check_on(&env.svc, &back, apollo, "view", None).await);
    let asked = check(env, &owner, apollo, "view", Some(bob.user_id)).await;
    assert_eq!(asked.because, Reason::NoRole);
}

// Several instances on one PostgreSQL (see `instances.rs`).

pub(crate) async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    let start = Instant::now();
    while !condition() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

pub(crate) async fn two_instances() -> Option<(TestEnv, Services)> {
    let env = TestEnv::postgres().await?;
    let other = env.another_instance().await;
    until("both listeners and peers", || {
        env.svc.cache.is_trusted()
            && other.cache.is_trusted()
            && env.svc.cache.peer_count() >= 1
            && other.cache.peer_count() >= 1
    })
    .await;
    Some((env, other))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_change_on_one_instance_is_answered_by_another_on_its_very_next_check() {
    let Some((env, two)) = two_instances().await else {
        return;
    };
    let one = &env.svc;
    let owner = acme_owner(&env).await;
    let acme = org_of(&owner);
    let bob = joined(&env, acme, "bob@example.com", Role::Member).await;
    let apollo = create(&env, &owner, "Apollo").await;
    let (id, bob_id) = (apollo.to_string(), bob.user_id.to_string());
    grant(&env, &owner, apollo, bob.user_id, "admin").await;
    let ask = |permission: &'static str| {
        let (owner, bob) = (owner.clone(), bob.user_id);
        async move {
            check_on(one, &owner, apollo, permission, Some(bob))
                .await
                .expect("instance 1 answers")
        }
    };
    // Each answer on instance 1 (re)loads its snapshot, which the next change must drop.
    assert!(ask("edit").await.allowed);
    assert!(
        check_on(one, &bob, apollo, "edit", None)
            .await
            .expect("own")
            .allowed
    );

    projects::update_project_member_role(&two, &owner, &id, &bob_id, "viewer")
        .await
        .expect("re-role on instance 2");
    let now = ask("edit").await;
    assert_eq!((now.allowed, now.role), (false, Some(ProjectRole::Viewer)));
    assert!(
        !check_on(one, &bob, apollo, "edit", None)
            .await
            .expect("own")
            .allowed
    );

    projects::remove_project_member(&two, &owner, &id, &bob_id)
        .await
        .expect("remove on instance 2");
    assert_eq!(ask("view").await.because, Reason::NoRole);
    expect_not_found(check_on(one, &bob, apollo, "view", None).await);

    projects::add_project_members(&two, &owner, &id, std::slice::from_ref(&bob_id), "member")
        .await
        .expect("add on instance 2");
    assert!(ask("use").await.allowed);
    members::deactivate_member(&two, &owner, &bob_id)
        .await
        .expect("deactivate on instance 2");
    assert_eq!(ask("use").await.because, Reason::Deactivated);
    members::reactivate_member(&two, &owner, &bob_id)
        .await
        .expect("reactivate on instance 2");
    assert!(ask("use").await.allowed);
    projects::set_archived(&two, &owner, &id, true)
        .await
        .expect("archive on instance 2");
    assert_eq!(ask("use").await.because, Reason::Archived);
    projects::set_archived(&two, &owner, &id, false)
        .await
        .expect("restore on instance 2");
    assert!(ask("use").await.allowed);
    members::update_member_role(&two, &owner, &bob_id, "admin")
        .await
        .expect("promote on instance 2");
    assert_eq!(ask("edit").await.because, Reason::Organization(Role::Admin));
    members::remove_member(&two, &owner, &bob_id)
        .await
        .expect("remove from the organization on instance 2");
    expect_not_found(check_on(one, &owner, apollo, "view", Some(bob.user_id)).await);

    projects::delete_project(&two, &owner, &id, "Apollo")
        .await
        .expect("delete on instance 2");
    expect_not_found(check_on(one, &owner, apollo, "view", None).await);
    assert!(
        projects::list_my_projects(one, &owner)
            .await
            .expect("mine")
            .is_empty()
    );
    two.db.close().await;
    env.finish().await;
}

/// Waits until `count` statements of this test's database are blocked on a lock.
async fn until_blocked(env: &TestEnv, count: i64) {
    let start = Instant::now();
    loop {
        let blocked: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
        .fetch_one(env.svc.db.pool())
        .await
        .expect("activity");
        if blocked >= count {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {count} blocked statements"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// The acceptance is held (by a lock on Bob's account row) right after it claimed the
/// invitation, the Owner deletes the project meanwhile, then the acceptance goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_project_deleted_while_its_invitation_is_being_accepted_fails_neither() {
    let Some(env) = TestEnv::postgres().await else {
        return;
    };
    let owner = acme_owner(&env).await;
    let acme = org_of(&owner);
    let apollo = create(&env, &owner, "Apollo").await;
    let bob_session = env.sign_up("bob@example.com").await;
    let bob = env.actor(&bob_session).await;
    let issued = invitations::invite_to_project(
        &env.svc,
        &owner,
        "bob@example.com",
        &apollo.to_string(),
        "member",
    )
    .await
    .expect("invite");
    let token = token_of(&issued.link);

    let mut hold = env.svc.db.begin().await.expect("begin");
    sqlx::query("SELECT id FROM users WHERE id = $1 FOR UPDATE")
        .bind(bob.user_id.to_string())
        .execute(&mut *hold)
        .await
        .expect("hold Bob's row");
    let accepting = {
        let (svc, bob, client) = (env.svc.clone(), bob.clone(), env.client());
        tokio::spawn(async move {
            invitations::accept_invitation(&svc, &token, Acceptor::SignedIn(&bob), &client, None)
                .await
                .map(drop)
        })
    };
    until_blocked(&env, 1).await;
    let deleting = {
        let (svc, owner) = (env.svc.clone(), owner.clone());
        tokio::spawn(async move {
            projects::delete_project(&svc, &owner, &apollo.to_string(), "Apollo").await
        })
    };
    until_blocked(&env, 2).await;
    hold.rollback().await.expect("release");
    accepting
        .await
        .expect("task")
        .expect("Bob joins the organization");
    deleting
        .await
        .expect("task")
        .expect("the project is deleted");

    let bob = env.actor(&bob_session).await;
    assert_eq!(org_of(&bob), acme);
    expect_not_found(check_on(&env.svc, &bob, apollo, "view", None).await);
    assert!(
        grant_rows(&env, apollo).await.is_empty(),
        "no role outlives its project"
    );
    env.finish().await;
}
