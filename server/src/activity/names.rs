//! Names for a page of events: what each target's first word points at (a person, project, team,
//! service account or key) is looked up once per kind for the whole page, never per row.

use std::collections::{HashMap, HashSet};

use super::{ActivityEvent, EventActor, Row};
use crate::clock::Timestamp;
use crate::ids::OrgId;
use crate::{Error, Services};

/// The tables a target's first word may name, with whether they hold an `org_id` to scope by.
const TABLES: [(&str, &str, bool); 5] = [
    ("user", "users", false),
    ("project", "projects", true),
    ("team", "teams", true),
    ("service_account", "service_accounts", true),
    ("api_key", "api_keys", true),
];

/// The page's rows as events, with the names of what they point at.
pub(crate) async fn resolve(
    svc: &Services,
    org: OrgId,
    rows: impl IntoIterator<Item = Row>,
) -> Result<Vec<ActivityEvent>, Error> {
    let rows: Vec<Row> = rows.into_iter().collect();
    let mut wanted: HashMap<&'static str, HashSet<String>> = HashMap::new();
    for row in &rows {
        if let Some((prefix, id)) = row.target.as_deref().and_then(first_word)
            && let Some((prefix, _, _)) = TABLES.iter().find(|(p, _, _)| *p == prefix)
        {
            wanted.entry(prefix).or_default().insert(id.to_string());
        }
    }
    let mut names: HashMap<(&'static str, String), String> = HashMap::new();
    for (prefix, table, scoped) in TABLES {
        let Some(ids) = wanted.get(prefix).filter(|ids| !ids.is_empty()) else {
            continue;
        };
        let ids: Vec<&String> = ids.iter().collect();
        let first = if scoped { 2 } else { 1 };
        let placeholders: Vec<String> = (0..ids.len()).map(|i| format!("${}", i + first)).collect();
        let scope = if scoped { "org_id = $1 AND " } else { "" };
        let sql = format!(
            "SELECT id, name FROM {table} WHERE {scope}id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query_as::<_, (String, String)>(&sql);
        if scoped {
            query = query.bind(org.to_string());
        }
        for id in ids {
            query = query.bind(id.clone());
        }
        for (id, name) in query.fetch_all(svc.db.pool()).await? {
            names.insert((prefix, id), name);
        }
    }
    Ok(rows
        .into_iter()
        .map(|row| {
            let target_name =
                row.target
                    .as_deref()
                    .and_then(first_word)
                    .and_then(|(p, id)| {
                        TABLES.iter().find(|(prefix, _, _)| *prefix == p).and_then(
                            |(prefix, _, _)| names.get(&(*prefix, id.to_string())).cloned(),
                        )
                    });
            event(row, target_name)
        })
        .collect())
}

/// `("project", "<id>")` from `project:<id> role:…`.
fn first_word(target: &str) -> Option<(&str, &str)> {
    target.split_whitespace().next()?.split_once(':')
}

fn event(row: Row, target_name: Option<String>) -> ActivityEvent {
    let actor = match (row.actor_type.as_deref(), row.actor_id) {
        (Some("service_account"), Some(id)) => EventActor::ServiceAccount {
            id,
            name: row.actor_name,
        },
        (_, Some(id)) => EventActor::Person {
            id,
            name: row.actor_name,
        },
        (_, None) => EventActor::System,
    };
    ActivityEvent {
        id: row.id,
        seq: row.seq,
        at: Timestamp::from_millis(row.created_at),
        actor,
        action: row.action,
        kind: row.kind,
        outcome: row.outcome,
        target: row.target,
        target_name,
        subject: row.subject_id.map(|id| (id, row.subject_name)),
        ip: row.ip,
        user_agent: row.user_agent,
        hash: row.hash,
        prev_hash: row.prev_hash,
    }
}
