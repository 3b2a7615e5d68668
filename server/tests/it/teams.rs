//! Teams: creating them with members and a lead, what the lead, the members and everyone else
//! may do, names, limits, and the audit trail. The helpers here are shared with the other
//! `team_*.rs` files.

use gatehouse_server::error::{Clash, Denial, Private, Problem, Subject};
use gatehouse_server::teams;
use gatehouse_server::{Actor, Role, TeamId, UserId};

use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::projects::{audited, create, expect_clash, joined, problems};
use crate::support::{TestEnv, acme_owner, org_of};

on_both_databases!(
    owners_and_admins_create_teams_with_members_and_a_lead,
    the_lead_manages_members_and_nothing_else,
    members_see_only_their_teams_and_outsiders_none,
    team_names_are_unique_ignoring_case_and_input_is_validated,
    the_lead_is_chosen_changed_and_cleared,
    leaving_the_organization_takes_a_person_out_of_its_teams,
    deleting_a_team_is_audited_and_takes_its_rows_with_it,
    the_teams_screen_is_searched_and_paged,
);

pub(crate) fn ids(users: &[&Actor]) -> Vec<String> {
    users.iter().map(|a| a.user_id.to_string()).collect()
}

/// Creates a team of `members` led by `lead` (if any).
pub(crate) async fn team(
    env: &TestEnv,
    by: &Actor,
    name: &str,
    members: &[&Actor],
    lead: Option<&Actor>,
) -> TeamId {
    let lead = lead.map(|l| l.user_id.to_string());
    teams::create_team(&env.svc, by, name, "", &ids(members), lead.as_deref())
        .await
        .unwrap_or_else(|err| panic!("create team {name}: {err:?}"))
}

/// The team's members as listed, lead first: (user, lead).
pub(crate) async fn roster(env: &TestEnv, by: &Actor, team: TeamId) -> Vec<(UserId, bool)> {
    teams::list_team_members(&env.svc, by, &team.to_string(), "", 1)
        .await
        .expect("team members")
        .members
        .into_iter()
        .map(|m| (m.user_id, m.lead))
        .collect()
}

async fn owners_and_admins_create_teams_with_members_and_a_lead(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;

    let refused = teams::create_team(&env.svc, &bob, "Data Science", "", &[], None).await;
    expect_denied(refused, Denial::InsufficientRole);

    let id = teams::create_team(
        &env.svc,
        &admin,
        "  Data Science ",
        "Models and notebooks",
        &ids(&[&bob]),
        Some(&carol.user_id.to_string()),
    )
    .await
    .expect("an Admin creates a team");
    let team = teams::get_team(&env.svc, &owner, &id.to_string())
        .await
        .expect("get");
    assert_eq!(team.name, "Data Science");
    assert_eq!(team.description, "Models and notebooks");
    assert_eq!(team.member_count, 2, "the lead is made a member");
    assert_eq!(team.lead.as_ref().map(|l| l.0), Some(carol.user_id));
    assert!(team.can_edit && team.can_manage_members);
    let mut expected = vec![(carol.user_id, true), (bob.user_id, false)];
    assert_eq!(roster(env, &owner, id).await, expected);
    expected.sort();

    let listed = teams::list_teams(&env.svc, &owner, "data", 1)
        .await
        .expect("list");
    assert_eq!(listed.total, 1);
    assert!(listed.can_create);
    assert_eq!(listed.teams[0].id, id);
    assert_eq!(audited(env, acme, "team.created").await.len(), 1);
    assert_eq!(audited(env, acme, "team.member_added").await.len(), 2);
    assert_eq!(audited(env, acme, "team.lead_changed").await.len(), 1);

    // Someone named who is not a member here: nothing is created.
    let stranger = env.sign_up("stranger@example.com").await;
    let refused = teams::create_team(
        &env.svc,
        &owner,
        "Ops",
        "",
        &[stranger.user_id.to_string()],
        None,
    )
    .await;
    expect_not_found(refused);
    assert_eq!(
        teams::list_teams(&env.svc, &owner, "", 1)
            .await
            .expect("list")
            .total,
        1
    );
}

async fn the_lead_manages_members_and_nothing_else(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let lead = joined(env, acme, "lead@example.com", Role::Member).await;
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let id = team(env, &owner, "Data Science", &[&bob], Some(&lead)).await;
    let t = id.to_string();
    let svc = &env.svc;

    let seen = teams::get_team(svc, &lead, &t).await.expect("lead sees it");
    assert!(seen.standing.lead && seen.can_manage_members && !seen.can_edit);
    let offered = teams::team_member_candidates(svc, &lead, &t, "example.com")
        .await
        .expect("candidates");
    let offered: Vec<UserId> = offered.iter().map(|c| c.user_id).collect();
    assert!(offered.contains(&carol.user_id) && !offered.contains(&bob.user_id));

    teams::add_team_members(svc, &lead, &t, &ids(&[&carol]))
        .await
        .expect("the lead adds");
    let again = teams::add_team_members(svc, &lead, &t, &ids(&[&carol])).await;
    expect_clash(
        again,
        Clash::AlreadyInTeam {
            name: Private("Ada Lovelace".into()),
        },
    );
    teams::remove_team_member(svc, &lead, &t, &bob.user_id.to_string())
        .await
        .expect("the lead removes");
    expect_not_found(teams::remove_team_member(svc, &lead, &t, &bob.user_id.to_string()).await);

    // Nothing else: not the name, not the lead, not the team itself, not another team.
    expect_denied(
        teams::update_team(svc, &lead, &t, "Mine", "").await,
        Denial::InsufficientRole,
    );
    expect_denied(
        teams::set_team_lead(svc, &lead, &t, &carol.user_id.to_string()).await,
        Denial::InsufficientRole,
    );
    expect_denied(
        teams::delete_team(svc, &lead, &t).await,
        Denial::InsufficientRole,
    );
    expect_denied(
        teams::create_team(svc, &lead, "Another", "", &[], None).await,
        Denial::InsufficientRole,
    );
    let other = team(env, &owner, "Platform", &[], None).await;
    expect_not_found(teams::add_team_members(svc, &lead, &other.to_string(), &ids(&[&bob])).await);

    // A plain member of the team sees it and changes nothing.
    expect_denied(
        teams::add_team_members(svc, &carol, &t, &ids(&[&bob])).await,
        Denial::InsufficientRole,
    );
    expect_denied(
        teams::remove_team_member(svc, &carol, &t, &lead.user_id.to_string()).await,
        Denial::InsufficientRole,
    );
    expect_denied(
        teams::team_member_candidates(svc, &carol, &t, "bob").await,
        Denial::InsufficientRole,
    );
    let members = roster(env, &owner, id).await;
    assert_eq!(members, [(lead.user_id, true), (carol.user_id, false)]);
    let by_lead = audited(env, acme, "team.member_removed").await;
    assert_eq!(by_lead.len(), 1);
    assert_eq!(by_lead[0].0, lead.user_id.to_string());
}

async fn members_see_only_their_teams_and_outsiders_none(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let data = team(env, &owner, "Data Science", &[&bob], None).await;
    let platform = team(env, &owner, "Platform", &[&carol], None).await;

    let mine = teams::list_teams(&env.svc, &bob, "", 1)
        .await
        .expect("list");
    assert_eq!(mine.teams.iter().map(|t| t.id).collect::<Vec<_>>(), [data]);
    assert_eq!(mine.total, 1);
    assert!(!mine.can_create);
    let seen = teams::get_team(&env.svc, &bob, &data.to_string())
        .await
        .expect("his team");
    assert!(seen.standing.member && !seen.can_manage_members && !seen.can_edit);
    expect_not_found(teams::get_team(&env.svc, &bob, &platform.to_string()).await);
    expect_not_found(teams::list_team_members(&env.svc, &bob, &platform.to_string(), "", 1).await);
    expect_not_found(teams::list_team_projects(&env.svc, &bob, &platform.to_string()).await);
    let all = teams::list_teams(&env.svc, &owner, "", 1)
        .await
        .expect("list");
    assert_eq!(all.total, 2, "Owners see every team");
    let choices = |who: &Actor| {
        let (svc, who) = (env.svc.clone(), who.clone());
        async move {
            teams::team_choices(&svc, &who)
                .await
                .expect("choices")
                .into_iter()
                .map(|c| (c.name, c.member_count))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        choices(&owner).await,
        [("Data Science".to_string(), 1), ("Platform".to_string(), 1)]
    );
    assert_eq!(choices(&bob).await, [("Data Science".to_string(), 1)]);
}

async fn team_names_are_unique_ignoring_case_and_input_is_validated(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let svc = &env.svc;
    let data = team(env, &owner, "Data Science", &[], None).await;
    expect_clash(
        teams::create_team(svc, &owner, "DATA SCIENCE", "", &[], None).await,
        Clash::TeamNameTaken,
    );
    let platform = team(env, &owner, "Platform", &[], None).await;
    expect_clash(
        teams::update_team(svc, &owner, &platform.to_string(), "data science", "").await,
        Clash::TeamNameTaken,
    );
    // Renaming a team to another case of its own name is fine.
    teams::update_team(svc, &owner, &data.to_string(), "DATA science", "ML")
        .await
        .expect("recase");
    assert_eq!(
        problems(
            teams::create_team(svc, &owner, "  ", "", &[], None).await,
            "name"
        ),
        [Problem::Required(Subject::TeamName)]
    );
    assert_eq!(
        problems(
            teams::create_team(svc, &owner, &"x".repeat(101), "", &[], None).await,
            "name"
        ),
        [Problem::TooLong { max: 100 }]
    );
    assert_eq!(
        problems(
            teams::create_team(svc, &owner, "Ok", &"d".repeat(1001), &[], None).await,
            "description"
        ),
        [Problem::TooLong { max: 1000 }]
    );
    let many: Vec<String> = (0..51).map(|_| UserId::random().to_string()).collect();
    assert_eq!(
        problems(
            teams::add_team_members(svc, &owner, &data.to_string(), &many).await,
            "user_id"
        ),
        [Problem::TooManyPeople { max: 50 }]
    );
    assert_eq!(
        problems(
            teams::add_team_members(svc, &owner, &data.to_string(), &[]).await,
            "user_id"
        ),
        [Problem::Required(Subject::People)]
    );
    expect_not_found(
        teams::add_team_members(svc, &owner, &data.to_string(), &["nonsense".into()]).await,
    );
    expect_not_found(teams::get_team(svc, &owner, "not-an-id").await);
    assert_eq!(audited(env, acme, "team.updated").await.len(), 1);
}

async fn the_lead_is_chosen_changed_and_cleared(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let id = team(env, &owner, "Data Science", &[&bob], Some(&bob)).await;
    let t = id.to_string();
    // Choosing someone outside the team puts them in it.
    teams::set_team_lead(&env.svc, &owner, &t, &carol.user_id.to_string())
        .await
        .expect("carol leads");
    assert_eq!(
        roster(env, &owner, id).await,
        [(carol.user_id, true), (bob.user_id, false)]
    );
    teams::set_team_lead(&env.svc, &owner, &t, "")
        .await
        .expect("cleared");
    let team = teams::get_team(&env.svc, &owner, &t).await.expect("get");
    assert_eq!(team.lead, None);
    assert_eq!(team.member_count, 2);
    expect_not_found(
        teams::set_team_lead(&env.svc, &owner, &t, &UserId::random().to_string()).await,
    );
    // Removing the lead leaves the team without one.
    teams::set_team_lead(&env.svc, &owner, &t, &bob.user_id.to_string())
        .await
        .expect("bob leads");
    teams::remove_team_member(&env.svc, &owner, &t, &bob.user_id.to_string())
        .await
        .expect("removed");
    let team = teams::get_team(&env.svc, &owner, &t).await.expect("get");
    assert_eq!((team.lead, team.member_count), (None, 1));
    assert_eq!(audited(env, acme, "team.lead_changed").await.len(), 4);
}

async fn leaving_the_organization_takes_a_person_out_of_its_teams(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let id = team(env, &owner, "Data Science", &[&bob, &carol], Some(&bob)).await;
    gatehouse_server::members::remove_member(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("removed from the organization");
    assert_eq!(roster(env, &owner, id).await, [(carol.user_id, false)]);
    let team = teams::get_team(&env.svc, &owner, &id.to_string())
        .await
        .expect("get");
    assert_eq!(team.lead, None);
}

async fn deleting_a_team_is_audited_and_takes_its_rows_with_it(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let id = team(env, &owner, "Data Science", &[&bob], Some(&bob)).await;
    let apollo = create(env, &owner, "Apollo").await;
    gatehouse_server::projects::add_project_team(
        &env.svc,
        &owner,
        &apollo.to_string(),
        &id.to_string(),
        "member",
    )
    .await
    .expect("shared");
    teams::delete_team(&env.svc, &owner, &id.to_string())
        .await
        .expect("deleted");
    expect_not_found(teams::get_team(&env.svc, &owner, &id.to_string()).await);
    for table in ["team_members", "team_project_grants"] {
        let left: i64 =
            sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table} WHERE team_id = $1"))
                .bind(id.to_string())
                .fetch_one(env.svc.db.pool())
                .await
                .expect("count");
        assert_eq!(left, 0, "{table}");
    }
    let deleted = audited(env, acme, "team.deleted").await;
    assert_eq!(deleted, [(owner.user_id.to_string(), format!("team:{id}"))]);
    expect_not_found(teams::delete_team(&env.svc, &owner, &id.to_string()).await);
}

async fn the_teams_screen_is_searched_and_paged(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    for i in 0..30 {
        let members: &[&Actor] = if i % 2 == 0 { &[&bob] } else { &[] };
        team(env, &owner, &format!("Team {i:02}"), members, None).await;
    }
    let page = |who: &Actor, query: &'static str, number: i64| {
        let (svc, who) = (env.svc.clone(), who.clone());
        async move {
            let listed = teams::list_teams(&svc, &who, query, number)
                .await
                .expect("list");
            let names: Vec<String> = listed.teams.into_iter().map(|t| t.name).collect();
            (names, listed.total)
        }
    };
    let (first, total) = page(&owner, "", 1).await;
    assert_eq!((first.len(), total), (25, 30));
    assert_eq!(first[0], "Team 00");
    let (second, total) = page(&owner, "", 2).await;
    assert_eq!((second.len(), total), (5, 30));
    assert_eq!(second[4], "Team 29");
    let (past, total) = page(&owner, "", 3).await;
    assert_eq!(
        (past.len(), total),
        (0, 30),
        "past the last page, still counted"
    );
    let (found, total) = page(&owner, "team 1", 1).await;
    assert_eq!(total, 10);
    assert_eq!(found[0], "Team 10");
    let (his, total) = page(&bob, "", 1).await;
    assert_eq!((his.len(), total), (15, 15), "his teams only");
    let (past, total) = page(&bob, "", 2).await;
    assert_eq!((past.len(), total), (0, 15));
    assert_eq!(
        problems(
            teams::list_teams(&env.svc, &owner, &"q".repeat(101), 1).await,
            "query"
        ),
        [Problem::TooLong { max: 100 }]
    );
}
