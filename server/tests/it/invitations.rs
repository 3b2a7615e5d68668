//! Invitations: issuing, listing, resending, revoking, and accepting them, by new accounts and by
//! signed-in users; expiry, single use, races, tenant isolation, and the email with the link.

use std::time::Duration;

use gatehouse_server::error::{Clash, Denial, Lapse, Private};
use gatehouse_server::invitations::{self, Acceptor, Status};
use gatehouse_server::sign_in;
use gatehouse_server::{Actor, EndReason, Error, Resolved, Role, SignedIn, members};

use crate::expect::{expect_forbidden, expect_gone};
use crate::on_both_databases;
use crate::support::{PASSWORD, START, TestEnv, acme_owner, org_of, token_of};

on_both_databases!(
    a_new_account_accepts_an_invitation_and_lands_in_the_organization,
    a_signed_in_user_with_the_invited_email_joins_with_their_session,
    members_and_pending_invitations_conflict_and_bad_input_is_refused,
    only_owners_and_admins_invite_and_only_owners_invite_owners,
);

pub(crate) const TTL: Duration = Duration::from_secs(7 * 24 * 3600);

pub(crate) async fn invite(
    env: &TestEnv,
    by: &Actor,
    email: &str,
    role: &str,
) -> invitations::Issued {
    invitations::invite_member(&env.svc, by, email, role)
        .await
        .unwrap_or_else(|err| panic!("invite {email} as {role}: {err:?}"))
}

pub(crate) async fn accept_new(
    env: &TestEnv,
    token: &str,
    name: &str,
) -> Result<Option<SignedIn>, Error> {
    let acceptor = Acceptor::NewAccount {
        name,
        password: PASSWORD,
    };
    invitations::accept_invitation(&env.svc, token, acceptor, &env.client(), None).await
}

async fn accept_signed_in(
    env: &TestEnv,
    token: &str,
    actor: &Actor,
) -> Result<Option<SignedIn>, Error> {
    invitations::accept_invitation(
        &env.svc,
        token,
        Acceptor::SignedIn(actor),
        &env.client(),
        None,
    )
    .await
}

pub(crate) async fn status(env: &TestEnv, token: &str) -> Status {
    invitations::invitation_details(&env.svc, token)
        .await
        .expect("details")
        .status
}

fn expect_email_conflict(result: Result<impl std::fmt::Debug, Error>, expected: Clash) {
    match result {
        Err(Error::Conflict(clash)) => {
            assert_eq!(clash, expected);
            assert_eq!(clash.field(), Some("email"));
        }
        other => panic!("expected a Conflict on email ({expected:?}), got {other:?}"),
    }
}

fn already_a_member(email: &str) -> Clash {
    Clash::InviteeAlreadyAMember {
        email: Private(email.into()),
    }
}

fn validation_fields(result: Result<impl std::fmt::Debug, Error>) -> Vec<&'static str> {
    match result {
        Err(Error::Validation(errors)) => errors.iter().map(|(field, _)| field).collect(),
        other => panic!("expected Validation, got {other:?}"),
    }
}

async fn a_new_account_accepts_an_invitation_and_lands_in_the_organization(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let issued = invite(env, &owner, "  New.Person@Example.COM ", "admin").await;
    let token = token_of(&issued.link);
    assert_eq!(
        issued.link,
        format!("http://127.0.0.1:3000/invite/{token}"),
        "the default public URL"
    );
    assert_eq!(token.len(), 43);
    assert!(!issued.emailed, "no SMTP configured");
    assert_eq!(issued.expires_at, START.plus(TTL));

    let listed = invitations::list_invitations(&env.svc, &owner)
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, issued.id);
    assert_eq!(listed[0].email, "new.person@example.com");
    assert_eq!(listed[0].role, Role::Admin);
    assert_eq!(listed[0].invited_by, "Olive Owner");
    assert_eq!(listed[0].status, Status::Pending);
    assert_eq!(listed[0].expires_at, issued.expires_at);

    let details = invitations::invitation_details(&env.svc, &token)
        .await
        .expect("details");
    assert_eq!(
        details,
        invitations::Details {
            organization: "Acme".into(),
            invited_by: "Olive Owner".into(),
            email: "new.person@example.com".into(),
            role: Role::Admin,
            status: Status::Pending,
            expires_at: issued.expires_at,
            account_exists: false,
            project: None,
            invitee_name: None,
            teams: Vec::new(),
        }
    );

    // A weak password or an empty name is refused and the link stays usable.
    let weak = invitations::accept_invitation(
        &env.svc,
        &token,
        Acceptor::NewAccount {
            name: " ",
            password: "short",
        },
        &env.client(),
        None,
    )
    .await;
    assert_eq!(validation_fields(weak), ["name", "password"]);
    assert_eq!(status(env, &token).await, Status::Pending);

    // The browser was signed in as someone else: that session is replaced.
    let earlier = env.sign_up("earlier@example.com").await;
    env.actor(&earlier).await;
    let signed_in = invitations::accept_invitation(
        &env.svc,
        &token,
        Acceptor::NewAccount {
            name: "Nora New",
            password: PASSWORD,
        },
        &env.client(),
        Some(earlier.token.expose()),
    )
    .await
    .expect("accept")
    .expect("a new account is signed in");
    assert!(matches!(
        env.resolve_on(&env.svc, &earlier).await,
        Resolved::Ended(EndReason::Replaced)
    ));
    let nora = env.actor(&signed_in).await;
    assert_eq!(nora.email, "new.person@example.com");
    assert_eq!(nora.name, "Nora New");
    assert_eq!(
        nora.org.as_ref().map(|o| (o.id, o.role, o.name.as_str())),
        Some((acme, Role::Admin, "Acme"))
    );

    let listed = members::list_members(&env.svc, &owner, "", 1)
        .await
        .expect("members");
    let row = listed
        .members
        .iter()
        .find(|m| m.email == "new.person@example.com")
        .expect("the new member is listed");
    assert_eq!(
        (row.role, row.name.as_str(), row.deactivated),
        (Role::Admin, "Nora New", false)
    );

    let details = invitations::invitation_details(&env.svc, &token)
        .await
        .expect("details");
    assert_eq!(details.status, Status::Accepted);
    assert!(details.account_exists);
    assert!(
        invitations::list_invitations(&env.svc, &owner)
            .await
            .expect("list")
            .is_empty(),
        "accepted invitations leave the list"
    );
    expect_gone(
        accept_new(env, &token, "Someone Else").await,
        Lapse::InvitationUsed,
    );
    expect_gone(
        accept_signed_in(env, &token, &nora).await,
        Lapse::InvitationUsed,
    );

    let again = sign_in::sign_in(
        &env.svc,
        "new.person@example.com",
        PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await
    .map(crate::support::session)
    .expect("the new account signs in with its password");
    assert_eq!(org_of(&env.actor(&again).await), acme);
}

async fn a_signed_in_user_with_the_invited_email_joins_with_their_session(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = env.sign_up("bob@example.com").await;
    let bob_actor = env.actor(&bob).await;
    let home = org_of(&bob_actor);
    let issued = invite(env, &owner, "BOB@example.com", "member").await;
    let token = token_of(&issued.link);
    let details = invitations::invitation_details(&env.svc, &token)
        .await
        .expect("details");
    assert!(details.account_exists);
    assert_eq!(details.email, "bob@example.com");

    // Someone else, signed in, cannot take Bob's invitation.
    let eve = env.sign_up("eve@example.com").await;
    let eve_actor = env.actor(&eve).await;
    let refused = accept_signed_in(env, &token, &eve_actor).await;
    match refused {
        Err(Error::Forbidden(denial)) => assert_eq!(
            denial,
            Denial::InvitationForSomeoneElse {
                invited: Private("bob@example.com".into()),
                signed_in_as: Private("eve@example.com".into()),
            }
        ),
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert_eq!(org_of(&env.actor(&eve).await), org_of(&eve_actor));
    // Nor can an account be created for an email that has one.
    let duplicate = accept_new(env, &token, "Bob Again").await;
    assert!(
        matches!(duplicate, Err(Error::Conflict(Clash::EmailTaken))),
        "{duplicate:?}"
    );
    assert_eq!(status(env, &token).await, Status::Pending, "still usable");

    let accepted = accept_signed_in(env, &token, &bob_actor)
        .await
        .expect("accept");
    assert!(accepted.is_none(), "the existing session is kept");
    let joined = env.actor(&bob).await;
    assert_eq!(
        joined.org.as_ref().map(|o| (o.id, o.role)),
        Some((acme, Role::Member)),
        "the session now acts in the organization"
    );
    let orgs = gatehouse_server::orgs::list_organizations(&env.svc, &joined)
        .await
        .expect("orgs");
    assert_eq!(orgs.len(), 2);
    assert!(orgs.iter().any(|m| m.id == home && m.role == Role::Owner));
    assert!(
        members::list_members(&env.svc, &owner, "bob@", 1)
            .await
            .expect("members")
            .members
            .iter()
            .any(|m| m.user_id == bob.user_id && m.role == Role::Member)
    );
    assert_eq!(status(env, &token).await, Status::Accepted);
    expect_gone(
        accept_signed_in(env, &token, &joined).await,
        Lapse::InvitationUsed,
    );
}

async fn members_and_pending_invitations_conflict_and_bad_input_is_refused(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    expect_email_conflict(
        invitations::invite_member(&env.svc, &owner, "Owner@Example.com", "member").await,
        already_a_member("owner@example.com"),
    );
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    expect_email_conflict(
        invitations::invite_member(&env.svc, &owner, "bob@example.com", "admin").await,
        already_a_member("bob@example.com"),
    );
    members::deactivate_member(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("deactivate");
    expect_email_conflict(
        invitations::invite_member(&env.svc, &owner, "bob@example.com", "member").await,
        already_a_member("bob@example.com"),
    );

    invite(env, &owner, "x@example.com", "member").await;
    expect_email_conflict(
        invitations::invite_member(&env.svc, &owner, " X@EXAMPLE.com", "admin").await,
        Clash::InvitationPending {
            email: Private("x@example.com".into()),
        },
    );

    assert_eq!(
        validation_fields(
            invitations::invite_member(&env.svc, &owner, "not-an-email", "member").await
        ),
        ["email"]
    );
    assert_eq!(
        validation_fields(
            invitations::invite_member(&env.svc, &owner, "y@example.com", "root").await
        ),
        ["role"]
    );
    assert_eq!(
        validation_fields(invitations::invite_member(&env.svc, &owner, "", "").await),
        ["email", "role"]
    );
    assert_eq!(
        invitations::list_invitations(&env.svc, &owner)
            .await
            .expect("list")
            .len(),
        1,
        "refused invitations leave nothing behind"
    );

    // Invited, then made a member another way: accepting is a conflict and changes nothing.
    let issued = invite(env, &owner, "dave@example.com", "admin").await;
    let token = token_of(&issued.link);
    let dave = env.join(acme, "dave@example.com", Role::Member).await;
    let dave_actor = env.actor(&dave).await;
    let conflict = accept_signed_in(env, &token, &dave_actor).await;
    assert!(
        matches!(conflict, Err(Error::Conflict(Clash::AlreadyAMember))),
        "{conflict:?}"
    );
    assert_eq!(status(env, &token).await, Status::Pending, "rolled back");
    assert_eq!(
        env.caller(&dave).await.org.map(|o| o.role),
        Some(Role::Member),
        "the role is not changed by the refused accept"
    );
}

async fn only_owners_and_admins_invite_and_only_owners_invite_owners(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = env.join(acme, "admin@example.com", Role::Admin).await;
    let member = env.join(acme, "member@example.com", Role::Member).await;
    let admin = env.actor(&admin).await;
    let member = env.actor(&member).await;

    for role in ["member", "admin", "owner"] {
        expect_forbidden(
            invitations::invite_member(&env.svc, &member, "m@example.com", role).await,
        );
    }
    expect_forbidden(invitations::list_invitations(&env.svc, &member).await);
    expect_forbidden(invitations::invite_member(&env.svc, &admin, "o@example.com", "owner").await);

    let by_admin = invite(env, &admin, "a@example.com", "admin").await;
    let by_owner = invite(env, &owner, "o@example.com", "owner").await;
    let listed = invitations::list_invitations(&env.svc, &admin)
        .await
        .expect("admins see the list");
    assert_eq!(listed.len(), 2);
    let by_admin_row = listed.iter().find(|i| i.id == by_admin.id).expect("listed");
    assert_eq!(by_admin_row.invited_by, "Ada Lovelace");

    // Members manage nothing; Admins do not touch Owner invitations.
    for id in [by_admin.id.to_string(), by_owner.id.to_string()] {
        expect_forbidden(invitations::revoke_invitation(&env.svc, &member, &id).await);
        expect_forbidden(invitations::resend_invitation(&env.svc, &member, &id, true).await);
    }
    expect_forbidden(
        invitations::revoke_invitation(&env.svc, &admin, &by_owner.id.to_string()).await,
    );
    expect_forbidden(
        invitations::resend_invitation(&env.svc, &admin, &by_owner.id.to_string(), true).await,
    );
    assert_eq!(
        status(env, &token_of(&by_owner.link)).await,
        Status::Pending
    );
    invitations::revoke_invitation(&env.svc, &admin, &by_admin.id.to_string())
        .await
        .expect("an Admin revokes an Admin invitation");
    invitations::revoke_invitation(&env.svc, &owner, &by_owner.id.to_string())
        .await
        .expect("an Owner revokes an Owner invitation");
}
