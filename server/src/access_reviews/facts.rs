//! The facts a review holds about each person, read once when it starts (inside its
//! transaction, so every row describes the same moment) and kept as they were: a past review
//! reads as it was decided, whatever changed since. Project grants and teams are stored as JSON.

use std::collections::HashMap;

use serde_json::{Value, json};
use sqlx::AnyConnection;

use super::{INACTIVE_AFTER, ProjectFact, TeamFact};
use crate::clock::Timestamp;
use crate::error::Error;
use crate::ids::{self, AccessReviewId, OrgId, ProjectId, ReviewItemId, TeamId};
use crate::orgs::parse_role;
use crate::security_policy::policy_of;
use crate::vocab::{ProjectRole, Role};

/// One person as a new review finds them.
pub(super) struct Person {
    user_id: String,
    name: String,
    email: String,
    sort_key: String,
    role: Role,
    last_sign_in_at: Option<i64>,
    mfa_enabled: bool,
    inactive: bool,
    mfa_missing: bool,
    projects: Vec<ProjectFact>,
    teams: Vec<TeamFact>,
}

/// user id, name, email, sort key, role, last sign-in, membership created, MFA enabled at
type MemberRow = (
    String,
    String,
    String,
    String,
    String,
    Option<i64>,
    i64,
    Option<i64>,
);

/// Every active member of `org` with their facts at `now`, by name.
pub(super) async fn gather(
    conn: &mut AnyConnection,
    org: OrgId,
    now: Timestamp,
) -> Result<Vec<Person>, Error> {
    let key = org.to_string();
    let members: Vec<MemberRow> = sqlx::query_as(
        "SELECT m.user_id, u.name, u.email, m.sort_key, m.role, u.last_sign_in_at, m.created_at, \
                t.enabled_at \
         FROM memberships m JOIN users u ON u.id = m.user_id \
         LEFT JOIN mfa_totp t ON t.user_id = m.user_id \
         WHERE m.org_id = $1 AND m.deactivated_at IS NULL \
         ORDER BY m.sort_key",
    )
    .bind(&key)
    .fetch_all(&mut *conn)
    .await?;
    let policy = policy_of(conn, &key).await?;
    let mut projects = projects_by_person(conn, org).await?;
    let mut teams = teams_by_person(conn, org).await?;
    let quiet_since = now.minus(INACTIVE_AFTER).as_millis();
    members
        .into_iter()
        .map(
            |(user_id, name, email, sort_key, role, last_sign_in_at, joined, mfa)| {
                let role = parse_role(&role)?;
                let mfa_enabled = mfa.is_some();
                Ok(Person {
                    projects: projects.remove(&user_id).unwrap_or_default(),
                    teams: teams.remove(&user_id).unwrap_or_default(),
                    user_id,
                    name,
                    email,
                    sort_key,
                    role,
                    inactive: last_sign_in_at.unwrap_or(joined) <= quiet_since,
                    last_sign_in_at,
                    mfa_missing: !mfa_enabled && policy.mfa_deadline(role).is_some(),
                    mfa_enabled,
                })
            },
        )
        .collect()
}

/// Each person's project roles: their own grants, then their teams' (by project name).
async fn projects_by_person(
    conn: &mut AnyConnection,
    org: OrgId,
) -> Result<HashMap<String, Vec<ProjectFact>>, Error> {
    let key = org.to_string();
    // person or team, project id, project name, role, archived at, team name (team grants)
    type GrantRow = (String, String, String, String, Option<i64>, Option<String>);
    let own: Vec<GrantRow> = sqlx::query_as(
        "SELECT g.user_id, p.id, p.name, g.role, p.archived_at, CAST(NULL AS TEXT) \
         FROM project_grants g JOIN projects p ON p.id = g.project_id WHERE g.org_id = $1",
    )
    .bind(&key)
    .fetch_all(&mut *conn)
    .await?;
    let through_teams: Vec<GrantRow> = sqlx::query_as(
        "SELECT tm.user_id, p.id, p.name, tg.role, p.archived_at, t.name \
         FROM team_project_grants tg JOIN projects p ON p.id = tg.project_id \
         JOIN teams t ON t.id = tg.team_id \
         JOIN team_members tm ON tm.team_id = tg.team_id \
         WHERE tg.org_id = $1",
    )
    .bind(&key)
    .fetch_all(&mut *conn)
    .await?;
    let mut by_person: HashMap<String, Vec<ProjectFact>> = HashMap::new();
    for (user, project, name, role, archived_at, team) in own.into_iter().chain(through_teams) {
        let role = ProjectRole::parse(&role).ok_or_else(|| {
            Error::internal(format!("unknown project role in database: {role:?}"))
        })?;
        by_person.entry(user).or_default().push(ProjectFact {
            project_id: ids::from_db(&project, ProjectId::parse)?,
            name,
            role,
            archived: archived_at.is_some(),
            team,
        });
    }
    for facts in by_person.values_mut() {
        facts.sort_by(|a, b| {
            (a.name.to_lowercase(), &a.team, a.role).cmp(&(b.name.to_lowercase(), &b.team, b.role))
        });
    }
    Ok(by_person)
}

/// The teams each person is in, by name.
async fn teams_by_person(
    conn: &mut AnyConnection,
    org: OrgId,
) -> Result<HashMap<String, Vec<TeamFact>>, Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT tm.user_id, t.id, t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id \
         WHERE tm.org_id = $1 ORDER BY t.name_key",
    )
    .bind(org.to_string())
    .fetch_all(conn)
    .await?;
    let mut by_person: HashMap<String, Vec<TeamFact>> = HashMap::new();
    for (user, team, name) in rows {
        by_person.entry(user).or_default().push(TeamFact {
            team_id: ids::from_db(&team, TeamId::parse)?,
            name,
        });
    }
    Ok(by_person)
}

/// Rows per insert statement: well under either database's limit on bound values.
const INSERT_BATCH: usize = 50;
const COLUMNS: usize = 15;

/// Writes one row per person for `review`.
pub(super) async fn insert(
    conn: &mut AnyConnection,
    review: AccessReviewId,
    org: OrgId,
    people: &[Person],
) -> Result<(), Error> {
    for batch in people.chunks(INSERT_BATCH) {
        let rows: Vec<String> = (0..batch.len())
            .map(|row| {
                let marks: Vec<String> = (1..=COLUMNS)
                    .map(|column| format!("${}", row * COLUMNS + column))
                    .collect();
                format!("({})", marks.join(", "))
            })
            .collect();
        let sql = format!(
            "INSERT INTO access_review_items (id, review_id, org_id, user_id, name, email, \
             sort_key, role, last_sign_in_at, mfa_enabled, privileged, inactive, mfa_missing, \
             projects, teams) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql);
        for person in batch {
            query = query
                .bind(ReviewItemId::random().to_string())
                .bind(review.to_string())
                .bind(org.to_string())
                .bind(person.user_id.clone())
                .bind(person.name.clone())
                .bind(person.email.clone())
                .bind(person.sort_key.clone())
                .bind(person.role.as_str())
                .bind(person.last_sign_in_at)
                .bind(i64::from(person.mfa_enabled))
                .bind(i64::from(person.role.manages()))
                .bind(i64::from(person.inactive))
                .bind(i64::from(person.mfa_missing))
                .bind(encode_projects(&person.projects))
                .bind(encode_teams(&person.teams));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

fn encode_projects(projects: &[ProjectFact]) -> String {
    Value::Array(
        projects
            .iter()
            .map(|p| {
                json!({
                    "id": p.project_id.to_string(),
                    "name": p.name,
                    "role": p.role.as_str(),
                    "archived": p.archived,
                    "team": p.team,
                })
            })
            .collect(),
    )
    .to_string()
}

fn encode_teams(teams: &[TeamFact]) -> String {
    Value::Array(
        teams
            .iter()
            .map(|t| json!({ "id": t.team_id.to_string(), "name": t.name }))
            .collect(),
    )
    .to_string()
}

fn corrupt(what: &str) -> Error {
    Error::internal(format!("malformed access review {what} in database"))
}

fn entries(text: &str, what: &str) -> Result<Vec<Value>, Error> {
    match serde_json::from_str(text).map_err(|_| corrupt(what))? {
        Value::Array(entries) => Ok(entries),
        _ => Err(corrupt(what)),
    }
}

fn text<'a>(entry: &'a Value, key: &str, what: &str) -> Result<&'a str, Error> {
    entry
        .get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| corrupt(what))
}

pub(super) fn decode_projects(text_form: &str) -> Result<Vec<ProjectFact>, Error> {
    entries(text_form, "projects")?
        .iter()
        .map(|entry| {
            Ok(ProjectFact {
                project_id: ids::from_db(text(entry, "id", "projects")?, ProjectId::parse)?,
                name: text(entry, "name", "projects")?.to_string(),
                role: ProjectRole::parse(text(entry, "role", "projects")?)
                    .ok_or_else(|| corrupt("projects"))?,
                archived: entry
                    .get("archived")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
                team: entry
                    .get("team")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            })
        })
        .collect()
}

pub(super) fn decode_teams(text_form: &str) -> Result<Vec<TeamFact>, Error> {
    entries(text_form, "teams")?
        .iter()
        .map(|entry| {
            Ok(TeamFact {
                team_id: ids::from_db(text(entry, "id", "teams")?, TeamId::parse)?,
                name: text(entry, "name", "teams")?.to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grants_and_teams_read_back_as_written() {
        let projects = vec![
            ProjectFact {
                project_id: ProjectId::random(),
                name: "Apollo \"main\"".into(),
                role: ProjectRole::Admin,
                archived: false,
                team: None,
            },
            ProjectFact {
                project_id: ProjectId::random(),
                name: "Zephyr".into(),
                role: ProjectRole::Viewer,
                archived: true,
                team: Some("Data".into()),
            },
        ];
        let teams = vec![TeamFact {
            team_id: TeamId::random(),
            name: "Data".into(),
        }];
        assert_eq!(
            decode_projects(&encode_projects(&projects)).ok(),
            Some(projects)
        );
        assert_eq!(decode_teams(&encode_teams(&teams)).ok(), Some(teams));
        assert!(decode_projects("{}").is_err());
    }
}
