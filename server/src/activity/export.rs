//! Activity export as CSV or JSON Lines. The caller pulls chunks of `BATCH` events, read by
//! keyset like the screen's pages, so memory stays flat however many events match. Starting an
//! export is itself an audit event.

use super::{ActivityEvent, ActivityFilter, EventActor, overseen_org, read};
use crate::audit::{self, Action as Audited, Event};
use crate::ids::OrgId;
use crate::vocab::Actor;
use crate::{Error, Services};

/// Events read per chunk.
const BATCH: i64 = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    JsonLines,
}

impl ExportFormat {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "csv" => Some(ExportFormat::Csv),
            "jsonl" => Some(ExportFormat::JsonLines),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::JsonLines => "application/jsonl; charset=utf-8",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::JsonLines => "jsonl",
        }
    }
}

/// The columns of the CSV export, in order (JSON Lines uses the same names).
pub const COLUMNS: [&str; 17] = [
    "time",
    "seq",
    "event_id",
    "actor_type",
    "actor_id",
    "actor_name",
    "action",
    "kind",
    "outcome",
    "target",
    "target_name",
    "subject_id",
    "subject_name",
    "ip",
    "user_agent",
    "hash",
    "prev_hash",
];

/// An export under way: call [`next_chunk`](Self::next_chunk) until it answers `None`.
pub struct ActivityExport {
    svc: Services,
    org: OrgId,
    filter: ActivityFilter,
    format: ExportFormat,
    cursor: Option<i64>,
    started: bool,
    finished: bool,
}

/// Starts exporting the caller's organization's events that match `filter`, newest first.
/// Owners, Admins and Auditors; the export is audited before the first byte.
pub async fn export_activity(
    svc: &Services,
    actor: &Actor,
    filter: ActivityFilter,
    format: ExportFormat,
) -> Result<ActivityExport, Error> {
    let org = overseen_org(actor)?;
    let mut conn = svc.db.pool().acquire().await?;
    let event = Event {
        action: Audited::ActivityExported,
        org: Some(org),
        actor: Some(actor.user_id),
        target: Some(format!("export:{}", format.extension())),
        client: &actor.client,
    };
    audit::record(&mut conn, event, svc.clock.now()).await?;
    Ok(ActivityExport {
        svc: svc.clone(),
        org,
        filter,
        format,
        cursor: None,
        started: false,
        finished: false,
    })
}

impl ActivityExport {
    pub fn format(&self) -> ExportFormat {
        self.format
    }

    /// The next piece of the file; `None` once everything was given.
    pub async fn next_chunk(&mut self) -> Result<Option<String>, Error> {
        if self.finished {
            return Ok(None);
        }
        let mut out = String::new();
        if !self.started {
            self.started = true;
            if self.format == ExportFormat::Csv {
                out.push_str(&COLUMNS.join(","));
                out.push_str("\r\n");
            }
        }
        let rows = read(&self.svc, self.org, &self.filter, self.cursor, BATCH).await?;
        if (rows.len() as i64) < BATCH {
            self.finished = true;
        }
        self.cursor = rows.last().map(|row| row.seq).or(self.cursor);
        let events = super::names::resolve(&self.svc, self.org, rows).await?;
        for event in &events {
            let fields = fields(event);
            match self.format {
                ExportFormat::Csv => {
                    let cells: Vec<String> =
                        fields.iter().map(|f| csv_cell(f.as_deref())).collect();
                    out.push_str(&cells.join(","));
                    out.push_str("\r\n");
                }
                ExportFormat::JsonLines => {
                    let mut object = serde_json::Map::new();
                    for (name, value) in COLUMNS.iter().zip(fields) {
                        let value = match (*name, value) {
                            ("seq", Some(seq)) => seq
                                .parse::<i64>()
                                .map_or(serde_json::Value::Null, serde_json::Value::from),
                            (_, Some(text)) => serde_json::Value::String(text),
                            (_, None) => serde_json::Value::Null,
                        };
                        object.insert((*name).to_string(), value);
                    }
                    out.push_str(&serde_json::Value::Object(object).to_string());
                    out.push('\n');
                }
            }
        }
        Ok(Some(out))
    }
}

/// One event's values in [`COLUMNS`] order.
fn fields(event: &ActivityEvent) -> Vec<Option<String>> {
    let (actor_type, actor_id, actor_name) = match &event.actor {
        EventActor::Person { id, name } => (Some("user"), Some(id.clone()), name.clone()),
        EventActor::ServiceAccount { id, name } => {
            (Some("service_account"), Some(id.clone()), name.clone())
        }
        EventActor::System => (Some("system"), None, None),
    };
    let (subject_id, subject_name) = match &event.subject {
        Some((id, name)) => (Some(id.clone()), name.clone()),
        None => (None, None),
    };
    vec![
        Some(event.at.to_rfc3339()),
        Some(event.seq.to_string()),
        Some(event.id.clone()),
        actor_type.map(str::to_string),
        actor_id,
        actor_name,
        Some(event.action.clone()),
        Some(event.kind.clone()),
        Some(event.outcome.clone()),
        event.target.clone(),
        event.target_name.clone(),
        subject_id,
        subject_name,
        event.ip.clone(),
        event.user_agent.clone(),
        event.hash.clone(),
        event.prev_hash.clone(),
    ]
}

/// A CSV cell: quoted when it holds a comma, quote or line break; a leading `=`, `+`, `-`, `@`
/// or tab gets a `'` first so a spreadsheet never runs a name or user agent as a formula.
fn csv_cell(value: Option<&str>) -> String {
    let Some(text) = value else {
        return String::new();
    };
    let text = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_and_never_formulas() {
        assert_eq!(csv_cell(None), "");
        assert_eq!(csv_cell(Some("plain")), "plain");
        assert_eq!(csv_cell(Some("a,b")), "\"a,b\"");
        assert_eq!(csv_cell(Some("say \"hi\"")), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell(Some("=HYPERLINK(1)")), "'=HYPERLINK(1)");
        assert_eq!(csv_cell(Some("-1,2")), "\"'-1,2\"");
    }
}
