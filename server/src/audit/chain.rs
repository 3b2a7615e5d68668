//! Tamper evidence: each organization's events form one hash chain. Every row holds its place
//! (`seq`, from 1), the previous row's hash and its own: SHA-256 over its content and that
//! previous hash. The chain's head (`audit_chain_heads`) holds the last link; appending takes
//! its row lock, so writers on several instances append one after another and the chain stays
//! linear. Verification walks the chain from its anchor (where the retention purge or the
//! migration that introduced the chain left it) to the head and names the first broken link.

use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, AnyPool, Connection, FromRow};

use crate::Error;
use crate::clock::Timestamp;
use crate::db::Db;

/// The content of one row that its hash covers.
#[derive(Debug, Clone, FromRow)]
pub(crate) struct Link {
    pub id: String,
    pub chain: String,
    pub seq: i64,
    pub org_id: Option<String>,
    pub actor_type: Option<String>,
    pub actor_id: Option<String>,
    pub subject_id: Option<String>,
    pub action: String,
    pub kind: String,
    pub outcome: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: i64,
}

impl Link {
    /// SHA-256 over every field, each length-prefixed (an absent one marked apart from an empty
    /// one), then the previous link's hash.
    pub(crate) fn hash(&self, prev_hash: &str) -> String {
        let mut digest = Sha256::new();
        let mut field = |value: Option<&str>| match value {
            None => digest.update(b"-"),
            Some(text) => {
                digest.update(format!("{}:", text.len()).as_bytes());
                digest.update(text.as_bytes());
            }
        };
        field(Some("gatehouse-audit-v1"));
        field(Some(&self.id));
        field(Some(&self.chain));
        field(Some(&self.seq.to_string()));
        field(self.org_id.as_deref());
        field(self.actor_type.as_deref());
        field(self.actor_id.as_deref());
        field(self.subject_id.as_deref());
        field(Some(&self.action));
        field(Some(&self.kind));
        field(Some(&self.outcome));
        field(self.target.as_deref());
        field(self.ip.as_deref());
        field(self.user_agent.as_deref());
        field(Some(&self.created_at.to_string()));
        field(Some(prev_hash));
        crate::tokens::hex(&digest.finalize())
    }
}

/// Appends `link` (its `seq` is assigned here) to its chain. Inside the caller's transaction
/// when there is one (a savepoint), else in its own: the head's lock is held until the
/// surrounding transaction ends, so no other writer can take the same place.
pub(crate) async fn append(conn: &mut AnyConnection, mut link: Link) -> Result<(), Error> {
    let mut tx = conn.begin().await?;
    let (seq, prev_hash): (i64, String) = sqlx::query_as(
        "INSERT INTO audit_chain_heads (chain, seq, hash, anchor_seq, anchor_hash) \
         VALUES ($1, 1, '', 0, '') \
         ON CONFLICT (chain) DO UPDATE SET seq = audit_chain_heads.seq + 1 \
         RETURNING seq, hash",
    )
    .bind(&link.chain)
    .fetch_one(&mut *tx)
    .await?;
    link.seq = seq;
    // Time never runs backwards along a chain: instances' clocks differ a little, and a day
    // range finds its ends by time through the chain's order (see `activity::read`).
    let previous: Option<i64> =
        sqlx::query_scalar("SELECT created_at FROM audit_events WHERE chain = $1 AND seq = $2")
            .bind(&link.chain)
            .bind(seq - 1)
            .fetch_optional(&mut *tx)
            .await?;
    link.created_at = link.created_at.max(previous.unwrap_or(i64::MIN));
    let hash = link.hash(&prev_hash);
    sqlx::query(
        "INSERT INTO audit_events (id, chain, seq, prev_hash, hash, org_id, actor_type, actor_id, \
             subject_id, action, kind, outcome, target, ip, user_agent, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&link.id)
    .bind(&link.chain)
    .bind(seq)
    .bind(&prev_hash)
    .bind(&hash)
    .bind(&link.org_id)
    .bind(&link.actor_type)
    .bind(&link.actor_id)
    .bind(&link.subject_id)
    .bind(&link.action)
    .bind(&link.kind)
    .bind(&link.outcome)
    .bind(&link.target)
    .bind(&link.ip)
    .bind(&link.user_agent)
    .bind(link.created_at)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE audit_chain_heads SET hash = $1 WHERE chain = $2")
        .bind(&hash)
        .bind(&link.chain)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// What verification found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every link from the anchor to the head holds.
    Intact {
        /// Links checked.
        checked: u64,
    },
    /// The first link that does not hold.
    Broken(BrokenLink),
}

/// Where a chain breaks and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    /// The place in the chain where it breaks.
    pub seq: i64,
    /// The row found there, if any.
    pub event_id: Option<String>,
    pub problem: Problem,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The row's content no longer matches its hash: it was edited.
    Altered,
    /// The row does not follow the one before it: a row before it was removed or replaced.
    Unlinked,
    /// No row holds this place: it was removed.
    Missing,
    /// A row without a place in the chain, or a second row in one place: it was inserted.
    Inserted,
}

impl Problem {
    pub fn as_str(self) -> &'static str {
        match self {
            Problem::Altered => "altered",
            Problem::Unlinked => "unlinked",
            Problem::Missing => "missing",
            Problem::Inserted => "inserted",
        }
    }
}

/// Rows read per query while walking a chain: memory stays flat however long it is.
const BATCH: i64 = 2000;

/// Walks chain `chain` ('' for events outside any organization) from its anchor to its head.
pub(crate) async fn verify(pool: &AnyPool, chain: &str) -> Result<Verdict, Error> {
    let head: Option<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT seq, hash, anchor_seq, anchor_hash FROM audit_chain_heads WHERE chain = $1",
    )
    .bind(chain)
    .fetch_optional(pool)
    .await?;
    let (head_seq, head_hash, anchor_seq, anchor_hash) =
        head.unwrap_or((0, String::new(), 0, String::new()));
    let mut expected_seq = anchor_seq + 1;
    let mut prev = anchor_hash;
    let mut checked = 0u64;
    loop {
        let rows = read_batch(pool, chain, expected_seq - 1, head_seq).await?;
        let done = (rows.len() as i64) < BATCH;
        for (link, prev_hash, hash) in rows {
            let broken = |problem| {
                Ok(Verdict::Broken(BrokenLink {
                    seq: link.seq,
                    event_id: Some(link.id.clone()),
                    problem,
                }))
            };
            if link.seq != expected_seq {
                // A gap: the place expected holds nothing.
                return Ok(Verdict::Broken(BrokenLink {
                    seq: expected_seq,
                    event_id: None,
                    problem: Problem::Missing,
                }));
            }
            if prev_hash.as_deref() != Some(prev.as_str()) {
                return broken(Problem::Unlinked);
            }
            let recomputed = link.hash(&prev);
            if hash.as_deref() != Some(recomputed.as_str()) {
                return broken(Problem::Altered);
            }
            prev = recomputed;
            expected_seq += 1;
            checked += 1;
        }
        if done {
            break;
        }
    }
    // Rows outside the numbered chain, or past its head, were put there by hand. The head is
    // read again: events appended meanwhile are past the one read first, and legitimate.
    let stray: Option<(Option<i64>, String)> = sqlx::query_as(
        "SELECT seq, id FROM audit_events WHERE chain = $1 AND (seq IS NULL OR seq > \
             (SELECT COALESCE(MAX(seq), 0) FROM audit_chain_heads WHERE chain = $1)) \
         ORDER BY seq LIMIT 1",
    )
    .bind(chain)
    .fetch_optional(pool)
    .await?;
    if let Some((seq, id)) = stray {
        return Ok(Verdict::Broken(BrokenLink {
            seq: seq.unwrap_or(0),
            event_id: Some(id),
            problem: Problem::Inserted,
        }));
    }
    if expected_seq <= head_seq {
        // The last rows are gone: the head remembers them.
        return Ok(Verdict::Broken(BrokenLink {
            seq: expected_seq,
            event_id: None,
            problem: Problem::Missing,
        }));
    }
    if head_seq > anchor_seq && prev != head_hash {
        return Ok(Verdict::Broken(BrokenLink {
            seq: head_seq,
            event_id: None,
            problem: Problem::Unlinked,
        }));
    }
    Ok(Verdict::Intact { checked })
}

async fn read_batch(
    pool: &AnyPool,
    chain: &str,
    after: i64,
    through: i64,
) -> Result<Vec<(Link, Option<String>, Option<String>)>, Error> {
    #[derive(FromRow)]
    struct Row {
        #[sqlx(flatten)]
        link: Link,
        prev_hash: Option<String>,
        hash: Option<String>,
    }
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, chain, seq, org_id, actor_type, actor_id, subject_id, action, kind, outcome, \
             target, ip, user_agent, created_at, prev_hash, hash \
         FROM audit_events WHERE chain = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4",
    )
    .bind(chain)
    .bind(after)
    .bind(through)
    .bind(BATCH)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.link, row.prev_hash, row.hash))
        .collect())
}

/// Removes each chain's events up to the last one at or before `before`, and moves the chain's
/// anchor past them so verification starts where the log now does; how many were removed.
pub(crate) async fn purge(db: &Db, before: Timestamp) -> Result<u64, Error> {
    let ends: Vec<(String, i64)> = sqlx::query_as(
        "SELECT chain, MAX(seq) FROM audit_events WHERE created_at <= $1 AND seq IS NOT NULL \
         GROUP BY chain",
    )
    .bind(before.as_millis())
    .fetch_all(db.pool())
    .await?;
    let mut removed = 0;
    for (chain, last) in ends {
        let mut tx = db.begin().await?;
        let hash: Option<Option<String>> =
            sqlx::query_scalar("SELECT hash FROM audit_events WHERE chain = $1 AND seq = $2")
                .bind(&chain)
                .bind(last)
                .fetch_optional(&mut *tx)
                .await?;
        // Rows from before the chain existed carry no hash; the anchor's stays as it was.
        if let Some(Some(hash)) = hash {
            sqlx::query(
                "UPDATE audit_chain_heads SET anchor_seq = $1, anchor_hash = $2 \
                 WHERE chain = $3 AND anchor_seq < $1",
            )
            .bind(last)
            .bind(hash)
            .bind(&chain)
            .execute(&mut *tx)
            .await?;
        } else {
            sqlx::query(
                "UPDATE audit_chain_heads SET anchor_seq = $1 WHERE chain = $2 AND anchor_seq < $1",
            )
            .bind(last)
            .bind(&chain)
            .execute(&mut *tx)
            .await?;
        }
        let done = sqlx::query("DELETE FROM audit_events WHERE chain = $1 AND seq <= $2")
            .bind(&chain)
            .bind(last)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        removed += done.rows_affected();
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link() -> Link {
        Link {
            id: "e1".into(),
            chain: "org".into(),
            seq: 1,
            org_id: Some("org".into()),
            actor_type: Some("user".into()),
            actor_id: Some("u1".into()),
            subject_id: None,
            action: "member.removed".into(),
            kind: "members".into(),
            outcome: "succeeded".into(),
            target: Some("user:u2".into()),
            ip: None,
            user_agent: Some(String::new()),
            created_at: 1,
        }
    }

    #[test]
    fn every_field_and_the_previous_hash_change_the_hash() {
        let base = link().hash("");
        assert_eq!(base.len(), 64);
        assert_eq!(base, link().hash(""), "deterministic");
        assert_ne!(base, link().hash("x"));
        let mut edited = link();
        edited.target = Some("user:u3".into());
        assert_ne!(base, edited.hash(""));
        // Absent and empty differ; moving text between fields changes the hash.
        let mut absent = link();
        absent.user_agent = None;
        assert_ne!(base, absent.hash(""));
        let mut shifted = link();
        shifted.actor_id = Some("u1u".into());
        shifted.subject_id = None;
        let mut other = link();
        other.actor_id = Some("u1".into());
        other.subject_id = Some("u".into());
        assert_ne!(shifted.hash(""), other.hash(""));
    }
}
