//! What the server's operator does from the command line (`gatehouse backup`, `gatehouse admin
//! …`): a consistent copy of the embedded database, a reset link for a locked-out account, the
//! organizations and their Owners, and turning an account's MFA off.
//!
//! The operator is no account: these functions take no [`crate::Actor`] and ask `authz` nothing —
//! whoever can run the binary with the server's configuration can read its database and key
//! anyway. They go through the same paths as the web's administrators (reset links, the MFA
//! reset, session endings that reach every instance's cache on PostgreSQL), and their audit rows
//! name no actor and say `by:operator` in their target.

use std::collections::HashMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::audit::{self, Action as Audited, Event};
use crate::cache::{Change, Invalidation};
use crate::db::Backend;
use crate::error::Clash;
use crate::ids::{self, OrgId, UserId};
use crate::notices::{self, Notice};
use crate::password_resets::{self, ResetLink};
use crate::second_factor;
use crate::sessions;
use crate::users::EmailAddress;
use crate::vocab::{ClientInfo, EndReason};
use crate::{Error, Services};

/// How the command line appears on session endings and audit rows: no address, this agent.
pub fn operator_client() -> ClientInfo {
    ClientInfo::new(None, "gatehouse command line")
}

/// The files a backup wrote.
#[derive(Debug, Clone)]
pub struct Backup {
    pub database: PathBuf,
    /// Its size in bytes.
    pub database_bytes: u64,
    /// A copy of the server key, `<database>.key`.
    pub key: PathBuf,
}

/// Why a backup was not taken.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    /// PostgreSQL is backed up with its own tools (`pg_dump`).
    #[error("the database is PostgreSQL")]
    NotSqlite,
    /// A backup never replaces a file.
    #[error("{} already exists", .0.display())]
    Exists(PathBuf),
    /// The target's name is not valid UTF-8 (SQLite takes it as text).
    #[error("{} is not a UTF-8 path", .0.display())]
    NotUtf8(PathBuf),
    #[error("{}: {source}", path.display())]
    File {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Database(#[from] Error),
}

/// The key copy's name: `<database>.key` beside it.
pub fn key_path_for(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".key");
    PathBuf::from(name)
}

/// Copies the SQLite database to `target` while the server may be writing to it (`VACUUM INTO`:
/// one read transaction, so the copy is the database as of one commit, holding every write
/// acknowledged before it began), and the server key file `key_file` to `<target>.key`. Both
/// files are new (mode 0600): an existing one is never replaced. On failure nothing is left.
///
/// Errors: `NotSqlite` on PostgreSQL; `Exists` when either file exists; `File`, `Database`.
pub async fn backup_sqlite(
    svc: &Services,
    target: &Path,
    key_file: &Path,
) -> Result<Backup, BackupError> {
    if svc.db.backend() != Backend::Sqlite {
        return Err(BackupError::NotSqlite);
    }
    let name = target
        .to_str()
        .ok_or_else(|| BackupError::NotUtf8(target.to_path_buf()))?;
    let key_target = key_path_for(target);
    if let Some(taken) = [target, &key_target].into_iter().find(|path| path.exists()) {
        return Err(BackupError::Exists(taken.to_path_buf()));
    }
    let key = std::fs::read(key_file).map_err(|source| BackupError::File {
        path: key_file.to_path_buf(),
        source,
    })?;
    // Claimed empty and private first: SQLite writes into an empty file, and the name cannot be
    // taken meanwhile.
    create_new(target)?;
    let copied = sqlx::query("VACUUM INTO $1")
        .bind(name)
        .execute(svc.db.pool())
        .await;
    let key_written = match copied {
        Ok(_) => write_key(&key_target, &key),
        Err(err) => Err(Error::from(err).into()),
    };
    if let Err(err) = key_written {
        let _ = std::fs::remove_file(target);
        return Err(err);
    }
    let database_bytes = std::fs::metadata(target)
        .map_err(|source| BackupError::File {
            path: target.to_path_buf(),
            source,
        })?
        .len();
    tracing::info!(bytes = database_bytes, "database backed up");
    Ok(Backup {
        database: target.to_path_buf(),
        database_bytes,
        key: key_target,
    })
}

/// Writes the key copy; on failure after creating it, removes it again.
fn write_key(path: &Path, key: &[u8]) -> Result<(), BackupError> {
    let mut file = create_new(path)?;
    file.write_all(key)
        .and_then(|()| file.sync_all())
        .map_err(|source| {
            let _ = std::fs::remove_file(path);
            BackupError::File {
                path: path.to_path_buf(),
                source,
            }
        })
}

fn create_new(path: &Path) -> Result<File, BackupError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::AlreadyExists {
            BackupError::Exists(path.to_path_buf())
        } else {
            BackupError::File {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}

/// A one-time password reset link for the account with `email`, for the operator to hand over
/// when nobody else can (the last Owner is locked out). Unlike an administrator's link it works
/// for any account; like every link it lasts 30 minutes, works once and stops working when the
/// account changes. Audited as `user.password_reset_link_created` by the operator.
///
/// Errors: `NotFound` when no account has that email.
pub async fn create_reset_link_for(svc: &Services, email: &str) -> Result<ResetLink, Error> {
    let user = account_with(svc, email).await?;
    let link = password_resets::create_operator_link(svc, user, &operator_client()).await?;
    tracing::info!(user_id = %user, "reset link created by the operator");
    Ok(link)
}

/// What happened to an account whose MFA the operator reset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MfaResetDone {
    /// Sessions that were still active and ended.
    pub sessions_ended: u64,
    /// Whether a security notice was emailed to the account (SMTP configured, delivered).
    pub notice_sent: bool,
}

/// Turns MFA off for the account with `email` — its authenticator, backup codes and any code
/// lock go, as with an administrator's reset — and ends every session of it (reason
/// `mfa_reset`, on every instance's cache on PostgreSQL). Audited as `mfa.reset` by the operator;
/// the account is told by email when SMTP is configured.
///
/// Errors: `NotFound` when no account has that email; `Conflict(MemberHasNoMfa)` when its MFA
/// is off (nothing changes).
pub async fn reset_mfa_for(svc: &Services, email: &str) -> Result<MfaResetDone, Error> {
    let user = account_with(svc, email).await?;
    let client = operator_client();
    let now = svc.clock.now();
    let mut change = Change::begin(svc).await?;
    if !second_factor::remove_all(change.conn(), user).await? {
        return Err(Error::Conflict(Clash::MemberHasNoMfa));
    }
    let sessions_ended =
        sessions::end_all_except(&mut change, user, None, EndReason::MfaReset, &client, now)
            .await?;
    change.invalidate(Invalidation::User(user)).await?;
    let event = Event {
        action: Audited::MfaReset,
        org: None,
        actor: None,
        target: Some(format!("user:{user} by:operator")),
        client: &client,
    };
    audit::record(change.conn(), event, now).await?;
    change.commit().await?;
    tracing::info!(user_id = %user, sessions_ended, "MFA reset by the operator");
    let notice_sent = notices::send_now(svc, user, Notice::MfaResetByOperator, &client).await;
    Ok(MfaResetDone {
        sessions_ended,
        notice_sent,
    })
}

/// One organization as the operator's list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganizationSummary {
    pub id: OrgId,
    pub name: String,
    /// Active members (deactivated ones left out).
    pub members: i64,
    /// The emails of its active Owners, sorted.
    pub owners: Vec<String>,
}

/// Every organization, by name: its active members and Owners.
pub async fn list_organizations(svc: &Services) -> Result<Vec<OrganizationSummary>, Error> {
    let pool = svc.db.pool();
    let rows: Vec<(String, String, i64)> = sqlx::query_as(
        "SELECT o.id, o.name, COUNT(m.user_id) FROM organizations o \
         LEFT JOIN memberships m ON m.org_id = o.id AND m.deactivated_at IS NULL \
         GROUP BY o.id, o.name ORDER BY o.name, o.id",
    )
    .fetch_all(pool)
    .await?;
    let rows_of_owners: Vec<(String, String)> = sqlx::query_as(
        "SELECT m.org_id, u.email FROM memberships m JOIN users u ON u.id = m.user_id \
         WHERE m.role = 'owner' AND m.deactivated_at IS NULL ORDER BY m.org_id, u.email",
    )
    .fetch_all(pool)
    .await?;
    let mut owners: HashMap<String, Vec<String>> = HashMap::new();
    for (org, email) in rows_of_owners {
        owners.entry(org).or_default().push(email);
    }
    rows.into_iter()
        .map(|(id, name, members)| {
            let owners = owners.remove(&id).unwrap_or_default();
            Ok(OrganizationSummary {
                id: ids::from_db(&id, OrgId::parse)?,
                name,
                members,
                owners,
            })
        })
        .collect()
}

/// The account with `email` (compared as stored: trimmed, lower-cased).
async fn account_with(svc: &Services, email: &str) -> Result<UserId, Error> {
    let id: Option<String> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(EmailAddress::normalize(email))
        .fetch_optional(svc.db.pool())
        .await?;
    let id = id.ok_or(Error::NotFound)?;
    ids::from_db(&id, UserId::parse)
}
