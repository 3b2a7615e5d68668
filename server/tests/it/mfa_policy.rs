//! An organization's security policy — MFA required of chosen roles after a grace period — an
//! administrator's reset of a member's MFA, and what else ends a sign-in waiting for its code.

use std::time::Duration;

use gatehouse_server::MfaState;
use gatehouse_server::error::{Denial, Lapse, Problem};
use gatehouse_server::mfa;
use gatehouse_server::security_policy::{self, SecurityPolicy};
use gatehouse_server::{Actor, Backend, Clock, EndReason, Error, Resolved, Role, Services, UserId};

use crate::deactivation::member_row;
use crate::expect::{expect_conflict, expect_denied, expect_gone, expect_not_found};
use crate::mfa::{
    OWNER_EMAIL, audit_count, enroll, expect_invalid, mfa_is_on, next_code, now_secs,
    password_step, pending_sign_in, second_step, totp_at,
};
use crate::on_both_databases;
use crate::support::{TestEnv, acme_owner, org_of, session};

on_both_databases!(
    only_owners_set_the_policy_and_bad_input_is_refused,
    a_covered_member_has_a_grace_period_then_may_only_enroll,
    a_policy_change_reaches_cached_sessions_at_once_on_every_instance,
    the_members_list_shows_who_uses_mfa_and_who_must_by_when,
    mfa_cannot_be_turned_off_while_a_policy_covers_the_role,
    an_admin_resets_a_members_mfa_and_every_session_of_theirs_ends,
    resetting_mfa_is_refused_outside_the_callers_authority,
    a_password_change_ends_a_sign_in_waiting_for_its_code,
);

async fn a_password_change_ends_a_sign_in_waiting_for_its_code(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (secret, _) = enroll(env, &owner).await;
    let pending = pending_sign_in(env, OWNER_EMAIL).await;
    gatehouse_server::accounts::change_password(
        &env.svc,
        &owner,
        crate::support::PASSWORD,
        "Another-Horse-42",
    )
    .await
    .expect("change password");
    expect_gone(
        second_step(env, &pending, &next_code(env, &secret)).await,
        Lapse::SignInExpired,
    );
}

const DAY: Duration = Duration::from_secs(24 * 3600);

async fn update(
    env: &TestEnv,
    caller: &Actor,
    require_mfa: bool,
    roles: &[&str],
    grace_days: i64,
) -> Result<SecurityPolicy, Error> {
    let roles: Vec<String> = roles.iter().map(|r| (*r).to_string()).collect();
    // Every test account's password, for when the Owner's sign-in is more than ten minutes old.
    let proof = Some(crate::support::PASSWORD);
    security_policy::update_security_policy(
        &env.svc,
        caller,
        require_mfa,
        &roles,
        grace_days,
        None,
        proof,
    )
    .await
}

async fn policy_of(env: &TestEnv, reader: &Actor) -> SecurityPolicy {
    security_policy::get_security_policy(&env.svc, reader)
        .await
        .expect("any member reads the policy")
}

async fn reset(env: &TestEnv, caller: &Actor, user_id: &str) -> Result<(), Error> {
    mfa::reset_member_mfa(&env.svc, caller, user_id).await
}

fn id(actor: &Actor) -> String {
    actor.user_id.to_string()
}

async fn only_owners_set_the_policy_and_bad_input_is_refused(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = env.join(acme, "admin@example.com", Role::Admin).await;
    let member = env.join(acme, "member@example.com", Role::Member).await;
    let member_actor = env.actor(&member).await;
    for caller in [&env.actor(&admin).await, &member_actor] {
        expect_denied(
            update(env, caller, true, &["member"], 7).await,
            Denial::InsufficientRole,
        );
        assert_eq!(policy_of(env, caller).await, SecurityPolicy::default());
    }
    for days in [91, -1] {
        let refused = update(env, &owner, true, &["admin"], days).await;
        expect_invalid(
            refused,
            "grace_days",
            Problem::GraceDaysOutOfRange { max: 90 },
        );
    }
    let unknown = update(env, &owner, true, &["admin", "superuser"], 7).await;
    expect_invalid(unknown, "roles", Problem::NotARole("superuser".into()));
    expect_invalid(
        update(env, &owner, true, &[], 7).await,
        "roles",
        Problem::NoRolesChosen,
    );
    assert_eq!(policy_of(env, &owner).await, SecurityPolicy::default());

    let policy = update(env, &owner, true, &["admin"], 7)
        .await
        .expect("update");
    let since = env.clock.now();
    let expected = SecurityPolicy {
        require_mfa: true,
        roles: vec![Role::Admin],
        grace_days: 7,
        enforced_since: Some(since),
    };
    assert_eq!(policy, expected);
    assert_eq!(policy_of(env, &member_actor).await, expected);
    // Admins only: not Members, not Owners.
    let admin_now = env.actor(&admin).await;
    assert_eq!(admin_now.mfa.required_by, Some(since.plus(DAY * 7)));
    assert_eq!(env.actor(&member).await.mfa.required_by, None);
    let owner_row = member_row(env, &owner, OWNER_EMAIL).await;
    assert_eq!(owner_row.mfa_required_by, None);
    let audited = audit_count(env, "security_policy.updated", owner.user_id).await;
    assert_eq!(audited, 1, "refused updates are not recorded");
}

async fn a_covered_member_has_a_grace_period_then_may_only_enroll(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    assert_eq!(env.actor(&bob).await.mfa.required_by, None);
    let policy = update(env, &owner, true, &["member"], 3)
        .await
        .expect("update");
    let since = policy.enforced_since.expect("enforced from now");
    assert_eq!(since, env.clock.now());
    let deadline = since.plus(DAY * 3);
    let covered = env.caller(&bob).await;
    assert_eq!(covered.mfa.required_by, Some(deadline));
    assert!(
        covered.admit(env.clock.now()).map(drop).is_ok(),
        "within the grace period"
    );

    env.clock.advance(DAY * 3 - Duration::from_secs(1));
    let last_second = env.caller(&bob).await.admit(env.clock.now()).map(drop);
    assert!(last_second.is_ok(), "{last_second:?}");
    env.clock.advance(Duration::from_secs(1));
    let overdue = env.caller(&bob).await.admit(env.clock.now()).map(drop);
    assert!(
        matches!(overdue, Err(Error::MfaEnrollmentRequired)),
        "{overdue:?}"
    );

    // More days while the policy stays on count from the original start.
    let longer = update(env, &owner, true, &["member"], 10)
        .await
        .expect("update");
    assert_eq!(longer.enforced_since, Some(since));
    let relieved = env.caller(&bob).await;
    assert_eq!(relieved.mfa.required_by, Some(since.plus(DAY * 10)));
    assert!(relieved.admit(env.clock.now()).map(drop).is_ok());
    update(env, &owner, true, &["member"], 3)
        .await
        .expect("back to three days");
    assert!(
        env.caller(&bob)
            .await
            .admit(env.clock.now())
            .map(drop)
            .is_err()
    );

    // Overdue, Bob may still enroll; then nothing is required of him.
    enroll(env, &env.caller(&bob).await).await;
    let enrolled = env.caller(&bob).await;
    assert!(enrolled.mfa.enabled);
    assert_eq!(enrolled.mfa.required_by, None);
    assert!(enrolled.admit(env.clock.now()).map(drop).is_ok());

    // The grace period counts from the policy's start, not the member's arrival.
    let carol = env.join(acme, "carol@example.com", Role::Member).await;
    assert!(
        env.caller(&carol)
            .await
            .admit(env.clock.now())
            .map(drop)
            .is_err()
    );
    let off = update(env, &owner, false, &[], 3).await.expect("turn off");
    assert_eq!(off.enforced_since, None);
    assert!(!off.require_mfa);
    assert_eq!(policy_of(env, &owner).await, off);
    let released = env.caller(&carol).await;
    assert_eq!(released.mfa, MfaState::default());
    assert!(released.admit(env.clock.now()).map(drop).is_ok());
    // Switched on again, the grace period starts anew.
    let again = update(env, &owner, true, &["member"], 3)
        .await
        .expect("on again");
    assert_eq!(again.enforced_since, Some(env.clock.now()));
    assert!(
        env.caller(&carol)
            .await
            .admit(env.clock.now())
            .map(drop)
            .is_ok()
    );
}

/// Waits until both instances hear each other, so a commit on one waits for the other.
async fn wait_for_peers(a: &Services, b: &Services) {
    for _ in 0..500 {
        if [a, b]
            .iter()
            .all(|s| s.cache.is_trusted() && s.cache.peer_count() >= 1)
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the two instances did not hear each other within 5 s");
}

async fn a_policy_change_reaches_cached_sessions_at_once_on_every_instance(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let bob = env
        .join(org_of(&owner), "bob@example.com", Role::Member)
        .await;
    // On PostgreSQL a second instance serves the same session from its own cache.
    let other = if env.svc.db.backend() == Backend::Postgres {
        Some(env.another_instance().await)
    } else {
        None
    };
    if let Some(other) = &other {
        wait_for_peers(&env.svc, other).await;
    }
    let instances: Vec<&Services> = std::iter::once(&env.svc).chain(other.as_ref()).collect();
    for &svc in &instances {
        let actor = env.resolve_on(svc, &bob).await.active().expect("active");
        assert_eq!(actor.mfa.required_by, None);
        assert!(svc.cache.holds(bob.session_id), "the session is cached");
    }

    update(env, &owner, true, &["member"], 0)
        .await
        .expect("required, no grace");
    let now = env.clock.now();
    for &svc in &instances {
        let actor = env.resolve_on(svc, &bob).await.active().expect("active");
        assert_eq!(actor.mfa.required_by, Some(now));
        let refused = actor.admit(now).map(drop);
        assert!(
            matches!(refused, Err(Error::MfaEnrollmentRequired)),
            "{refused:?}"
        );
    }

    update(env, &owner, false, &[], 0).await.expect("off");
    for &svc in &instances {
        let actor = env.resolve_on(svc, &bob).await.active().expect("active");
        assert_eq!(actor.mfa.required_by, None);
        assert!(actor.admit(now).is_ok());
    }
    if let Some(other) = other {
        other.db.close().await;
    }
}

async fn the_members_list_shows_who_uses_mfa_and_who_must_by_when(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = env.join(acme, "admin@example.com", Role::Admin).await;
    let bob = env.join(acme, "bob@example.com", Role::Member).await;
    let carol = env.join(acme, "carol@example.com", Role::Member).await;
    enroll(env, &env.caller(&carol).await).await;
    // The Admin confirmed an authenticator but never activated it: that protects nothing.
    let admin = env.actor(&admin).await;
    let started = mfa::start_enrollment(&env.svc, &admin, None)
        .await
        .expect("start");
    let code = totp_at(&started.secret.replace(' ', ""), now_secs(env));
    mfa::confirm_enrollment(&env.svc, &admin, &code)
        .await
        .expect("confirm");

    let policy = update(env, &owner, true, &["admin", "member"], 14)
        .await
        .expect("update");
    let deadline = policy.enforced_since.map(|since| since.plus(DAY * 14));
    assert!(deadline.is_some());
    let expected = [
        (OWNER_EMAIL, false, None),
        ("admin@example.com", false, deadline),
        ("bob@example.com", false, deadline),
        ("carol@example.com", true, None),
    ];
    let bob = env.actor(&bob).await;
    for viewer in [&owner, &bob] {
        for (email, enabled, required_by) in expected {
            let row = member_row(env, viewer, email).await;
            assert_eq!(
                (row.mfa_enabled, row.mfa_required_by),
                (enabled, required_by),
                "{email}"
            );
        }
    }
}

async fn mfa_cannot_be_turned_off_while_a_policy_covers_the_role(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let (secret, _) = enroll(env, &owner).await;
    update(env, &owner, true, &["owner"], 7)
        .await
        .expect("cover Owners");
    let code = next_code(env, &secret);
    expect_denied(
        mfa::disable(&env.svc, &owner, &code).await,
        Denial::MfaRequiredToStay {
            organization: "Acme".into(),
        },
    );
    assert!(mfa_is_on(env, owner.user_id).await);

    update(env, &owner, true, &["admin", "member"], 7)
        .await
        .expect("cover others");
    // The refused attempt did not use the code up.
    mfa::disable(&env.svc, &owner, &code)
        .await
        .expect("no policy covers Owners any more");
    assert!(!mfa_is_on(env, owner.user_id).await);
}

async fn an_admin_resets_a_members_mfa_and_every_session_of_theirs_ends(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = env.join(acme, "admin@example.com", Role::Admin).await;
    let admin = env.actor(&admin).await;
    // Bob belongs to Acme alone, as a member who joined through an invitation does.
    let bob = env.join_only(acme, "bob@example.com", Role::Member).await;
    let (secret, _) = enroll(env, &env.caller(&bob).await).await;
    let pending = pending_sign_in(env, "bob@example.com").await;
    let laptop = second_step(env, &pending, &next_code(env, &secret))
        .await
        .expect("a second device")
        .signed_in;
    let waiting = pending_sign_in(env, "bob@example.com").await;
    for device in [&bob, &laptop] {
        env.actor(device).await;
    }

    reset(env, &admin, &bob.user_id.to_string())
        .await
        .expect("reset");
    for device in [&bob, &laptop] {
        let resolved = env.resolve_on(&env.svc, device).await;
        assert!(
            matches!(resolved, Resolved::Ended(EndReason::MfaReset)),
            "{resolved:?}"
        );
    }
    assert!(!mfa_is_on(env, bob.user_id).await);
    let late = totp_at(&secret, now_secs(env) + 60);
    expect_gone(
        second_step(env, &waiting, &late).await,
        Lapse::SignInExpired,
    );
    let back = session(password_step(env, "bob@example.com").await);
    assert_eq!(
        env.actor(&back).await.mfa,
        MfaState::default(),
        "password only"
    );
    assert!(!member_row(env, &admin, "bob@example.com").await.mfa_enabled);
    assert_eq!(audit_count(env, "mfa.reset", admin.user_id).await, 1);
    let target: String = sqlx::query_scalar(
        "SELECT target FROM audit_events WHERE action = 'mfa.reset' AND org_id = $1",
    )
    .bind(acme.to_string())
    .fetch_one(env.svc.db.pool())
    .await
    .expect("the reset is audited in Acme");
    assert_eq!(target, format!("user:{}", bob.user_id));
    expect_conflict(reset(env, &admin, &bob.user_id.to_string()).await);
}

async fn resetting_mfa_is_refused_outside_the_callers_authority(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = env
        .actor(&env.join(acme, "admin@example.com", Role::Admin).await)
        .await;
    let member = env
        .join_only(acme, "member@example.com", Role::Member)
        .await;
    let member = env.actor(&member).await;
    let second = env.join_only(acme, "second@example.com", Role::Owner).await;
    let second = env.actor(&second).await;
    let plain = env.join_only(acme, "plain@example.com", Role::Member).await;
    // Dave also owns the organization his sign-up created.
    let dave_session = env.join(acme, "dave@example.com", Role::Member).await;
    let dave = env.actor(&dave_session).await;
    for target in [&member, &second, &dave] {
        enroll(env, target).await;
    }

    expect_denied(reset(env, &admin, &id(&second)).await, Denial::OwnerOnly);
    expect_denied(reset(env, &admin, &id(&owner)).await, Denial::OwnerOnly);
    for target in [&admin, &second, &dave, &member] {
        expect_denied(
            reset(env, &member, &id(target)).await,
            Denial::InsufficientRole,
        );
    }
    for caller in [&owner, &admin] {
        expect_denied(reset(env, caller, &id(caller)).await, Denial::OwnMfaReset);
    }
    for caller in [&owner, &admin] {
        expect_denied(
            reset(env, caller, &id(&dave)).await,
            Denial::MfaResetOutsideYourOrganizations,
        );
    }
    assert!(
        env.resolve(&dave_session).await.is_some(),
        "a refused reset ends nothing"
    );
    // Another organization's Owner learns nothing about Acme's members.
    let outsider = env.sign_up_as("Eve", "eve@example.com", "Elsewhere").await;
    let outsider = env.actor(&outsider).await;
    expect_not_found(reset(env, &outsider, &id(&member)).await);
    expect_not_found(reset(env, &owner, &UserId::random().to_string()).await);
    expect_not_found(reset(env, &owner, "not-an-id").await);
    expect_conflict(reset(env, &admin, &plain.user_id.to_string()).await);
    for target in [&member, &second, &dave] {
        assert!(mfa_is_on(env, target.user_id).await, "{}", target.email);
    }
    assert_eq!(audit_count(env, "mfa.reset", admin.user_id).await, 0);

    reset(env, &owner, &id(&second))
        .await
        .expect("an Owner resets an Owner");
    reset(env, &admin, &id(&member))
        .await
        .expect("an Admin resets a Member");
    assert!(!mfa_is_on(env, second.user_id).await);
    assert!(!mfa_is_on(env, member.user_id).await);
}
