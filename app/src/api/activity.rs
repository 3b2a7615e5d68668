//! The organization's activity for Owners, Admins and Auditors: `list_activity` (filters, keyset
//! cursor), `member_activity` (one person's sign-in history) and `verify_audit` (Owners). The
//! export streams from a plain route (`src/export.rs`), not a server function.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[cfg(feature = "ssr")]
pub mod wording;

/// One event as the screen and the API show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityEventView {
    pub id: String,
    /// Its place in the organization's chain; pass the last one as `before` for older events.
    pub seq: i64,
    pub at: String,
    /// `user`, `service_account` or `system`.
    pub actor_type: String,
    pub actor_id: Option<String>,
    /// The actor's name ("System" for the system, "Deleted service account" once it is gone).
    pub actor_name: String,
    /// The stable action name, e.g. `member.role_changed`.
    pub action: String,
    /// The action in words: "Changed a member's role".
    pub description: String,
    pub kind: String,
    /// `succeeded` or `refused`.
    pub outcome: String,
    pub target: Option<String>,
    /// What the target is, in words: "Ada Lovelace", "project Payments".
    pub target_name: Option<String>,
    pub subject_id: Option<String>,
    pub subject_name: Option<String>,
    pub ip: Option<String>,
    /// "Chrome on macOS".
    pub device: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityPageView {
    pub events: Vec<ActivityEventView>,
    /// The cursor for older events (`before`); `null` on the last page.
    pub next: Option<i64>,
}

#[cfg(feature = "ssr")]
impl From<gatehouse_server::activity::ActivityEvent> for ActivityEventView {
    fn from(event: gatehouse_server::activity::ActivityEvent) -> Self {
        use gatehouse_server::activity::EventActor;
        let (actor_type, actor_id, actor_name) = match &event.actor {
            EventActor::Person { id, name } => (
                "user",
                Some(id.clone()),
                name.clone()
                    .unwrap_or_else(|| "Deleted account".to_string()),
            ),
            EventActor::ServiceAccount { id, name } => (
                "service_account",
                Some(id.clone()),
                name.clone()
                    .unwrap_or_else(|| "Deleted service account".to_string()),
            ),
            EventActor::System => ("system", None, "System".to_string()),
        };
        let device = event
            .user_agent
            .as_deref()
            .filter(|ua| !ua.is_empty())
            .map(|ua| gatehouse_server::devices::describe(ua, &Default::default()));
        Self {
            description: wording::describe(&event.action, event.target.as_deref()),
            target_name: wording::target_name(&event),
            id: event.id,
            seq: event.seq,
            at: event.at.to_rfc3339(),
            actor_type: actor_type.to_string(),
            actor_id,
            actor_name,
            action: event.action,
            kind: event.kind,
            outcome: event.outcome,
            target: event.target,
            subject_id: event.subject.as_ref().map(|(id, _)| id.clone()),
            subject_name: event.subject.and_then(|(_, name)| name),
            ip: event.ip,
            device,
        }
    }
}

/// The organization's events, newest first, 50 at a time. Filters (all optional): `user_id`
/// (done by or about that person), `kind` (sign_in, members, projects, teams, keys, security,
/// account), `outcome` (succeeded, refused), `from` / `to` (`YYYY-MM-DD`, UTC, both included);
/// `before`: the `next` of the previous page.
#[server(prefix = "/api", endpoint = "list_activity")]
pub async fn list_activity(
    #[server(default)] user_id: String,
    #[server(default)] kind: String,
    #[server(default)] outcome: String,
    #[server(default)] from: String,
    #[server(default)] to: String,
    before: Option<i64>,
) -> Result<ActivityPageView, AppError> {
    use crate::ctx;
    use gatehouse_server::activity::{self, ActivityFilter};
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let filter = ActivityFilter::parse(&user_id, &kind, &outcome, &from, &to)?;
    let page = activity::list_activity(&svc, &actor, &filter, before).await?;
    Ok(ActivityPageView {
        events: page.events.into_iter().map(Into::into).collect(),
        next: page.next,
    })
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberActivityView {
    pub user_id: String,
    pub name: String,
    /// When they last signed in (kept when their sessions end); `null` if never.
    pub last_sign_in_at: Option<String>,
    pub last_active_at: Option<String>,
    /// Sign-ins and refused attempts (wrong password, wrong code, locked, deactivated), newest
    /// first.
    pub events: Vec<ActivityEventView>,
    pub next: Option<i64>,
}

/// One member's sign-in history (Owners, Admins, Auditors).
#[server(prefix = "/api", endpoint = "member_activity")]
pub async fn member_activity(
    user_id: String,
    before: Option<i64>,
) -> Result<MemberActivityView, AppError> {
    use crate::ctx;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    let found = gatehouse_server::activity::member_activity(&svc, &actor, &user_id, before).await?;
    Ok(MemberActivityView {
        user_id: found.user_id.to_string(),
        name: found.name,
        last_sign_in_at: found.last_sign_in_at.map(|at| at.to_rfc3339()),
        last_active_at: found.last_active_at.map(|at| at.to_rfc3339()),
        events: found.events.into_iter().map(Into::into).collect(),
        next: found.next,
    })
}

/// Where the chain breaks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokenLinkView {
    /// The place in the chain.
    pub seq: i64,
    /// The row found there; `null` when it is missing.
    pub event_id: Option<String>,
    /// `altered`, `unlinked`, `missing` or `inserted`.
    pub problem: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditVerdictView {
    pub intact: bool,
    /// Events checked (when intact).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub checked: Option<u64>,
    /// The first broken link (when not).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub broken: Option<BrokenLinkView>,
}

/// Checks the organization's audit chain (Owners): `{"intact": true, "checked": n}` or
/// `{"intact": false, "broken": {"seq", "event_id", "problem"}}`.
#[server(prefix = "/api", endpoint = "verify_audit")]
pub async fn verify_audit() -> Result<AuditVerdictView, AppError> {
    use crate::ctx;
    use gatehouse_server::audit::Verdict;
    let svc = ctx::services()?;
    let actor = ctx::require_caller()?;
    Ok(
        match gatehouse_server::activity::verify_audit(&svc, &actor).await? {
            Verdict::Intact { checked } => AuditVerdictView {
                intact: true,
                checked: Some(checked),
                broken: None,
            },
            Verdict::Broken(link) => AuditVerdictView {
                intact: false,
                checked: None,
                broken: Some(BrokenLinkView {
                    seq: link.seq,
                    event_id: link.event_id,
                    problem: link.problem.as_str().to_string(),
                }),
            },
        },
    )
}
