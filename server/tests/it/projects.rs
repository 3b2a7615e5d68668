//! Projects: creating, renaming and deleting them, the rules on their names, and the audit trail
//! each change leaves. The helpers here are shared with the other `project_*.rs` files.

use gatehouse_server::authz::{ProjectAccess, Via};
use gatehouse_server::error::{Clash, Denial, Problem, Subject};
use gatehouse_server::projects::{self, AccessAnswer};
use gatehouse_server::{Actor, Error, OrgId, ProjectId, ProjectRole, Role, Services, UserId};

use crate::expect::{expect_denied, expect_forbidden, expect_not_found};
use crate::on_both_databases;
use crate::support::{START, TestEnv, acme_owner, org_of};

on_both_databases!(
    owners_and_admins_create_projects_and_members_cannot,
    project_names_are_unique_in_an_organization_ignoring_case,
    names_and_descriptions_are_validated,
    deleting_a_project_needs_its_name_typed_and_takes_its_roles_with_it,
    every_change_is_audited_in_the_actors_organization,
);

/// Creates a project with an empty description.
pub(crate) async fn create(env: &TestEnv, by: &Actor, name: &str) -> ProjectId {
    projects::create_project(&env.svc, by, name, "")
        .await
        .unwrap_or_else(|err| panic!("create {name}: {err:?}"))
}

/// Grants `role` on `project` to one person.
pub(crate) async fn grant(env: &TestEnv, by: &Actor, project: ProjectId, user: UserId, role: &str) {
    projects::add_project_members(
        &env.svc,
        by,
        &project.to_string(),
        &[user.to_string()],
        role,
    )
    .await
    .unwrap_or_else(|err| panic!("grant {role}: {err:?}"));
}

/// Someone signed up and added to `org` with `role`, acting there.
pub(crate) async fn joined(env: &TestEnv, org: OrgId, email: &str, role: Role) -> Actor {
    let signed_in = env.join(org, email, role).await;
    env.actor(&signed_in).await
}

/// `check_permission` on `svc`, about the caller or (`about`) someone else.
pub(crate) async fn check_on(
    svc: &Services,
    actor: &Actor,
    project: ProjectId,
    permission: &str,
    about: Option<UserId>,
) -> Result<AccessAnswer, Error> {
    let about = about.map(|user| user.to_string());
    projects::check_permission(
        svc,
        actor,
        &project.to_string(),
        permission,
        about.as_deref(),
    )
    .await
}

/// [`check_on`] this environment's instance, expected to answer.
pub(crate) async fn check(
    env: &TestEnv,
    actor: &Actor,
    project: ProjectId,
    permission: &str,
    about: Option<UserId>,
) -> AccessAnswer {
    check_on(&env.svc, actor, project, permission, about)
        .await
        .unwrap_or_else(|err| panic!("check {permission}: {err:?}"))
}

/// The problems reported on `field` of a refused input.
pub(crate) fn problems(result: Result<impl std::fmt::Debug, Error>, field: &str) -> Vec<Problem> {
    match result {
        Err(Error::Validation(errors)) => errors.of(field).to_vec(),
        other => panic!("expected Validation on {field}, got {other:?}"),
    }
}

/// Conflict, for exactly this reason.
pub(crate) fn expect_clash(result: Result<impl std::fmt::Debug, Error>, expected: Clash) {
    match result {
        Err(Error::Conflict(clash)) => assert_eq!(clash, expected),
        other => panic!("expected Conflict({expected:?}), got {other:?}"),
    }
}

/// The `(actor_id, target)` of each audit row of `action` in `org`.
pub(crate) async fn audited(env: &TestEnv, org: OrgId, action: &str) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT actor_id, target FROM audit_events WHERE org_id = $1 AND action = $2 \
         ORDER BY created_at, target",
    )
    .bind(org.to_string())
    .bind(action)
    .fetch_all(env.svc.db.pool())
    .await
    .expect("audit rows")
}

/// The role each person holds on `project`, as stored, by user id.
pub(crate) async fn grant_rows(env: &TestEnv, project: ProjectId) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT user_id, role FROM project_grants WHERE project_id = $1 ORDER BY user_id",
    )
    .bind(project.to_string())
    .fetch_all(env.svc.db.pool())
    .await
    .expect("grant rows")
}

async fn project_count(env: &TestEnv, org: OrgId) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM projects WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_one(env.svc.db.pool())
        .await
        .expect("count")
}

pub(crate) async fn names(
    env: &TestEnv,
    actor: &Actor,
    query: &str,
    archived: bool,
) -> Vec<String> {
    projects::list_projects(&env.svc, actor, query, archived, 1)
        .await
        .expect("list")
        .projects
        .into_iter()
        .map(|p| p.name)
        .collect()
}

pub(crate) fn implicit(role: Role) -> ProjectAccess {
    ProjectAccess {
        role: ProjectRole::Admin,
        via: Via::Organization(role),
    }
}

pub(crate) fn granted(role: ProjectRole) -> ProjectAccess {
    ProjectAccess {
        role,
        via: Via::Grant,
    }
}

async fn owners_and_admins_create_projects_and_members_cannot(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let admin = joined(env, acme, "admin@example.com", Role::Admin).await;
    let member = joined(env, acme, "member@example.com", Role::Member).await;

    let apollo = projects::create_project(&env.svc, &owner, "  Apollo ", " To the moon\n")
        .await
        .expect("an Owner creates");
    let gemini = create(env, &admin, "Gemini").await;
    expect_denied(
        projects::create_project(&env.svc, &member, "Mercury", "").await,
        Denial::InsufficientRole,
    );
    // A Member learns nothing about the rules of a form they may not use.
    expect_forbidden(projects::create_project(&env.svc, &member, "", "").await);
    expect_forbidden(projects::create_project(&env.svc, &member, "Apollo", "").await);

    let shown = projects::get_project(&env.svc, &owner, &apollo.to_string())
        .await
        .expect("get");
    assert_eq!(
        (shown.name.as_str(), shown.description.as_str()),
        ("Apollo", "To the moon"),
        "trimmed"
    );
    assert!(!shown.archived);
    assert_eq!(shown.created_at, START);
    assert_eq!(shown.access, implicit(Role::Owner));
    let seen_by_admin = projects::get_project(&env.svc, &admin, &gemini.to_string())
        .await
        .expect("get");
    assert_eq!(seen_by_admin.access, implicit(Role::Admin));
    expect_not_found(projects::get_project(&env.svc, &member, &apollo.to_string()).await);
    assert_eq!(
        project_count(env, acme).await,
        2,
        "the Member created nothing"
    );
}

async fn project_names_are_unique_in_an_organization_ignoring_case(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let apollo = create(env, &owner, "Apollo").await;
    let taken = projects::create_project(&env.svc, &owner, "  APOLLO ", "").await;
    match &taken {
        Err(Error::Conflict(clash)) => assert_eq!(clash.field(), Some("name")),
        other => panic!("{other:?}"),
    }
    expect_clash(taken, Clash::ProjectNameTaken);
    create(env, &owner, "Ärger").await;
    expect_clash(
        projects::create_project(&env.svc, &owner, "äRGER", "").await,
        Clash::ProjectNameTaken,
    );

    // Another organization may use the same name.
    let bea = env
        .sign_up_as("Bea Bauer", "bea@example.com", "Bravo")
        .await;
    let bea = env.actor(&bea).await;
    create(env, &bea, "apollo").await;

    // Renaming into a taken name is refused; changing the case of one's own name is not.
    let gemini = create(env, &owner, "Gemini").await;
    expect_clash(
        projects::update_project(&env.svc, &owner, &gemini.to_string(), "apollo", "").await,
        Clash::ProjectNameTaken,
    );
    projects::update_project(&env.svc, &owner, &apollo.to_string(), "APOLLO", "Loud")
        .await
        .expect("same name, other case");
    assert_eq!(names(env, &owner, "apollo", false).await, ["APOLLO"]);
    assert_eq!(project_count(env, acme).await, 3);
}

async fn names_and_descriptions_are_validated(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let too_long = "x".repeat(101);
    let refused_names = [
        ("", Problem::Required(Subject::ProjectName)),
        ("   ", Problem::Required(Subject::ProjectName)),
        (too_long.as_str(), Problem::TooLong { max: 100 }),
        ("Bell\u{7}", Problem::ControlCharacters),
        ("Two\nlines", Problem::ControlCharacters),
    ];
    for (name, problem) in refused_names {
        let refused = projects::create_project(&env.svc, &owner, name, "").await;
        assert_eq!(problems(refused, "name"), [problem], "{name:?}");
    }
    let description = "d".repeat(1001);
    let refused = projects::create_project(&env.svc, &owner, "Fine", &description).await;
    assert_eq!(
        problems(refused, "description"),
        [Problem::TooLong { max: 1000 }]
    );
    let refused = projects::create_project(&env.svc, &owner, "Fine", "nul\u{0}").await;
    assert_eq!(
        problems(refused, "description"),
        [Problem::ControlCharacters]
    );
    // Both fields at once.
    let both = projects::create_project(&env.svc, &owner, "", &description).await;
    let Err(Error::Validation(errors)) = both else {
        panic!("{both:?}")
    };
    assert!(!errors.of("name").is_empty() && !errors.of("description").is_empty());
    assert_eq!(
        project_count(env, acme).await,
        0,
        "nothing refused was created"
    );

    // The limits themselves are fine; they count characters, not bytes.
    let longest = create(env, &owner, &"é".repeat(100)).await;
    let lines = format!("{}\n\t{}", "d".repeat(499), "d".repeat(499));
    projects::create_project(&env.svc, &owner, "Lines", &lines)
        .await
        .expect("1,000 characters with a line break and a tab");

    // A rename follows the same rules.
    let id = longest.to_string();
    let refused = projects::update_project(&env.svc, &owner, &id, " ", "").await;
    assert_eq!(
        problems(refused, "name"),
        [Problem::Required(Subject::ProjectName)]
    );
    let refused = projects::update_project(&env.svc, &owner, &id, "Fine", &description).await;
    assert_eq!(
        problems(refused, "description"),
        [Problem::TooLong { max: 1000 }]
    );
    let unchanged = projects::get_project(&env.svc, &owner, &id)
        .await
        .expect("get");
    assert_eq!(unchanged.name, "é".repeat(100));
}

async fn deleting_a_project_needs_its_name_typed_and_takes_its_roles_with_it(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let carol = joined(env, acme, "carol@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    grant(env, &owner, apollo, bob.user_id, "member").await;
    grant(env, &owner, apollo, carol.user_id, "viewer").await;
    assert!(check(env, &bob, apollo, "use", None).await.allowed);

    let required = Problem::Required(Subject::ProjectNameConfirmation);
    for (typed, problem) in [
        ("", required.clone()),
        ("   ", required),
        ("Apollo 11", Problem::NameMismatch),
        ("Apoll", Problem::NameMismatch),
    ] {
        let refused = projects::delete_project(&env.svc, &owner, &id, typed).await;
        assert_eq!(problems(refused, "confirm_name"), [problem], "{typed:?}");
    }
    assert_eq!(
        grant_rows(env, apollo).await.len(),
        2,
        "nothing deleted yet"
    );

    projects::delete_project(&env.svc, &owner, &id, "  aPOLLO ")
        .await
        .expect("the name, in any case");
    expect_not_found(projects::get_project(&env.svc, &owner, &id).await);
    expect_not_found(check_on(&env.svc, &bob, apollo, "view", None).await);
    assert!(
        projects::list_my_projects(&env.svc, &bob)
            .await
            .expect("mine")
            .is_empty()
    );
    assert!(
        grant_rows(env, apollo).await.is_empty(),
        "its roles went with it"
    );
    expect_not_found(projects::delete_project(&env.svc, &owner, &id, "Apollo").await);

    // The name is free again, and the new project owes nothing to the old one's roles.
    let again = create(env, &owner, "Apollo").await;
    expect_not_found(projects::get_project(&env.svc, &bob, &again.to_string()).await);
    // An archived project can be deleted too.
    let gemini = create(env, &owner, "Gemini").await;
    projects::set_archived(&env.svc, &owner, &gemini.to_string(), true)
        .await
        .expect("archive");
    projects::delete_project(&env.svc, &owner, &gemini.to_string(), "gemini")
        .await
        .expect("delete archived");
    assert_eq!(project_count(env, acme).await, 1);
}

async fn every_change_is_audited_in_the_actors_organization(env: &TestEnv) {
    let owner = acme_owner(env).await;
    let acme = org_of(&owner);
    let member = joined(env, acme, "member@example.com", Role::Member).await;
    let bob = joined(env, acme, "bob@example.com", Role::Member).await;
    let apollo = create(env, &owner, "Apollo").await;
    let id = apollo.to_string();
    let bob_id = bob.user_id.to_string();
    projects::update_project(&env.svc, &owner, &id, "Apollo 11", "Landing")
        .await
        .expect("rename");
    projects::update_project(&env.svc, &owner, &id, "Apollo 11", "Landed")
        .await
        .expect("describe");
    projects::set_archived(&env.svc, &owner, &id, true)
        .await
        .expect("archive");
    projects::set_archived(&env.svc, &owner, &id, false)
        .await
        .expect("restore");
    grant(env, &owner, apollo, bob.user_id, "member").await;
    projects::update_project_member_role(&env.svc, &owner, &id, &bob_id, "viewer")
        .await
        .expect("re-role");
    projects::remove_project_member(&env.svc, &owner, &id, &bob_id)
        .await
        .expect("remove");
    // Refused attempts leave no trace.
    expect_forbidden(projects::create_project(&env.svc, &member, "Nope", "").await);
    expect_not_found(projects::update_project(&env.svc, &member, &id, "Nope", "").await);
    projects::delete_project(&env.svc, &owner, &id, "apollo 11")
        .await
        .expect("delete");

    let owner_id = owner.user_id.to_string();
    let target = format!("project:{apollo}");
    let expected = [
        ("project.created", target.clone()),
        ("project.renamed", target.clone()),
        ("project.updated", target.clone()),
        ("project.archived", target.clone()),
        ("project.restored", target.clone()),
        (
            "project.member_added",
            format!("{target} user:{bob_id} role:member"),
        ),
        (
            "project.member_role_changed",
            format!("{target} user:{bob_id} role:member->viewer"),
        ),
        (
            "project.member_removed",
            format!("{target} user:{bob_id} role:viewer"),
        ),
        ("project.deleted", target.clone()),
    ];
    for (action, target) in expected {
        assert_eq!(
            audited(env, acme, action).await,
            [(owner_id.clone(), target)],
            "{action}"
        );
    }
    let elsewhere: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_events WHERE action LIKE 'project.%' \
         AND (org_id IS NULL OR org_id <> $1)",
    )
    .bind(acme.to_string())
    .fetch_one(env.svc.db.pool())
    .await
    .expect("count");
    assert_eq!(elsewhere, 0, "every row is in the actor's organization");
}
