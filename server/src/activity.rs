//! The read side of the audit log, for an organization's Owners, Admins and Auditors: its
//! events newest first with filters, one person's sign-in history, an export that streams, and
//! the chain's verification. Pages go by the chain's sequence number (keyset, never OFFSET),
//! through an index for each filter, so a page costs the same on the millionth event.

use sqlx::FromRow;

use crate::audit::{self, Kind, Verdict};
use crate::authz::{self, Action, current_org, require};
use crate::clock::Timestamp;
use crate::error::{FieldErrors, Problem};
use crate::ids::{OrgId, UserId};
use crate::vocab::Actor;
use crate::{Error, Services};

pub mod export;
mod names;

pub use export::{ExportFormat, export_activity};

/// Events per page of the Activity screen.
pub const PAGE_SIZE: i64 = 50;

/// Whether an event records something done or something refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Refused,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Succeeded => "succeeded",
            Outcome::Refused => "refused",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Outcome::Succeeded, Outcome::Refused]
            .into_iter()
            .find(|o| o.as_str() == text)
    }
}

/// What the caller asks to see; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityFilter {
    /// Events done by or about this person.
    pub person: Option<UserId>,
    pub kind: Option<Kind>,
    pub outcome: Option<Outcome>,
    /// From the start of this day (UTC).
    pub from: Option<Timestamp>,
    /// Before the end of this day (UTC).
    pub until: Option<Timestamp>,
}

impl ActivityFilter {
    /// Reads the filters as forms and URLs give them: `user_id`, `kind`, `outcome`, and `from` /
    /// `to` as `YYYY-MM-DD` days (UTC, both included). Empty means "any".
    pub fn parse(
        user_id: &str,
        kind: &str,
        outcome: &str,
        from: &str,
        to: &str,
    ) -> Result<Self, Error> {
        let mut errors = FieldErrors::default();
        let person = match user_id.trim() {
            "" => None,
            text => {
                let parsed = UserId::parse(text);
                if parsed.is_none() {
                    errors.add("user_id", Problem::UnknownPerson);
                }
                parsed
            }
        };
        let kind = match kind.trim() {
            "" => None,
            text => {
                let parsed = Kind::parse(text);
                if parsed.is_none() {
                    errors.add("kind", Problem::UnknownActivityKind);
                }
                parsed
            }
        };
        let outcome = match outcome.trim() {
            "" => None,
            text => {
                let parsed = Outcome::parse(text);
                if parsed.is_none() {
                    errors.add("outcome", Problem::UnknownOutcome);
                }
                parsed
            }
        };
        let mut day = |field: &'static str, text: &str, end: bool| match text.trim() {
            "" => None,
            text => {
                let parsed = day_start(text).map(|start| {
                    if end {
                        start.plus(std::time::Duration::from_secs(86_400))
                    } else {
                        start
                    }
                });
                if parsed.is_none() {
                    errors.add(field, Problem::MalformedDay);
                }
                parsed
            }
        };
        let from = day("from", from, false);
        let until = day("to", to, true);
        if let (Some(from), Some(until)) = (from, until)
            && until <= from
        {
            errors.add("to", Problem::DayBeforeStart);
        }
        errors.into_result()?;
        Ok(Self {
            person,
            kind,
            outcome,
            from,
            until,
        })
    }
}

/// The start (00:00 UTC) of a `YYYY-MM-DD` day.
fn day_start(text: &str) -> Option<Timestamp> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text, &format).ok()?;
    let at = date.midnight().assume_utc();
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .ok()
        .map(Timestamp::from_millis)
}

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventActor {
    Person {
        id: String,
        name: Option<String>,
    },
    ServiceAccount {
        id: String,
        name: Option<String>,
    },
    /// A scheduled sweep, the operator's command line, or an anonymous request.
    System,
}

/// One event as the Activity screen shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityEvent {
    pub id: String,
    /// Its place in the organization's chain (the paging cursor).
    pub seq: i64,
    pub at: Timestamp,
    pub actor: EventActor,
    /// The stable action name, e.g. `member.role_changed`.
    pub action: String,
    pub kind: String,
    pub outcome: String,
    /// What it was done to, in the log's words (`user:<id> role:admin->member`).
    pub target: Option<String>,
    /// The name of what the target's first word names (a person, project, team, service
    /// account or key), when it still exists.
    pub target_name: Option<String>,
    /// The person the event is about, with their name.
    pub subject: Option<(String, Option<String>)>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub hash: Option<String>,
    pub prev_hash: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityPage {
    pub events: Vec<ActivityEvent>,
    /// The cursor for the next (older) page; `None` on the last.
    pub next: Option<i64>,
}

/// The caller's organization's events, newest first, `PAGE_SIZE` at a time, older than the
/// `before` cursor when given. Owners, Admins and Auditors only.
pub async fn list_activity(
    svc: &Services,
    actor: &Actor,
    filter: &ActivityFilter,
    before: Option<i64>,
) -> Result<ActivityPage, Error> {
    let org = overseen_org(actor)?;
    let rows = read(svc, org, filter, before, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let mut events = names::resolve(svc, org, rows.into_iter().take(PAGE_SIZE as usize)).await?;
    events.truncate(PAGE_SIZE as usize);
    let next = more.then(|| events.last().map(|e| e.seq)).flatten();
    Ok(ActivityPage { events, next })
}

/// The organization the caller oversees (Owner, Admin or Auditor there).
fn overseen_org(actor: &Actor) -> Result<OrgId, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(Some(role), Action::ViewActivity, None))?;
    Ok(org)
}

/// Rows as stored, joined with the names of actor and subject.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct Row {
    pub id: String,
    pub seq: i64,
    pub created_at: i64,
    pub actor_type: Option<String>,
    pub actor_id: Option<String>,
    pub actor_name: Option<String>,
    pub action: String,
    pub kind: String,
    pub outcome: String,
    pub target: Option<String>,
    pub subject_id: Option<String>,
    pub subject_name: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub hash: Option<String>,
    pub prev_hash: Option<String>,
}

/// One page of rows (`limit` of them) of `org`'s chain below `before`, newest first.
pub(crate) async fn read(
    svc: &Services,
    org: OrgId,
    filter: &ActivityFilter,
    before: Option<i64>,
    limit: i64,
) -> Result<Vec<Row>, Error> {
    let pool = svc.db.pool();
    let chain = org.to_string();
    // A day range becomes a range of places in the chain (each end found through the
    // (chain, created_at) index; of events in the same millisecond, the outermost), so every
    // filter pages along its own (chain, …, seq) index.
    let mut upper = before.unwrap_or(i64::MAX);
    let mut lower = 0i64;
    if let Some(until) = filter.until {
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_events WHERE chain = $1 AND created_at < $2 \
             ORDER BY created_at DESC, seq DESC LIMIT 1",
        )
        .bind(&chain)
        .bind(until.as_millis())
        .fetch_optional(pool)
        .await?;
        upper = upper.min(last.map_or(0, |seq| seq + 1));
    }
    if let Some(from) = filter.from {
        let first: Option<i64> = sqlx::query_scalar(
            "SELECT seq FROM audit_events WHERE chain = $1 AND created_at >= $2 \
             ORDER BY created_at, seq LIMIT 1",
        )
        .bind(&chain)
        .bind(from.as_millis())
        .fetch_optional(pool)
        .await?;
        lower = first.map_or(i64::MAX, |seq| seq - 1);
    }
    if lower >= upper.saturating_sub(1) {
        return Ok(Vec::new());
    }
    let mut conditions = String::new();
    match filter.kind {
        Some(_) => conditions.push_str(" AND e.kind = $5"),
        None => conditions.push_str(" AND $5 = ''"),
    }
    match filter.outcome {
        Some(_) => conditions.push_str(" AND e.outcome = $6"),
        None => conditions.push_str(" AND $6 = ''"),
    }
    let person = filter.person.map(|p| p.to_string());
    // A person's events are those they did or that were done to them: one keyset scan down each
    // of the two indexes, merged, so a page reads at most twice its length (an OR in one scan
    // walks the whole chain between two of a rare person's events).
    let rows = if person.is_some() {
        let side = |column: &str| {
            format!(
                "SELECT seq FROM (SELECT e.seq FROM audit_events e \
                 WHERE e.chain = $1 AND e.{column} = $4 AND e.seq < $2 AND e.seq > $3{conditions} \
                 ORDER BY e.seq DESC LIMIT $7) AS by_{column}"
            )
        };
        format!(
            "e.chain = $1 AND e.seq IN ({} UNION ALL {})",
            side("actor_id"),
            side("subject_id")
        )
    } else {
        format!("e.chain = $1 AND e.seq < $2 AND e.seq > $3 AND $4 = ''{conditions}")
    };
    let sql = format!(
        "SELECT e.id, e.seq, e.created_at, e.actor_type, e.actor_id, \
             COALESCE(u.name, s.name) AS actor_name, e.action, e.kind, e.outcome, e.target, \
             e.subject_id, su.name AS subject_name, e.ip, e.user_agent, e.hash, e.prev_hash \
         FROM audit_events e \
         LEFT JOIN users u ON e.actor_type = 'user' AND u.id = e.actor_id \
         LEFT JOIN service_accounts s ON e.actor_type = 'service_account' AND s.id = e.actor_id \
         LEFT JOIN users su ON su.id = e.subject_id \
         WHERE {rows} \
         ORDER BY e.seq DESC LIMIT $7"
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .bind(&chain)
        .bind(upper)
        .bind(lower)
        .bind(person.unwrap_or_default())
        .bind(filter.kind.map_or("", Kind::as_str))
        .bind(filter.outcome.map_or("", Outcome::as_str))
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows)
}

/// A member's sign-in history in the caller's organization, with when they last signed in and
/// were last active (kept on the account, so they outlive its sessions).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberActivity {
    pub user_id: UserId,
    pub name: String,
    pub last_sign_in_at: Option<Timestamp>,
    pub last_active_at: Option<Timestamp>,
    /// Sign-ins and refused attempts, newest first.
    pub events: Vec<ActivityEvent>,
    pub next: Option<i64>,
}

/// One member's sign-in history: sign-ins, failed attempts with the reason, device and IP.
/// Owners, Admins and Auditors; `NotFound` for someone who is not a member here.
pub async fn member_activity(
    svc: &Services,
    actor: &Actor,
    user_id: &str,
    before: Option<i64>,
) -> Result<MemberActivity, Error> {
    let org = overseen_org(actor)?;
    let user = UserId::parse(user_id.trim()).ok_or(Error::NotFound)?;
    let row: Option<(String, Option<i64>, Option<i64>)> = sqlx::query_as(
        "SELECT u.name, u.last_sign_in_at, u.last_active_at FROM memberships m \
         JOIN users u ON u.id = m.user_id WHERE m.org_id = $1 AND m.user_id = $2",
    )
    .bind(org.to_string())
    .bind(user.to_string())
    .fetch_optional(svc.db.pool())
    .await?;
    let (name, last_sign_in, last_active) = row.ok_or(Error::NotFound)?;
    let filter = ActivityFilter {
        person: Some(user),
        kind: Some(Kind::SignIn),
        ..ActivityFilter::default()
    };
    let rows = read(svc, org, &filter, before, PAGE_SIZE + 1).await?;
    let more = rows.len() as i64 > PAGE_SIZE;
    let mut events = names::resolve(svc, org, rows.into_iter().take(PAGE_SIZE as usize)).await?;
    events.truncate(PAGE_SIZE as usize);
    let next = more.then(|| events.last().map(|e| e.seq)).flatten();
    Ok(MemberActivity {
        user_id: user,
        name,
        last_sign_in_at: last_sign_in.map(Timestamp::from_millis),
        last_active_at: last_active.map(Timestamp::from_millis),
        events,
        next,
    })
}

/// Checks the caller's organization's audit chain from its anchor to its head. Owners only.
pub async fn verify_audit(svc: &Services, actor: &Actor) -> Result<Verdict, Error> {
    let (org, role) = current_org(actor)?;
    require(authz::decide(Some(role), Action::VerifyAudit, None))?;
    audit::chain::verify(svc.db.pool(), &org.to_string()).await
}

/// Every chain's verdict, for the operator's `gatehouse verify-audit`: each organization by
/// name, and the events outside any organization (named `None`).
pub async fn verify_every_chain(
    svc: &Services,
) -> Result<Vec<(Option<String>, String, Verdict)>, Error> {
    let chains: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT h.chain, o.name FROM audit_chain_heads h \
         LEFT JOIN organizations o ON o.id = h.chain ORDER BY o.name, h.chain",
    )
    .fetch_all(svc.db.pool())
    .await?;
    let mut verdicts = Vec::with_capacity(chains.len());
    for (chain, name) in chains {
        let verdict = audit::chain::verify(svc.db.pool(), &chain).await?;
        verdicts.push((name, chain, verdict));
    }
    Ok(verdicts)
}
