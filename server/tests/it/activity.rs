//! The organization's activity as its overseers and an attacker see it: the hash chain holds
//! and names the first edited, deleted or inserted row; filters and keyset pages; failed
//! sign-ins in every organization of the account; a member's history and last sign-in; the
//! export; the Auditor role reading everything and changing nothing; tenant isolation.

use gatehouse_server::activity::{
    self, ActivityFilter, ExportFormat, export_activity, list_activity, member_activity,
    verify_audit,
};
use gatehouse_server::audit::{Problem, Verdict};
use gatehouse_server::error::Denial;
use gatehouse_server::{Actor, Clock, Error, Role, members, projects, sign_in};

use crate::expect::expect_not_found;
use crate::on_both_databases;
use crate::support::{PASSWORD, TestEnv, acme_owner, org_of};

on_both_databases!(
    the_chain_names_the_first_edited_deleted_or_inserted_row,
    filters_and_pages_find_what_was_asked,
    failed_sign_ins_appear_in_every_organization_of_the_account,
    a_members_history_and_last_sign_in_outlive_their_sessions,
    the_export_holds_every_matching_event_and_is_audited,
);

/// Acme's Owner, with a few events: Admin and Member joined and changed.
async fn busy_acme(env: &TestEnv) -> (Actor, String, String) {
    let owner = acme_owner(env).await;
    let org = org_of(&owner);
    let admin = env.join(org, "admin@example.com", Role::Admin).await;
    let member = env.join(org, "member@example.com", Role::Member).await;
    let (admin, member) = (admin.user_id.to_string(), member.user_id.to_string());
    members::update_member_role(&env.svc, &owner, &member, "admin")
        .await
        .expect("promote");
    members::update_member_role(&env.svc, &owner, &member, "member")
        .await
        .expect("demote");
    (owner, admin, member)
}

fn intact(verdict: Verdict) -> u64 {
    match verdict {
        Verdict::Intact { checked } => checked,
        Verdict::Broken(link) => panic!("chain broken: {link:?}"),
    }
}

fn broken(verdict: Verdict) -> gatehouse_server::audit::BrokenLink {
    match verdict {
        Verdict::Broken(link) => link,
        Verdict::Intact { checked } => panic!("the chain should be broken ({checked} checked)"),
    }
}

async fn execute(env: &TestEnv, sql: &str, binds: &[&str]) {
    let mut query = sqlx::query(sql);
    for bind in binds {
        query = query.bind(*bind);
    }
    query.execute(env.svc.db.pool()).await.expect(sql);
}

async fn the_chain_names_the_first_edited_deleted_or_inserted_row(env: &TestEnv) {
    let (owner, _, _) = busy_acme(env).await;
    let org = org_of(&owner).to_string();
    let checked = intact(verify_audit(&env.svc, &owner).await.expect("verify"));
    assert!(checked >= 3, "sign-up and two role changes: {checked}");

    // Edited: the second event's target changed by hand.
    execute(
        env,
        "UPDATE audit_events SET target = 'user:00000000-0000-0000-0000-000000000000' \
         WHERE chain = $1 AND seq = 2",
        &[&org],
    )
    .await;
    let link = broken(verify_audit(&env.svc, &owner).await.expect("verify"));
    assert_eq!((link.seq, link.problem), (2, Problem::Altered));
    assert!(link.event_id.is_some());

    // Deleted (on a fresh copy of the chain: an Owner of another organization).
    let env2_owner = fresh_org(env, "deleted@example.com", "Deleted Co").await;
    let org2 = org_of(&env2_owner).to_string();
    execute(
        env,
        "DELETE FROM audit_events WHERE chain = $1 AND seq = 1",
        &[&org2],
    )
    .await;
    let link = broken(verify_audit(&env.svc, &env2_owner).await.expect("verify"));
    assert_eq!((link.seq, link.problem), (1, Problem::Missing));

    // The last row deleted: the head remembers it.
    let tail_owner = fresh_org(env, "tail@example.com", "Tail Co").await;
    let tail = org_of(&tail_owner).to_string();
    execute(
        env,
        "DELETE FROM audit_events WHERE chain = $1 AND seq = \
         (SELECT MAX(seq) FROM audit_events WHERE chain = $1)",
        &[&tail],
    )
    .await;
    let link = broken(verify_audit(&env.svc, &tail_owner).await.expect("verify"));
    assert_eq!(link.problem, Problem::Missing);

    // Inserted: a row that never went through the chain.
    let insert_owner = fresh_org(env, "insert@example.com", "Insert Co").await;
    let inserted = org_of(&insert_owner).to_string();
    execute(
        env,
        "INSERT INTO audit_events (id, org_id, chain, action, created_at) \
         VALUES ('forged', $1, $1, 'member.removed', 1)",
        &[&inserted],
    )
    .await;
    let link = broken(verify_audit(&env.svc, &insert_owner).await.expect("verify"));
    assert_eq!(link.problem, Problem::Inserted);
    assert_eq!(link.event_id.as_deref(), Some("forged"));

    // The operator's command checks every chain at once.
    let verdicts = activity::verify_every_chain(&env.svc).await.expect("all");
    let broken_count = verdicts
        .iter()
        .filter(|(_, _, v)| matches!(v, Verdict::Broken(_)))
        .count();
    assert_eq!(broken_count, 4, "{verdicts:?}");
}

async fn fresh_org(env: &TestEnv, email: &str, name: &str) -> Actor {
    let signed_in = env.sign_up_as("Fresh Owner", email, name).await;
    let owner = env.actor(&signed_in).await;
    projects::create_project(&env.svc, &owner, "Payments", "")
        .await
        .expect("project");
    owner
}

async fn filters_and_pages_find_what_was_asked(env: &TestEnv) {
    let (owner, admin, member) = busy_acme(env).await;
    let all = |filter: ActivityFilter| {
        let owner = owner.clone();
        async move {
            let mut events = Vec::new();
            let mut before = None;
            loop {
                let page = list_activity(&env.svc, &owner, &filter, before)
                    .await
                    .expect("page");
                events.extend(page.events);
                match page.next {
                    Some(next) => before = Some(next),
                    None => break events,
                }
            }
        }
    };
    // 60 more events so that paging matters (50 a page).
    for i in 0..30 {
        let role = if i % 2 == 0 { "admin" } else { "member" };
        members::update_member_role(&env.svc, &owner, &member, role)
            .await
            .expect("role");
        projects::create_project(&env.svc, &owner, &format!("P{i}"), "")
            .await
            .expect("project");
    }
    // More about the Member than one page holds, and a sign-in of theirs (an event by and
    // about them at once).
    for i in 0..26 {
        let role = if i % 2 == 0 { "admin" } else { "member" };
        members::update_member_role(&env.svc, &owner, &member, role)
            .await
            .expect("role");
    }
    sign_in::sign_in(
        &env.svc,
        "member@example.com",
        PASSWORD,
        Some(&org_of(&owner).to_string()),
        &env.client(),
        None,
    )
    .await
    .expect("sign in");
    let everything = all(ActivityFilter::default()).await;
    assert!(everything.len() >= 63, "{}", everything.len());
    let seqs: Vec<i64> = everything.iter().map(|e| e.seq).collect();
    assert!(
        seqs.windows(2).all(|w| w[0] > w[1]),
        "newest first, no repeats"
    );

    let about_member = all(ActivityFilter::parse(&member, "", "", "", "").expect("filter")).await;
    assert!(about_member.len() >= 59, "{}", about_member.len());
    let by_or_about = |e: &activity::ActivityEvent| {
        e.subject.as_ref().is_some_and(|(id, _)| *id == member)
            || matches!(&e.actor, activity::EventActor::Person { id, .. } if *id == member)
    };
    assert_eq!(
        about_member.iter().map(|e| e.seq).collect::<Vec<_>>(),
        everything
            .iter()
            .filter(|e| by_or_about(e))
            .map(|e| e.seq)
            .collect::<Vec<_>>(),
        "every event by or about the person, once, newest first, across pages"
    );
    let first = &about_member[about_member.len() - 1];
    assert!(
        first
            .subject
            .as_ref()
            .is_some_and(|(_, name)| name.is_some())
    );

    let projects_only = all(ActivityFilter::parse("", "projects", "", "", "").expect("f")).await;
    assert_eq!(projects_only.len(), 30);
    assert!(projects_only.iter().all(|e| e.action == "project.created"));
    assert!(projects_only[0].target_name.as_deref() == Some("P29"));

    // A wrong password against the Admin's account: refused, in the sign-in kind.
    let wrong = sign_in::sign_in(
        &env.svc,
        "admin@example.com",
        "not-the-password",
        None,
        &env.client(),
        None,
    )
    .await;
    assert!(matches!(wrong, Err(Error::InvalidCredentials)));
    let refused = all(ActivityFilter::parse("", "sign_in", "refused", "", "").expect("f")).await;
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert_eq!(refused[0].action, "session.sign_in_failed");
    assert_eq!(
        refused[0].subject.as_ref().map(|(id, _)| id.as_str()),
        Some(admin.as_str())
    );
    assert_eq!(refused[0].ip.as_deref(), Some("203.0.113.7"));

    // Days: today holds everything, a day long past nothing.
    let today = env.clock.now().to_rfc3339()[..10].to_string();
    let on_today = all(ActivityFilter::parse("", "", "", &today, &today).expect("f")).await;
    assert_eq!(on_today.len(), everything.len() + 1);
    let long_ago = all(ActivityFilter::parse("", "", "", "2001-01-01", "2001-01-02").expect("f"));
    assert!(long_ago.await.is_empty());

    // Bad filters are named per field.
    let bad = ActivityFilter::parse("nobody", "dancing", "maybe", "yesterday", "")
        .expect_err("nothing there is a filter");
    let Error::Validation(fields) = bad else {
        panic!("{bad:?}");
    };
    for field in ["user_id", "kind", "outcome", "from"] {
        assert!(!fields.of(field).is_empty(), "{field}");
    }
    let backwards = ActivityFilter::parse("", "", "", "2026-02-02", "2026-02-01")
        .expect_err("an end before the start");
    assert!(matches!(backwards, Error::Validation(f) if !f.of("to").is_empty()));
}

async fn failed_sign_ins_appear_in_every_organization_of_the_account(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let other = fresh_org(env, "globex@example.com", "Globex").await;
    // The same person in both organizations.
    let person = env
        .join(org_of(&owner), "both@example.com", Role::Member)
        .await;
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at, last_used_at, sort_key) \
         VALUES ($1, $2, 'member', 0, 0, 'both')",
    )
    .bind(org_of(&other).to_string())
    .bind(person.user_id.to_string())
    .execute(env.svc.db.pool())
    .await
    .expect("second membership");
    let wrong = sign_in::sign_in(
        &env.svc,
        "both@example.com",
        "wrong",
        None,
        &env.client(),
        None,
    )
    .await;
    assert!(wrong.is_err());
    let refused = ActivityFilter::parse("", "", "refused", "", "").expect("filter");
    for overseer in [&owner, &other] {
        let page = list_activity(&env.svc, overseer, &refused, None)
            .await
            .expect("list");
        assert_eq!(page.events.len(), 1, "seen in each organization");
        assert_eq!(
            page.events[0].subject.as_ref().map(|(id, _)| id.clone()),
            Some(person.user_id.to_string())
        );
        intact(verify_audit(&env.svc, overseer).await.expect("verify"));
    }
}

async fn a_members_history_and_last_sign_in_outlive_their_sessions(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let member = env
        .join(org_of(&owner), "member@example.com", Role::Member)
        .await;
    let id = member.user_id.to_string();
    let before = member_activity(&env.svc, &owner, &id, None)
        .await
        .expect("history");
    let signed_in = sign_in::sign_in(
        &env.svc,
        "member@example.com",
        PASSWORD,
        Some(&org_of(&owner).to_string()),
        &env.client(),
        None,
    )
    .await
    .expect("sign in");
    drop(signed_in);
    let _ = sign_in::sign_in(
        &env.svc,
        "member@example.com",
        "nope",
        None,
        &env.client(),
        None,
    )
    .await;
    members::deactivate_member(&env.svc, &owner, &id)
        .await
        .expect("deactivate");
    let refused = sign_in::sign_in(
        &env.svc,
        "member@example.com",
        PASSWORD,
        Some(&org_of(&owner).to_string()),
        &env.client(),
        None,
    )
    .await;
    assert!(matches!(
        refused,
        Err(Error::Forbidden(Denial::Deactivated))
    ));
    // Sessions are purged; the account keeps its last sign-in.
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(&id)
        .execute(env.svc.db.pool())
        .await
        .expect("forget sessions");
    let history = member_activity(&env.svc, &owner, &id, None)
        .await
        .expect("history");
    assert_eq!(history.name, "Ada Lovelace");
    assert!(history.last_sign_in_at.is_some());
    assert!(history.last_sign_in_at >= before.last_sign_in_at);
    let actions: Vec<(&str, Option<&str>)> = history
        .events
        .iter()
        .map(|e| (e.action.as_str(), e.target.as_deref()))
        .collect();
    assert_eq!(
        actions[..3],
        [
            ("session.sign_in_failed", Some("reason:deactivated")),
            ("session.sign_in_failed", None),
            ("session.signed_in", actions[2].1),
        ],
        "{actions:?}"
    );
    assert!(history.events.iter().all(|e| e.kind == "sign_in"));
    assert!(history.events[0].user_agent.is_some());
    expect_not_found(member_activity(&env.svc, &owner, &uuid(), None).await);
}

fn uuid() -> String {
    gatehouse_server::UserId::random().to_string()
}

async fn the_export_holds_every_matching_event_and_is_audited(env: &TestEnv) {
    let (owner, _, _) = busy_acme(env).await;
    for i in 0..1200 {
        projects::create_project(&env.svc, &owner, &format!("Project {i}"), "")
            .await
            .expect("project");
    }
    let filter = ActivityFilter::parse("", "projects", "", "", "").expect("filter");
    let mut export = export_activity(&env.svc, &owner, filter.clone(), ExportFormat::Csv)
        .await
        .expect("export");
    let mut csv = String::new();
    while let Some(chunk) = export.next_chunk().await.expect("chunk") {
        csv.push_str(&chunk);
    }
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], activity::export::COLUMNS.join(","));
    assert_eq!(lines.len(), 1 + 1200, "every project event, across chunks");
    assert!(lines[1].contains("project.created") && lines[1].contains("Project 1199"));

    let mut export = export_activity(&env.svc, &owner, filter, ExportFormat::JsonLines)
        .await
        .expect("export");
    let mut rows = 0;
    while let Some(chunk) = export.next_chunk().await.expect("chunk") {
        for line in chunk.lines() {
            let row: serde_json::Value = serde_json::from_str(line).expect("json line");
            assert_eq!(row["kind"], "projects");
            assert!(row["seq"].is_i64() && row["hash"].is_string());
            rows += 1;
        }
    }
    assert_eq!(rows, 1200);
    let audited = list_activity(
        &env.svc,
        &owner,
        &ActivityFilter::parse("", "security", "", "", "").expect("f"),
        None,
    )
    .await
    .expect("list");
    assert_eq!(
        audited
            .events
            .iter()
            .filter(|e| e.action == "activity.exported")
            .count(),
        2
    );
}

mod oversight;
