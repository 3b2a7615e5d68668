//! Several organizations per account: listing and switching among active memberships, leaving,
//! and where a sign-in lands (the organization asked for, or the one used last).

use std::time::Duration;

use gatehouse_server::error::Denial;
use gatehouse_server::sign_in;
use gatehouse_server::{Error, OrgId, Role, members, orgs};

use crate::deactivation::sign_in;
use crate::expect::{expect_denied, expect_not_found};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of};

on_both_databases!(
    leaving_moves_the_session_to_another_organization_or_none,
    organizations_are_listed_and_switched_only_among_active_memberships,
    sign_in_lands_in_the_organization_asked_for_or_the_one_used_last,
);

async fn leaving_moves_the_session_to_another_organization_or_none(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    let bob_actor = env.actor(&bob).await;
    members::leave_organization(&env.svc, &bob_actor)
        .await
        .expect("a Member may leave");
    let moved = env.actor(&bob).await;
    let home = moved.org.as_ref().expect("moved to his own organization");
    assert_ne!(home.id, acme);
    assert_eq!(home.role, Role::Owner);
    let listed = members::list_members(&env.svc, &owner, "", 1)
        .await
        .expect("list");
    assert_eq!(listed.total, 1, "{listed:?}");
    let refused = sign_in(env, "bob@example.com", Some(&acme.to_string())).await;
    expect_denied(refused, Denial::NotAMemberOfLinkedOrganization);

    // The only organization of a second Owner: leaving it leaves the session in none.
    let issued =
        gatehouse_server::invitations::invite_member(&env.svc, &owner, "dora@example.com", "owner")
            .await
            .expect("invite");
    let dora = gatehouse_server::invitations::accept_invitation(
        &env.svc,
        &crate::support::token_of(&issued.link),
        gatehouse_server::invitations::Acceptor::NewAccount {
            name: "Dora",
            password: PASSWORD,
        },
        &env.client(),
        None,
    )
    .await
    .expect("accept")
    .expect("session");
    let dora_actor = env.actor(&dora).await;
    members::leave_organization(&env.svc, &dora_actor)
        .await
        .expect("not the last Owner");
    let nowhere = env.actor(&dora).await;
    assert!(nowhere.org.is_none(), "{:?}", nowhere.org);
    assert!(
        orgs::list_organizations(&env.svc, &nowhere)
            .await
            .expect("list")
            .is_empty()
    );
    expect_not_found(members::leave_organization(&env.svc, &nowhere).await);
    let landed = sign_in(env, "dora@example.com", None)
        .await
        .expect("an account without organizations still signs in");
    assert!(env.caller(&landed).await.org.is_none());
}

async fn organizations_are_listed_and_switched_only_among_active_memberships(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = env.join(acme, "bob@example.com", Role::Admin).await;
    let bob_actor = env.actor(&bob).await;
    let listed = orgs::list_organizations(&env.svc, &bob_actor)
        .await
        .expect("list");
    let summary: Vec<_> = listed
        .iter()
        .map(|m| (m.name.as_str(), m.role, m.current))
        .collect();
    assert_eq!(
        summary,
        [
            ("Acme", Role::Admin, true),
            ("Analytical Engines", Role::Owner, false)
        ],
        "by name, the current one marked"
    );
    let home = listed[1].id;

    orgs::switch_organization(&env.svc, &bob_actor, &home.to_string())
        .await
        .expect("switch");
    let switched = env.actor(&bob).await;
    assert_eq!(
        switched
            .org
            .as_ref()
            .map(|o| (o.id, o.role, o.name.as_str())),
        Some((home, Role::Owner, "Analytical Engines")),
        "the next request acts in the new organization"
    );
    let listed = orgs::list_organizations(&env.svc, &switched)
        .await
        .expect("list");
    assert_eq!(
        listed.iter().map(|m| m.current).collect::<Vec<_>>(),
        [false, true]
    );

    // Organizations Bob is not a member of, and nonsense, are not found; nothing moves.
    let stranger = env.sign_up("stranger@example.com").await;
    let strangers_org = org_of(&env.actor(&stranger).await);
    for refused in [
        orgs::switch_organization(&env.svc, &switched, &strangers_org.to_string()).await,
        orgs::switch_organization(&env.svc, &switched, &OrgId::random().to_string()).await,
        orgs::switch_organization(&env.svc, &switched, "acme").await,
    ] {
        expect_not_found(refused);
    }
    assert_eq!(org_of(&env.actor(&bob).await), home);
    assert_eq!(org_of(&env.actor(&stranger).await), strangers_org);

    orgs::switch_organization(&env.svc, &switched, &acme.to_string())
        .await
        .expect("switch back");
    assert_eq!(
        env.caller(&bob).await.org.map(|o| (o.id, o.role)),
        Some((acme, Role::Admin))
    );
}

async fn sign_in_lands_in_the_organization_asked_for_or_the_one_used_last(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    let bob_actor = env.actor(&bob).await;
    let home = orgs::list_organizations(&env.svc, &bob_actor)
        .await
        .expect("list")
        .into_iter()
        .find(|m| m.id != acme)
        .expect("his own organization")
        .id;

    // Without a request: the one used last (his own; Acme's membership was never used).
    let plain = sign_in(env, "bob@example.com", None)
        .await
        .expect("sign in");
    assert_eq!(org_of(&env.actor(&plain).await), home);

    env.clock.advance(Duration::from_secs(10));
    let asked = sign_in(env, "bob@example.com", Some(&acme.to_string()))
        .await
        .expect("sign in into Acme");
    let asked = env.actor(&asked).await;
    assert_eq!(
        asked.org.as_ref().map(|o| (o.id, o.role)),
        Some((acme, Role::Member))
    );
    env.clock.advance(Duration::from_secs(10));
    let plain = sign_in(env, "bob@example.com", None)
        .await
        .expect("sign in");
    assert_eq!(org_of(&env.actor(&plain).await), acme, "Acme was used last");

    env.clock.advance(Duration::from_secs(10));
    orgs::switch_organization(&env.svc, &asked, &home.to_string())
        .await
        .expect("switch");
    env.clock.advance(Duration::from_secs(10));
    let plain = sign_in(env, "bob@example.com", None)
        .await
        .expect("sign in");
    assert_eq!(
        org_of(&env.actor(&plain).await),
        home,
        "switching counts as use"
    );

    let owners_org = acme.to_string();
    let strangers = env.sign_up("stranger@example.com").await;
    let strangers_org = org_of(&env.actor(&strangers).await).to_string();
    for org in [
        strangers_org.as_str(),
        &OrgId::random().to_string(),
        "not-an-organization",
        "",
    ] {
        expect_denied(
            sign_in(env, "bob@example.com", Some(org)).await,
            Denial::NotAMemberOfLinkedOrganization,
        );
    }
    // A wrong password is told apart from nothing, whatever the organization.
    let wrong = sign_in::sign_in(
        &env.svc,
        "bob@example.com",
        "Wrong-Password-1",
        Some(&owners_org),
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session);
    assert!(matches!(wrong, Err(Error::InvalidCredentials)), "{wrong:?}");
}
