//! Project roles through teams: everyone in a team holds its role, the highest path wins, the
//! explainer names each team, and removing someone from a team, changing or removing a team's
//! role or deleting the team holds on the very next check — on another instance too.

use gatehouse_server::authz::Via;
use gatehouse_server::error::{Clash, Denial, Problem, Subject};
use gatehouse_server::projects::{self, Reason};
use gatehouse_server::{ProjectRole, Role, teams};

use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::project_membership::two_instances;
use crate::projects::{audited, check, check_on, create, expect_clash, grant, joined, problems};
use crate::support::{TestEnv, acme_owner, org_of};
use crate::teams::{ids, team};

on_both_databases!(
    everyone_in_a_team_holds_its_role_and_the_highest_path_wins,
    the_explainer_and_my_projects_name_each_team,
    project_admins_manage_a_projects_teams_and_others_cannot,
    a_team_change_is_answered_by_the_very_next_check,
);

async fn everyone_in_a_team_holds_its_role_and_the_highest_path_wins(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let dave = joined(env, acme, "dave@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    let viewers = team(env, &owner, "Viewers", &[&bob, &carol], None).await;
    let builders = team(env, &owner, "Builders", &[&carol], None).await;
    projects::add_project_team(&env.svc, &owner, &id, &viewers.to_string(), "viewer")
        .await
        .expect("viewers");
    projects::add_project_team(&env.svc, &owner, &id, &builders.to_string(), "admin")
        .await
        .expect("builders");
    grant(env, &owner, apollo, bob.user_id, "member").await;

    let bob_use = check(env, &bob, apollo, "use", None).await;
    assert!(bob_use.allowed, "his own Member beats the team's Viewer");
    assert_eq!(bob_use.role, Some(ProjectRole::Member));
    let carol_edit = check(env, &carol, apollo, "edit", None).await;
    assert!(carol_edit.allowed);
    assert_eq!(
        carol_edit.because,
        Reason::Team {
            team_id: builders,
            name: "Builders".into(),
            role: ProjectRole::Admin
        }
    );
    let dave_view = check(env, &owner, apollo, "view", Some(dave.user_id)).await;
    assert!(!dave_view.allowed);
    assert_eq!(dave_view.because, Reason::NoRole);
    // The team's Admins manage the project: Carol renames it.
    projects::update_project(&env.svc, &carol, &id, "Apollo 11", "")
        .await
        .expect("a team Admin edits");
    let project = projects::get_project(&env.svc, &carol, &id)
        .await
        .expect("get");
    assert_eq!(project.access.via, Via::Team(builders));

    // Deactivated: the team's role waits too.
    gatehouse_server::members::deactivate_member(&env.svc, &owner, &carol.user_id.to_string())
        .await
        .expect("deactivate");
    let asked = check(env, &owner, apollo, "view", Some(carol.user_id)).await;
    assert_eq!((asked.allowed, asked.because), (false, Reason::Deactivated));
}

async fn the_explainer_and_my_projects_name_each_team(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let gemini = create(env, &owner, "Gemini").await;
    create(env, &owner, "Mercury").await;
    let data = team(env, &owner, "Data Science", &[&bob], None).await;
    let ops = team(env, &owner, "Ops", &[&bob], None).await;
    for (project, team, role) in [
        (apollo, data, "member"),
        (apollo, ops, "viewer"),
        (gemini, ops, "admin"),
    ] {
        projects::add_project_team(
            &env.svc,
            &owner,
            &project.to_string(),
            &team.to_string(),
            role,
        )
        .await
        .expect("share");
    }
    grant(env, &owner, apollo, bob.user_id, "viewer").await;
    let explained = projects::explain_access(
        &env.svc,
        &owner,
        &apollo.to_string(),
        Some(&bob.user_id.to_string()),
    )
    .await
    .expect("explain");
    assert_eq!(explained.role, Some(ProjectRole::Member));
    let kinds: Vec<String> = explained
        .reasons
        .iter()
        .map(|r| match r {
            Reason::Team { name, role, .. } => format!("team {name} {role}"),
            Reason::Grant { role, .. } => format!("grant {role}"),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        kinds,
        [
            "team Data Science member",
            "grant viewer",
            "team Ops viewer"
        ],
        "strongest first; of equal roles the person's own grant first"
    );
    let mine = projects::list_my_projects(&env.svc, &bob)
        .await
        .expect("mine");
    let mine: Vec<(String, ProjectRole)> = mine.into_iter().map(|p| (p.name, p.role)).collect();
    assert_eq!(
        mine,
        [
            ("Apollo".to_string(), ProjectRole::Member),
            ("Gemini".to_string(), ProjectRole::Admin)
        ]
    );
    let listed = projects::list_projects(&env.svc, &bob, "", false, 1)
        .await
        .expect("list");
    assert_eq!(listed.total, 2, "Mercury stays hidden");
    let his = projects::list_member_projects(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("member projects");
    assert_eq!(his.len(), 2);
    assert!(his[1].reasons.contains(&Reason::Team {
        team_id: ops,
        name: "Ops".into(),
        role: ProjectRole::Admin
    }));
    let team_projects = teams::list_team_projects(&env.svc, &bob, &ops.to_string())
        .await
        .expect("the team's projects");
    assert_eq!(
        team_projects
            .iter()
            .map(|p| (p.name.as_str(), p.role))
            .collect::<Vec<_>>(),
        [
            ("Apollo", ProjectRole::Viewer),
            ("Gemini", ProjectRole::Admin)
        ]
    );
}

async fn project_admins_manage_a_projects_teams_and_others_cannot(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let padmin = joined(env, acme, "padmin@example.com", Role::Member).await;
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    grant(env, &owner, apollo, padmin.user_id, "admin").await;
    grant(env, &owner, apollo, lead.user_id, "member").await;
    let data = team(env, &owner, "Data Science", &[&lead], Some(&lead)).await;
    let d = data.to_string();

    // The team's lead (a project Member) cannot give the team a role here.
    expect_denied(
        projects::add_project_team(&env.svc, &lead, &id, &d, "admin").await,
        Denial::InsufficientRole,
    );
    let offered = projects::project_team_candidates(&env.svc, &padmin, &id, "data")
        .await
        .expect("candidates");
    assert_eq!(
        offered.iter().map(|c| c.team_id).collect::<Vec<_>>(),
        [data]
    );
    assert_eq!(offered[0].member_count, 1);
    assert_eq!(
        problems(
            projects::add_project_team(&env.svc, &padmin, &id, &d, "owner").await,
            "role"
        ),
        [Problem::UnknownProjectRole]
    );
    assert_eq!(
        problems(
            projects::add_project_team(&env.svc, &padmin, &id, " ", "viewer").await,
            "team_id"
        ),
        [Problem::Required(Subject::Team)]
    );
    projects::add_project_team(&env.svc, &padmin, &id, &d, "viewer")
        .await
        .expect("a project Admin adds a team");
    expect_clash(
        projects::add_project_team(&env.svc, &padmin, &id, &d, "admin").await,
        Clash::TeamAlreadyOnProject {
            name: "Data Science".into(),
        },
    );
    assert!(
        projects::project_team_candidates(&env.svc, &padmin, &id, "data")
            .await
            .expect("candidates")
            .is_empty()
    );
    let listed = projects::list_project_teams(&env.svc, &lead, &id)
        .await
        .expect("anyone who sees the project sees its teams");
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].role, listed[0].member_count),
        (ProjectRole::Viewer, 1)
    );
    assert_eq!(listed[0].added_by.as_deref(), Some("Ada Lovelace"));
    expect_denied(
        projects::update_project_team_role(&env.svc, &lead, &id, &d, "admin").await,
        Denial::InsufficientRole,
    );
    projects::update_project_team_role(&env.svc, &padmin, &id, &d, "admin")
        .await
        .expect("re-role");
    // Archived: the project's teams are read-only.
    projects::set_archived(&env.svc, &owner, &id, true)
        .await
        .expect("archive");
    expect_clash(
        projects::remove_project_team(&env.svc, &owner, &id, &d).await,
        Clash::ProjectArchived,
    );
    projects::set_archived(&env.svc, &owner, &id, false)
        .await
        .expect("restore");
    projects::remove_project_team(&env.svc, &padmin, &id, &d)
        .await
        .expect("remove");
    expect_not_found(projects::remove_project_team(&env.svc, &padmin, &id, &d).await);
    let rows = audited(env, acme, "project.team_added").await;
    assert_eq!(
        rows,
        [(
            padmin.user_id.to_string(),
            format!("project:{apollo} team:{data} role:viewer")
        )]
    );
    assert_eq!(
        audited(env, acme, "project.team_role_changed").await.len(),
        1
    );
    assert_eq!(audited(env, acme, "project.team_removed").await.len(), 1);
}

async fn a_team_change_is_answered_by_the_very_next_check(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    let data = team(env, &owner, "Data Science", &[], Some(&lead)).await;
    let d = data.to_string();
    projects::add_project_team(&env.svc, &owner, &id, &d, "member")
        .await
        .expect("share");
    // Each check loads the snapshot that the next change must drop.
    assert!(
        !check(env, &owner, apollo, "view", Some(bob.user_id))
            .await
            .allowed
    );
    teams::add_team_members(&env.svc, &lead, &d, &ids(&[&bob]))
        .await
        .expect("the lead adds bob");
    assert!(
        check(env, &owner, apollo, "use", Some(bob.user_id))
            .await
            .allowed
    );
    assert!(
        check(env, &bob, apollo, "use", None).await.allowed,
        "bob's own next request"
    );
    projects::update_project_team_role(&env.svc, &owner, &id, &d, "viewer")
        .await
        .expect("re-role");
    assert!(
        !check(env, &owner, apollo, "use", Some(bob.user_id))
            .await
            .allowed
    );
    teams::remove_team_member(&env.svc, &lead, &d, &bob.user_id.to_string())
        .await
        .expect("the lead removes bob");
    assert!(
        !check(env, &owner, apollo, "view", Some(bob.user_id))
            .await
            .allowed
    );
    expect_not_found(check_on(&env.svc, &bob, apollo, "view", None).await);
    assert!(
        check(env, &owner, apollo, "view", Some(lead.user_id))
            .await
            .allowed
    );
    teams::delete_team(&env.svc, &owner, &d)
        .await
        .expect("delete");
    assert!(
        !check(env, &owner, apollo, "view", Some(lead.user_id))
            .await
            .allowed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_team_change_on_one_instance_is_answered_by_another_on_its_very_next_check() {
    let Some((env, two)) = two_instances().await else {
        return;
    };
    let one = &env.svc;
    let owner = acme_owner(&env).await;
    let acme = org_of(&owner);
    let bob = joined(&env, acme, "bob@example.com", Role::Member).await;
    let apollo = create(&env, &owner, "Apollo").await;
    let (id, bob_id) = (apollo.to_string(), bob.user_id.to_string());
    let ask = || {
        let (owner, bob) = (owner.clone(), bob.user_id);
        async move {
            check_on(one, &owner, apollo, "use", Some(bob))
                .await
                .expect("instance 1 answers")
                .allowed
        }
    };
    assert!(!ask().await);
    let data = teams::create_team(
        &two,
        &owner,
        "Data Science",
        "",
        std::slice::from_ref(&bob_id),
        None,
    )
    .await
    .expect("create on instance 2");
    let d = data.to_string();
    assert!(!ask().await, "in a team without a role here");
    projects::add_project_team(&two, &owner, &id, &d, "member")
        .await
        .expect("share on instance 2");
    assert!(ask().await, "the team's role, at once on instance 1");
    projects::update_project_team_role(&two, &owner, &id, &d, "viewer")
        .await
        .expect("re-role");
    assert!(!ask().await);
    projects::update_project_team_role(&two, &owner, &id, &d, "member")
        .await
        .expect("re-role");
    assert!(ask().await);
    teams::remove_team_member(&two, &owner, &d, &bob_id)
        .await
        .expect("remove on instance 2");
    assert!(!ask().await, "out of the team, at once on instance 1");
    teams::add_team_members(&two, &owner, &d, std::slice::from_ref(&bob_id))
        .await
        .expect("back");
    assert!(ask().await);
    teams::delete_team(&two, &owner, &d).await.expect("delete");
    assert!(!ask().await, "the team deleted, at once on instance 1");
    projects::add_project_team(&two, &owner, &id, &d, "member")
        .await
        .expect_err("a deleted team cannot be added");
    two.db.close().await;
    env.finish().await;
}
