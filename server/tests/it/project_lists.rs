//! The Projects screen's lists: who sees which project and with which role, search and pages,
//! the archived filter, and who may archive, restore and delete.

use gatehouse_server::error::{Clash, Denial, Problem};
use gatehouse_server::projects;
use gatehouse_server::{ProjectRole, Role};

use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::projects::{
    create, expect_clash, grant, grant_rows, granted, implicit, joined, names, problems,
};
use crate::support::{TestEnv, acme_owner, org_of};

on_both_databases!(
    a_member_sees_only_the_projects_they_hold_a_role_on,
    projects_are_searched_by_name_or_description_and_paged,
    archived_projects_are_listed_only_under_the_archived_filter,
    only_owners_and_admins_archive_restore_and_delete,
);

async fn a_member_sees_only_the_projects_they_hold_a_role_on(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let gemini = create(env, &owner, "Gemini").await;
    let mercury = create(env, &owner, "Mercury").await;
    grant(env, &owner, apollo, bob.user_id, "viewer").await;
    grant(env, &owner, gemini, bob.user_id, "member").await;

    let listed = projects::list_projects(&env.svc, &bob, "", false, 1)
        .await
        .expect("list");
    assert_eq!(listed.total, 2);
    let seen: Vec<_> = listed
        .projects
        .iter()
        .map(|p| (p.id, p.name.as_str(), p.access))
        .collect();
    assert_eq!(
        seen,
        [
            (apollo, "Apollo", granted(ProjectRole::Viewer)),
            (gemini, "Gemini", granted(ProjectRole::Member)),
        ]
    );
    let mine: Vec<_> = projects::list_my_projects(&env.svc, &bob)
        .await
        .expect("mine")
        .into_iter()
        .map(|p| (p.id, p.role))
        .collect();
    assert_eq!(
        mine,
        [(apollo, ProjectRole::Viewer), (gemini, ProjectRole::Member)]
    );
    let shown = projects::get_project(&env.svc, &bob, &apollo.to_string())
        .await
        .expect("his project");
    assert_eq!(shown.access, granted(ProjectRole::Viewer));
    expect_not_found(projects::get_project(&env.svc, &bob, &mercury.to_string()).await);
    expect_not_found(projects::get_project(&env.svc, &bob, "not-a-project-id").await);
    assert!(names(env, &bob, "mercury", false).await.is_empty());

    // A member without any role sees nothing.
    let nothing = projects::list_projects(&env.svc, &carol, "", false, 1)
        .await
        .expect("list");
    assert_eq!((nothing.projects.len(), nothing.total), (0, 0));
    assert!(
        projects::list_my_projects(&env.svc, &carol)
            .await
            .expect("mine")
            .is_empty()
    );

    // Owners and Admins see every project, as Admins through the organization.
    for (actor, role) in [(&owner, Role::Owner), (&admin, Role::Admin)] {
        let all = projects::list_projects(&env.svc, actor, "", false, 1)
            .await
            .expect("list");
        assert_eq!(all.total, 3);
        assert!(all.projects.iter().all(|p| p.access == implicit(role)));
        let mine = projects::list_my_projects(&env.svc, actor)
            .await
            .expect("mine");
        assert_eq!(mine.len(), 3);
        assert!(mine.iter().all(|p| p.role == ProjectRole::Admin));
    }
}

async fn projects_are_searched_by_name_or_description_and_paged(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = joined(env, org_of(&owner), "bob@example.com", Role::Member).await;
    for i in 0..30 {
        create(env, &owner, &format!("Project {i:02}")).await;
    }
    let zephyr = projects::create_project(&env.svc, &owner, "Zephyr", "Wind TUNNEL tests")
        .await
        .expect("create");
    let page = |query: &'static str, number: i64| {
        let (svc, owner) = (env.svc.clone(), owner.clone());
        async move {
            projects::list_projects(&svc, &owner, query, false, number)
                .await
                .expect("list")
        }
    };
    let first = page("", 1).await;
    assert_eq!((first.projects.len(), first.total), (25, 31));
    assert_eq!(first.projects[0].name, "Project 00", "by name");
    let second = page("", 2).await;
    assert_eq!((second.projects.len(), second.total), (6, 31));
    assert_eq!(second.projects[5].id, zephyr);
    let past = page("", 3).await;
    assert_eq!((past.projects.len(), past.total), (0, 31));

    let by_description = page("tunnel", 1).await;
    assert_eq!(by_description.total, 1);
    assert_eq!(by_description.projects[0].id, zephyr);
    assert_eq!(by_description.projects[0].description, "Wind TUNNEL tests");
    assert_eq!(page("  PROJECT 1", 1).await.total, 10, "trimmed, any case");
    assert_eq!(page("%", 1).await.total, 0, "no wildcards");
    let too_long = projects::list_projects(&env.svc, &owner, &"q".repeat(101), false, 1).await;
    assert_eq!(problems(too_long, "query"), [Problem::TooLong { max: 100 }]);

    // A Member's search covers only what they see.
    let p05 = page("project 05", 1).await.projects[0].id;
    grant(env, &owner, p05, bob.user_id, "viewer").await;
    assert_eq!(names(env, &bob, "project", false).await, ["Project 05"]);
    assert!(names(env, &bob, "tunnel", false).await.is_empty());
}

async fn archived_projects_are_listed_only_under_the_archived_filter(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = joined(env, org_of(&owner), "bob@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    create(env, &owner, "Gemini").await;
    grant(env, &owner, apollo, bob.user_id, "viewer").await;
    projects::set_archived(&env.svc, &owner, &apollo.to_string(), true)
        .await
        .expect("archive");

    assert_eq!(names(env, &owner, "", false).await, ["Gemini"]);
    assert_eq!(names(env, &owner, "", true).await, ["Apollo"]);
    assert_eq!(names(env, &owner, "apo", true).await, ["Apollo"]);
    assert!(names(env, &owner, "gem", true).await.is_empty());
    assert!(names(env, &bob, "", false).await.is_empty());
    assert_eq!(names(env, &bob, "", true).await, ["Apollo"]);
    let archived = projects::list_projects(&env.svc, &owner, "", true, 1)
        .await
        .expect("list");
    assert!(archived.total == 1 && archived.projects[0].archived);
    let mine = projects::list_my_projects(&env.svc, &bob)
        .await
        .expect("mine");
    assert_eq!(mine.len(), 1);
    assert!(mine[0].archived);
    assert!(
        projects::get_project(&env.svc, &bob, &apollo.to_string())
            .await
            .expect("still visible")
            .archived
    );

    projects::set_archived(&env.svc, &owner, &apollo.to_string(), false)
        .await
        .expect("restore");
    assert_eq!(names(env, &bob, "", false).await, ["Apollo"]);
    assert_eq!(names(env, &owner, "", false).await, ["Apollo", "Gemini"]);
    assert!(names(env, &owner, "", true).await.is_empty());
}

async fn only_owners_and_admins_archive_restore_and_delete(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let viewer = joined(env, acme, "viewer@example.com", Role::Member).await;
    let outsider = joined(env, acme, "outsider@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    grant(env, &owner, apollo, lead.user_id, "admin").await;
    grant(env, &owner, apollo, viewer.user_id, "viewer").await;

    for member in [&lead, &viewer] {
        expect_denied(
            projects::set_archived(&env.svc, member, &id, true).await,
            Denial::InsufficientRole,
        );
        expect_denied(
            projects::delete_project(&env.svc, member, &id, "Apollo").await,
            Denial::InsufficientRole,
        );
    }
    expect_not_found(projects::set_archived(&env.svc, &outsider, &id, true).await);
    expect_not_found(projects::delete_project(&env.svc, &outsider, &id, "Apollo").await);

    projects::set_archived(&env.svc, &admin, &id, true)
        .await
        .expect("an Admin archives");
    expect_clash(
        projects::set_archived(&env.svc, &owner, &id, true).await,
        Clash::ProjectArchived,
    );
    expect_denied(
        projects::set_archived(&env.svc, &lead, &id, false).await,
        Denial::InsufficientRole,
    );
    projects::set_archived(&env.svc, &admin, &id, false)
        .await
        .expect("an Admin restores");
    expect_clash(
        projects::set_archived(&env.svc, &owner, &id, false).await,
        Clash::ProjectNotArchived,
    );
    let project = projects::get_project(&env.svc, &owner, &id)
        .await
        .expect("still there");
    assert!(!project.archived);
    assert_eq!(grant_rows(env, apollo).await.len(), 2);
}
