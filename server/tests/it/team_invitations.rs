//! Invitations that name the invitee and assign teams: the name pre-fills the account, accepting
//! joins the teams that still exist, and the link need not be emailed.

use gatehouse_server::error::Problem;
use gatehouse_server::invitations::{self, Acceptor, InviteOptions};
use gatehouse_server::{Error, Role, teams};

use crate::on_both_databases;
use crate::projects::{audited, check, create, joined, problems};
use crate::support::{TestEnv, org_of, verified_acme_owner};
use crate::teams::{roster, team};

on_both_databases!(
    accepting_an_invitation_with_teams_joins_them,
    invitation_teams_and_names_are_validated,
);

fn token_of(link: &str) -> String {
    link.rsplit('/').next().expect("token").to_string()
}

async fn accepting_an_invitation_with_teams_joins_them(env: &TestEnv) {
    let owner = verified_acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let data = team(env, &owner, "Data Science", &[&bob], None).await;
    let ops = team(env, &owner, "Ops", &[], None).await;
    let gone = team(env, &owner, "Gone Soon", &[], None).await;
    gatehouse_server::projects::add_project_team(
        &env.svc,
        &owner,
        &apollo.to_string(),
        &data.to_string(),
        "member",
    )
    .await
    .expect("share");
    let chosen = [
        data.to_string(),
        ops.to_string(),
        gone.to_string(),
        data.to_string(),
    ];
    let issued = invitations::invite_member_with(
        &env.svc,
        &owner,
        "newcomer@example.com",
        "member",
        InviteOptions {
            name: "  Nora Newcomer ",
            team_ids: &chosen,
            send_email: false,
        },
    )
    .await
    .expect("invite");
    assert!(!issued.emailed, "not emailed when asked not to");
    let token = token_of(&issued.link);
    let details = invitations::invitation_details(&env.svc, &token)
        .await
        .expect("details");
    assert_eq!(details.invitee_name.as_deref(), Some("Nora Newcomer"));
    assert_eq!(details.teams, ["Data Science", "Gone Soon", "Ops"]);
    teams::delete_team(&env.svc, &owner, &gone.to_string())
        .await
        .expect("a named team is deleted meanwhile");
    let details = invitations::invitation_details(&env.svc, &token)
        .await
        .expect("details");
    assert_eq!(details.teams, ["Data Science", "Ops"]);

    let signed_in = invitations::accept_invitation(
        &env.svc,
        &token,
        Acceptor::NewAccount {
            name: "Nora N.",
            password: crate::support::PASSWORD,
        },
        &env.client(),
        None,
    )
    .await
    .expect("accept")
    .expect("a new account's session");
    let nora = env.actor(&signed_in).await;
    assert_eq!(nora.name, "Nora N.", "the invitee's own choice wins");
    assert_eq!(
        roster(env, &owner, data).await.len(),
        2,
        "bob and nora in Data Science"
    );
    assert_eq!(roster(env, &owner, ops).await, [(nora.user_id, false)]);
    assert!(check(env, &nora, apollo, "use", None).await.allowed);
    let joined_rows = audited(env, acme, "team.member_added").await;
    let by_invitation: Vec<_> = joined_rows
        .iter()
        .filter(|(_, target)| target.contains("invitation:"))
        .collect();
    assert_eq!(by_invitation.len(), 2);
    assert!(
        by_invitation
            .iter()
            .all(|(actor, _)| *actor == owner.user_id.to_string())
    );
}

async fn invitation_teams_and_names_are_validated(env: &TestEnv) {
    let owner = verified_acme_owner(env).await;
    let many: Vec<String> = (0..21)
        .map(|_| gatehouse_server::TeamId::random().to_string())
        .collect();
    let refused = invitations::invite_member_with(
        &env.svc,
        &owner,
        "a@example.com",
        "member",
        InviteOptions {
            team_ids: &many,
            ..InviteOptions::default()
        },
    )
    .await;
    assert_eq!(
        problems(refused, "team_id"),
        [Problem::TooManyTeamsChosen { max: 20 }]
    );
    let refused = invitations::invite_member_with(
        &env.svc,
        &owner,
        "a@example.com",
        "member",
        InviteOptions {
            name: &"n".repeat(200),
            ..InviteOptions::default()
        },
    )
    .await;
    assert!(!problems(refused, "name").is_empty());
    let unknown = [gatehouse_server::TeamId::random().to_string()];
    let refused = invitations::invite_member_with(
        &env.svc,
        &owner,
        "a@example.com",
        "member",
        InviteOptions {
            team_ids: &unknown,
            ..InviteOptions::default()
        },
    )
    .await;
    assert!(matches!(refused, Err(Error::NotFound)), "{refused:?}");
    assert!(
        invitations::list_invitations(&env.svc, &owner)
            .await
            .expect("list")
            .is_empty(),
        "nothing was stored"
    );
}
