//! The Auditor reading everything and changing nothing, isolation between organizations, the purge keeping the chain verifiable, two instances writing one chain (times never running backwards along it), and the Members list's inactive filter.

use std::sync::Arc;

use gatehouse_server::{Db, Services, TestClock, Timestamp};

use super::*;
use crate::on_both_databases;

on_both_databases!(
    auditors_read_everything_and_change_nothing,
    another_organization_sees_nothing,
    purging_old_events_keeps_the_chain_verifiable,
    the_members_list_finds_who_has_not_signed_in_for_n_days,
    an_instance_whose_clock_lags_never_records_an_event_before_the_one_before_it,
);

async fn auditors_read_everything_and_change_nothing(env: &TestEnv) {
    let (owner, admin, member) = busy_acme(env).await;
    let org = org_of(&owner);
    let auditor = env.join(org, "auditor@example.com", Role::Member).await;
    members::update_member_role(&env.svc, &owner, &auditor.user_id.to_string(), "auditor")
        .await
        .expect("an Admin or Owner assigns Auditor");
    let auditor = env.actor(&auditor).await;
    let project = projects::create_project(&env.svc, &owner, "Payments", "")
        .await
        .expect("project")
        .to_string();

    // Reads.
    let page = list_activity(&env.svc, &auditor, &ActivityFilter::default(), None)
        .await
        .expect("an Auditor reads activity");
    assert!(!page.events.is_empty());
    member_activity(&env.svc, &auditor, &member, None)
        .await
        .expect("and a member's history");
    members::list_members(&env.svc, &auditor, "", 1)
        .await
        .expect("members");
    let visible = projects::list_projects(&env.svc, &auditor, "", false, 1)
        .await
        .expect("projects");
    assert_eq!(visible.total, 1, "every project");
    let export = export_activity(
        &env.svc,
        &auditor,
        ActivityFilter::default(),
        ExportFormat::Csv,
    );
    assert!(export.await.is_ok(), "an Auditor exports");

    // Changes: every one refused.
    let forbidden = |result: Result<(), Error>, what: &str| {
        assert!(
            matches!(result, Err(Error::Forbidden(_))),
            "{what}: {result:?}"
        );
    };
    forbidden(
        members::update_member_role(&env.svc, &auditor, &member, "admin").await,
        "role",
    );
    forbidden(
        members::remove_member(&env.svc, &auditor, &member).await,
        "remove",
    );
    forbidden(
        members::deactivate_member(&env.svc, &auditor, &admin).await,
        "deactivate",
    );
    forbidden(
        gatehouse_server::invitations::invite_member(&env.svc, &auditor, "x@example.com", "member")
            .await
            .map(drop),
        "invite",
    );
    forbidden(
        projects::create_project(&env.svc, &auditor, "Mine", "")
            .await
            .map(drop),
        "create project",
    );
    forbidden(
        projects::update_project(&env.svc, &auditor, &project, "Renamed", "")
            .await
            .map(drop),
        "edit project",
    );
    forbidden(
        projects::add_project_members(
            &env.svc,
            &auditor,
            &project,
            std::slice::from_ref(&member),
            "viewer",
        )
        .await
        .map(drop),
        "grant",
    );
    forbidden(
        gatehouse_server::teams::create_team(&env.svc, &auditor, "Red", "", &[], None)
            .await
            .map(drop),
        "team",
    );
    forbidden(
        gatehouse_server::service_accounts::create_service_account(&env.svc, &auditor, "CI", "")
            .await
            .map(drop),
        "service account",
    );
    forbidden(
        gatehouse_server::security_policy::update_security_policy(
            &env.svc,
            &auditor,
            true,
            &[],
            7,
            None,
            Some(PASSWORD),
        )
        .await
        .map(drop),
        "security policy",
    );
    assert!(matches!(
        verify_audit(&env.svc, &auditor).await,
        Err(Error::Forbidden(_))
    ));
    assert!(
        matches!(
            verify_audit(
                &env.svc,
                &env.actor(&env.join(org, "admin2@example.com", Role::Admin).await)
                    .await
            )
            .await,
            Err(Error::Forbidden(_))
        ),
        "verification is for Owners"
    );
    // A Member reads no activity.
    let plain = env.join(org, "plain@example.com", Role::Member).await;
    let plain = env.actor(&plain).await;
    assert!(matches!(
        list_activity(&env.svc, &plain, &ActivityFilter::default(), None).await,
        Err(Error::Forbidden(_))
    ));
}

async fn another_organization_sees_nothing(env: &TestEnv) {
    let (owner, _, member) = busy_acme(env).await;
    let outsider = fresh_org(env, "globex@example.com", "Globex").await;
    let page = list_activity(&env.svc, &outsider, &ActivityFilter::default(), None)
        .await
        .expect("own activity");
    assert!(
        page.events
            .iter()
            .all(|e| e.subject.as_ref().is_none_or(|(id, _)| *id != member)),
        "nothing of Acme's"
    );
    let filter = ActivityFilter::parse(&member, "", "", "", "").expect("filter");
    let about = list_activity(&env.svc, &outsider, &filter, None)
        .await
        .expect("list");
    assert!(
        about.events.is_empty(),
        "Acme's member, from Globex: nothing"
    );
    expect_not_found(member_activity(&env.svc, &outsider, &member, None).await);
    // A cursor from Acme's chain reads Globex's own, nothing more.
    let acme_page = list_activity(&env.svc, &owner, &ActivityFilter::default(), None)
        .await
        .expect("acme");
    let cursor = acme_page.events[0].seq + 1;
    let page = list_activity(
        &env.svc,
        &outsider,
        &ActivityFilter::default(),
        Some(cursor),
    )
    .await
    .expect("globex");
    assert!(page.events.iter().all(|e| !e.id.is_empty()));
    assert!(intact(verify_audit(&env.svc, &outsider).await.expect("verify")) > 0);
}

async fn purging_old_events_keeps_the_chain_verifiable(env: &TestEnv) {
    let (owner, _, _) = busy_acme(env).await;
    env.clock.advance(env.svc.config.audit_retention);
    env.clock.advance(std::time::Duration::from_secs(3600));
    projects::create_project(&env.svc, &owner, "After", "")
        .await
        .expect("project");
    let purged = gatehouse_server::purge::purge(&env.svc)
        .await
        .expect("purge");
    assert!(purged.audit_events >= 3, "{purged:?}");
    assert_eq!(
        intact(verify_audit(&env.svc, &owner).await.expect("verify")),
        1,
        "the chain starts after what was purged"
    );
}

/// Two instances appending to one organization's chain at the same time: every event gets its
/// own place, one after another, and the chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_on_two_instances_keep_the_chain_linear() {
    let Some(env) = TestEnv::postgres().await else {
        return;
    };
    let other = env.another_instance().await;
    let owner = acme_owner(&env).await;
    let writers = [(&env.svc, "a"), (&other, "b")].map(|(svc, name)| {
        let (svc, owner) = (svc.clone(), owner.clone());
        tokio::spawn(async move {
            for i in 0..40 {
                projects::create_project(&svc, &owner, &format!("{name}{i}"), "")
                    .await
                    .expect("project");
            }
        })
    });
    for writer in writers {
        writer.await.expect("writer");
    }
    let checked = intact(verify_audit(&env.svc, &owner).await.expect("verify"));
    assert_eq!(
        checked,
        1 + 80,
        "sign-up and 80 projects, each in its own place"
    );
    let places: Vec<i64> =
        sqlx::query_scalar("SELECT seq FROM audit_events WHERE chain = $1 ORDER BY seq")
            .bind(org_of(&owner).to_string())
            .fetch_all(env.svc.db.pool())
            .await
            .expect("places");
    assert_eq!(places, (1..=81).collect::<Vec<i64>>());
    other.db.close().await;
    env.finish().await;
}

async fn the_members_list_finds_who_has_not_signed_in_for_n_days(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let org = org_of(&owner);
    let idle = env.join(org, "idle@example.com", Role::Member).await;
    let never = env.join(org, "never@example.com", Role::Member).await;
    // Busy signed up just now: that is a sign-in too.
    env.join(org, "busy@example.com", Role::Member).await;
    let day = 86_400_000i64;
    let now = env.clock.now().as_millis();
    // Idle signed in 45 days ago; Never has no sign-in and joined 90 days ago.
    sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(now - 45 * day)
        .bind(idle.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("age");
    sqlx::query("UPDATE users SET last_sign_in_at = NULL WHERE id = $1")
        .bind(never.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("never");
    sqlx::query("UPDATE memberships SET created_at = $1 WHERE user_id = $2")
        .bind(now - 90 * day)
        .bind(never.user_id.to_string())
        .execute(env.svc.db.pool())
        .await
        .expect("joined long ago");
    let names = |days| {
        let owner = owner.clone();
        async move {
            let page = members::list_members_filtered(&env.svc, &owner, "", days, 1)
                .await
                .expect("list");
            let mut emails: Vec<String> = page.members.into_iter().map(|m| m.email).collect();
            emails.sort();
            (emails, page.total)
        }
    };
    assert_eq!(
        names(Some(30)).await,
        (
            vec!["idle@example.com".into(), "never@example.com".into()],
            2
        )
    );
    assert_eq!(names(Some(60)).await, (vec!["never@example.com".into()], 1));
    assert_eq!(names(None).await.1, 4, "no filter: everyone");
    let listed = members::list_members(&env.svc, &owner, "idle", 1)
        .await
        .expect("search");
    assert_eq!(
        listed.members[0].last_sign_in_at.map(|at| at.as_millis()),
        Some(now - 45 * day)
    );
    for days in [0, 3651] {
        let refused = members::list_members_filtered(&env.svc, &owner, "", Some(days), 1).await;
        assert!(
            matches!(&refused, Err(Error::Validation(f)) if !f.of("inactive_days").is_empty()),
            "{days}: {refused:?}"
        );
    }
}

async fn an_instance_whose_clock_lags_never_records_an_event_before_the_one_before_it(
    env: &TestEnv,
) {
    let (owner, _, member) = busy_acme(env).await;
    // A second instance on the same database whose clock is five seconds behind.
    let behind = Timestamp::from_millis(env.clock.now().as_millis() - 5_000);
    let lagging = Services::new(
        Db::connect(&env.url).await.expect("connect"),
        Arc::new(TestClock::at(behind)),
        env.svc.config.clone(),
    )
    .await
    .expect("second instance");
    members::update_member_role(&lagging, &owner, &member, "admin")
        .await
        .expect("a change on the lagging instance");
    let page = list_activity(&env.svc, &owner, &ActivityFilter::default(), None)
        .await
        .expect("page");
    assert_eq!(page.events[0].action, "member.role_changed");
    assert!(
        page.events.windows(2).all(|w| w[0].at >= w[1].at),
        "newest first in the chain is never older in time: {:?}",
        page.events
            .iter()
            .map(|e| (e.seq, e.at))
            .collect::<Vec<_>>()
    );
    // So today's day range still holds that change.
    let today = env.clock.now().to_rfc3339()[..10].to_string();
    let on_today = ActivityFilter::parse("", "", "", &today, &today).expect("filter");
    let page = list_activity(&env.svc, &owner, &on_today, None)
        .await
        .expect("page");
    assert_eq!(page.events[0].action, "member.role_changed");
    assert!(intact(verify_audit(&env.svc, &owner).await.expect("verify")) > 0);
    lagging.db.close().await;
}
