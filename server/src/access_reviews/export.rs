//! A review as CSV, for the compliance folder: one line per person with the facts the review
//! started from, the decision, who made it and when, and on every line the review's own start
//! and completion. Cells a spreadsheet would run as a formula are quoted as text.

use super::{ITEMS_PAGE_SIZE, Review, ReviewItem, Show, require_view, store};
use crate::clock::Timestamp;
use crate::ids::AccessReviewId;
use crate::vocab::Actor;
use crate::{Error, Services};

/// A review as a CSV file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewExport {
    /// `access-review-<started date>-<id>.csv`.
    pub file_name: String,
    pub csv: String,
}

const HEADER: [&str; 19] = [
    "review_id",
    "review_started_at",
    "review_started_by",
    "review_completed_at",
    "review_completed_by",
    "name",
    "email",
    "role",
    "last_sign_in_at",
    "mfa",
    "privileged",
    "inactive",
    "mfa_missing",
    "projects",
    "teams",
    "decision",
    "new_role",
    "decided_by",
    "decided_at",
];

/// One review of the caller's organization as CSV, in progress or completed. Owners, Admins and
/// Auditors may call it.
///
/// Errors: `NotFound` for an id that is not a review of the caller's organization.
pub async fn export_access_review(
    svc: &Services,
    actor: &Actor,
    review_id: &str,
) -> Result<ReviewExport, Error> {
    let org = require_view(actor)?;
    let id = AccessReviewId::parse(review_id).ok_or(Error::NotFound)?;
    let mut conn = svc.db.pool().acquire().await?;
    let review = store::review(&mut conn, org, id).await?;
    let mut csv = line(HEADER.iter().map(|h| h.to_string()));
    let mut offset = 0;
    loop {
        let items = store::items(&mut conn, org, id, Show::All, ITEMS_PAGE_SIZE, offset).await?;
        for item in &items {
            csv.push_str(&line(cells(&review, item)));
        }
        if i64::try_from(items.len()).unwrap_or(0) < ITEMS_PAGE_SIZE {
            break;
        }
        offset += ITEMS_PAGE_SIZE;
    }
    let day = review.started_at.to_rfc3339();
    Ok(ReviewExport {
        file_name: format!("access-review-{}-{id}.csv", &day[..10.min(day.len())]),
        csv,
    })
}

fn cells(review: &Review, item: &ReviewItem) -> Vec<String> {
    let when = |at: Option<Timestamp>| at.map(Timestamp::to_rfc3339).unwrap_or_default();
    let who = |name: Option<&str>| name.unwrap_or_default().to_string();
    let flag = |on: bool| if on { "yes" } else { "no" }.to_string();
    let projects = item
        .projects
        .iter()
        .map(|p| {
            let via = p
                .team
                .as_ref()
                .map(|t| format!(" via team {t}"))
                .unwrap_or_default();
            let archived = if p.archived { ", archived" } else { "" };
            format!("{} ({}{via}{archived})", p.name, p.role)
        })
        .collect::<Vec<_>>()
        .join("; ");
    let teams = item
        .teams
        .iter()
        .map(|t| t.name.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    vec![
        review.id.to_string(),
        when(Some(review.started_at)),
        who(review.started_by.as_ref().map(|r| r.name.as_str())),
        when(review.completed_at),
        who(review.completed_by.as_ref().map(|r| r.name.as_str())),
        item.name.clone(),
        item.email.clone(),
        item.role.as_str().to_string(),
        when(item.last_sign_in_at),
        if item.mfa_enabled { "on" } else { "off" }.to_string(),
        flag(item.privileged),
        flag(item.inactive),
        flag(item.mfa_missing),
        projects,
        teams,
        item.decision
            .map(|d| d.as_str())
            .unwrap_or_default()
            .to_string(),
        item.new_role
            .map(|r| r.as_str())
            .unwrap_or_default()
            .to_string(),
        who(item.decided_by.as_ref().map(|r| r.name.as_str())),
        when(item.decided_at),
    ]
}

/// One CSV line (RFC 4180, CRLF).
fn line(cells: impl IntoIterator<Item = String>) -> String {
    let mut out = cells
        .into_iter()
        .map(|c| cell(&c))
        .collect::<Vec<_>>()
        .join(",");
    out.push_str("\r\n");
    out
}

/// A cell quoted when it must be; text a spreadsheet would evaluate (`=`, `+`, `-`, `@`, tab,
/// carriage return first) gets a leading apostrophe.
fn cell(text: &str) -> String {
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
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("Ada"), "Ada");
        assert_eq!(cell("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-1"), "'-1");
        assert_eq!(line(["a".into(), "b\nc".into()]), "a,\"b\nc\"\r\n");
    }
}
