//! Tenant isolation for teams: an Owner of another organization who uses this organization's
//! team, project or user ids, with every team operation, is told "not found", and nothing
//! changes here.

use gatehouse_server::invitations::{self, InviteOptions};
use gatehouse_server::{Error, Role, projects, teams};

use crate::on_both_databases;
use crate::projects::{audited, check, create, joined};
use crate::support::{TestEnv, org_of, verified_acme_owner};
use crate::teams::{roster, team};

on_both_databases!(an_owner_of_another_organization_reaches_no_team_here);

async fn an_owner_of_another_organization_reaches_no_team_here(env: &TestEnv) {
    let owner = verified_acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let data = team(env, &owner, "Data Science", &[&bob], Some(&bob)).await;
    projects::add_project_team(
        &env.svc,
        &owner,
        &apollo.to_string(),
        &data.to_string(),
        "member",
    )
    .await
    .expect("share");
    let bea = env
        .sign_up_as("Bea Bauer", "bea@example.com", "Bravo")
        .await;
    let bea = env.actor(&bea).await;
    let bravo = org_of(&bea);
    let brian = joined(env, bravo, "brian@example.com", Role::Member).await;
    let own_project = create(env, &bea, "Bravo One").await;
    let own_team = team(env, &bea, "Bravo Team", &[&brian], None).await;
    let audit_before = audited(env, acme, "team.member_added").await.len();

    let (t, a) = (data.to_string(), apollo.to_string());
    let (ot, op) = (own_team.to_string(), own_project.to_string());
    let (bob_id, brian_id) = (bob.user_id.to_string(), brian.user_id.to_string());
    let svc = &env.svc;
    let brian_ids = std::slice::from_ref(&brian_id);
    let bob_ids = std::slice::from_ref(&bob_id);
    let attempts: Vec<(&str, Result<(), Error>)> = vec![
        ("get", teams::get_team(svc, &bea, &t).await.map(drop)),
        (
            "projects",
            teams::list_team_projects(svc, &bea, &t).await.map(drop),
        ),
        (
            "members",
            teams::list_team_members(svc, &bea, &t, "", 1)
                .await
                .map(drop),
        ),
        (
            "candidates",
            teams::team_member_candidates(svc, &bea, &t, "ada")
                .await
                .map(drop),
        ),
        (
            "update",
            teams::update_team(svc, &bea, &t, "Mine", "").await,
        ),
        ("delete", teams::delete_team(svc, &bea, &t).await),
        (
            "add here",
            teams::add_team_members(svc, &bea, &t, brian_ids).await,
        ),
        (
            "add them there",
            teams::add_team_members(svc, &bea, &ot, bob_ids).await,
        ),
        (
            "remove",
            teams::remove_team_member(svc, &bea, &t, &bob_id).await,
        ),
        (
            "lead here",
            teams::set_team_lead(svc, &bea, &t, &brian_id).await,
        ),
        (
            "lead there",
            teams::set_team_lead(svc, &bea, &ot, &bob_id).await,
        ),
        (
            "create with them",
            teams::create_team(svc, &bea, "Stolen", "", bob_ids, None)
                .await
                .map(drop),
        ),
        (
            "project teams",
            projects::list_project_teams(svc, &bea, &a).await.map(drop),
        ),
        (
            "project team candidates",
            projects::project_team_candidates(svc, &bea, &a, "data")
                .await
                .map(drop),
        ),
        (
            "their team on her project",
            projects::add_project_team(svc, &bea, &op, &t, "admin").await,
        ),
        (
            "her team on their project",
            projects::add_project_team(svc, &bea, &a, &ot, "admin").await,
        ),
        (
            "re-role",
            projects::update_project_team_role(svc, &bea, &a, &t, "admin").await,
        ),
        (
            "remove from project",
            projects::remove_project_team(svc, &bea, &a, &t).await,
        ),
        (
            "invite into their team",
            invitations::invite_member_with(
                svc,
                &bea,
                "new@example.com",
                "member",
                InviteOptions {
                    team_ids: std::slice::from_ref(&t),
                    ..InviteOptions::default()
                },
            )
            .await
            .map(drop),
        ),
    ];
    for (what, result) in attempts {
        assert!(
            matches!(result, Err(Error::NotFound)),
            "{what}: expected NotFound, got {result:?}"
        );
    }
    // Her own lists show nothing of Acme's.
    let hers = teams::list_teams(svc, &bea, "", 1).await.expect("list");
    assert_eq!(
        hers.teams.iter().map(|t| t.id).collect::<Vec<_>>(),
        [own_team]
    );
    let offered = projects::project_team_candidates(svc, &bea, &op, "")
        .await
        .expect("candidates");
    assert_eq!(
        offered.iter().map(|c| c.team_id).collect::<Vec<_>>(),
        [own_team]
    );
    let offered = teams::team_member_candidates(svc, &bea, &ot, "example.com")
        .await
        .expect("candidates");
    assert!(offered.iter().all(|c| c.user_id != bob.user_id));
    // Nothing changed at Acme.
    assert_eq!(roster(env, &owner, data).await, [(bob.user_id, true)]);
    assert!(check(env, &bob, apollo, "use", None).await.allowed);
    assert_eq!(
        audited(env, acme, "team.member_added").await.len(),
        audit_before
    );
    let got = teams::get_team(svc, &owner, &t).await.expect("get");
    assert_eq!(got.name, "Data Science");
}
