//! What a reset link was made against must still hold when it is used: the account's password,
//! second factor, linked providers and memberships. An administrator's link also needs the
//! account to belong to that organization alone and to link no provider.

use gatehouse_server::error::{Denial, Lapse};
use gatehouse_server::password_resets::{create_reset_link, reset_link_email, reset_password};
use gatehouse_server::{Actor, Error, OrgId, Role, SignedIn, accounts, mfa};

use crate::expect::{expect_denied, expect_gone};
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of, token_of};

on_both_databases!(
    a_link_stops_working_when_the_password_changes,
    a_link_stops_working_when_the_accounts_mfa_is_reset,
    an_administrators_link_stops_working_once_the_account_joins_another_organization,
    administrators_cannot_make_links_for_accounts_with_a_linked_provider,
    an_administrators_link_stops_working_once_the_account_links_a_provider,
);

const NEW_PASSWORD: &str = "Brand-New-Pass-7";

/// Acme's Owner, and Bob, who belongs to Acme alone, with a link the Owner made for him.
async fn bob_with_link(env: &TestEnv) -> (Actor, SignedIn, String) {
    let owner = acme_owner(env).await;
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    let link = create_reset_link(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("link")
        .link;
    assert!(reset_link_email(&env.svc, &token_of(&link)).await.is_ok());
    (owner, bob, token_of(&link))
}

/// The link is refused both on the page and when the new password is sent, and the password
/// stays what it was.
async fn expect_link_dead(env: &TestEnv, token: &str, why: Lapse) {
    expect_gone(reset_link_email(&env.svc, token).await, why);
    expect_gone(
        reset_password(&env.svc, token, NEW_PASSWORD, &env.client()).await,
        why,
    );
    let refused = gatehouse_server::sign_in::sign_in(
        &env.svc,
        "bob@example.com",
        NEW_PASSWORD,
        None,
        &env.client(),
        None,
    )
    .await;
    assert!(
        matches!(refused, Err(Error::InvalidCredentials)),
        "{refused:?}"
    );
}

async fn link_identity(env: &TestEnv, user: &SignedIn) {
    sqlx::query(
        "INSERT INTO identities (issuer, subject, provider, user_id, email, created_at, \
         last_used_at) VALUES ('https://accounts.google.com', 'bob-1', 'google', $1, \
         'bob@example.com', 0, 0)",
    )
    .bind(user.user_id.to_string())
    .execute(env.svc.db.pool())
    .await
    .expect("identity");
}

async fn a_link_stops_working_when_the_password_changes(env: &TestEnv) {
    let (_, bob, token) = bob_with_link(env).await;
    accounts::change_password(&env.svc, &env.actor(&bob).await, PASSWORD, "Other-Pass-99")
        .await
        .expect("Bob changes his password");
    expect_link_dead(env, &token, Lapse::ResetLinkOutdated).await;
}

async fn a_link_stops_working_when_the_accounts_mfa_is_reset(env: &TestEnv) {
    let (owner, bob, token) = bob_with_link(env).await;
    crate::mfa::enroll(env, &env.caller(&bob).await).await;
    // Enrolling changed the account too; a fresh link, then the reset.
    let fresh = create_reset_link(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("link")
        .link;
    expect_gone(
        reset_link_email(&env.svc, &token).await,
        Lapse::ResetLinkOutdated,
    );
    let fresh = token_of(&fresh);
    assert!(reset_link_email(&env.svc, &fresh).await.is_ok());
    mfa::reset_member_mfa(&env.svc, &owner, &bob.user_id.to_string())
        .await
        .expect("reset MFA");
    expect_link_dead(env, &fresh, Lapse::ResetLinkOutdated).await;
}

async fn an_administrators_link_stops_working_once_the_account_joins_another_organization(
    env: &TestEnv,
) {
    let (_, bob, token) = bob_with_link(env).await;
    let other = env
        .sign_up_as("Other Owner", "other@example.com", "Other")
        .await;
    let other_org: OrgId = env.caller(&other).await.org.expect("org").id;
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at, sort_key) \
         VALUES ($1, $2, 'member', 0, 0, 'bob')",
    )
    .bind(other_org.to_string())
    .bind(bob.user_id.to_string())
    .execute(env.svc.db.pool())
    .await
    .expect("Bob joins another organization");
    expect_link_dead(env, &token, Lapse::ResetLinkOutdated).await;
}

async fn administrators_cannot_make_links_for_accounts_with_a_linked_provider(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = env
        .join_only(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    link_identity(env, &bob).await;
    let refused = create_reset_link(&env.svc, &owner, &bob.user_id.to_string()).await;
    expect_denied(refused, Denial::LinkedProvider);
}

async fn an_administrators_link_stops_working_once_the_account_links_a_provider(env: &TestEnv) {
    let (_, bob, token) = bob_with_link(env).await;
    link_identity(env, &bob).await;
    expect_link_dead(env, &token, Lapse::ResetLinkOutdated).await;
}
