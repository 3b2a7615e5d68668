//! The one place that knows which database backs the app. Everything else talks to an
//! [`sqlx::AnyPool`] with portable SQL (`$n` placeholders, TEXT ids, BIGINT millisecond times),
//! so the same store code runs on SQLite and PostgreSQL.

use std::path::PathBuf;
use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Connection, Executor, Transaction};

use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// A connection pool and the backend behind it.
#[derive(Debug, Clone)]
pub struct Db {
    pool: AnyPool,
    backend: Backend,
    url: std::sync::Arc<str>,
}

impl Db {
    /// Connects and applies pending migrations. For SQLite the file (and its folder) is created
    /// when missing and the database switched to WAL.
    pub async fn connect(url: &str) -> Result<Self, Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)
            .ok_or_else(|| Error::internal("DATABASE_URL names an unsupported database"))?;
        if backend == Backend::Sqlite {
            create_sqlite_folder(url)?;
        }
        let options = AnyConnectOptions::from_str(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    // A local file does not drop connections; skipping the ping saves a round
                    // trip to SQLite's worker thread on every query.
                    .test_before_acquire(false)
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute(
                                "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                                 PRAGMA synchronous = NORMAL;",
                            )
                            .await?;
                            Ok(())
                        })
                    })
                    .connect_with(options)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new()
                    .max_connections(16)
                    .connect_with(options)
                    .await?
            }
        };
        let db = Self {
            pool,
            backend,
            url: url.into(),
        };
        match backend {
            Backend::Sqlite => {
                db.pool.execute("PRAGMA journal_mode = WAL;").await?;
                migrate_sqlite(&db.pool).await?;
            }
            Backend::Postgres => {
                sqlx::migrate!("./migrations/postgres")
                    .run(&db.pool)
                    .await?
            }
        }
        Ok(db)
    }

    /// Like [`connect`](Self::connect), for tools that must never create a database (the
    /// command line): `None` when `url` holds no Gatehouse database yet — no SQLite file there,
    /// or a database without Gatehouse's tables — and nothing was created.
    pub async fn connect_existing(url: &str) -> Result<Option<Self>, Error> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url)
            .ok_or_else(|| Error::internal("DATABASE_URL names an unsupported database"))?;
        if backend == Backend::Sqlite && !sqlite_path(url).is_some_and(|path| path.is_file()) {
            return Ok(None);
        }
        let mut conn = AnyConnection::connect(url).await?;
        let tables: i64 = sqlx::query_scalar(match backend {
            Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'users'"
            }
            Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = 'users'"
            }
        })
        .fetch_one(&mut conn)
        .await?;
        conn.close().await?;
        if tables == 0 {
            return Ok(None);
        }
        Self::connect(url).await.map(Some)
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`), waiting under `busy_timeout` while another connection writes: a deferred
    /// transaction that reads before its first write is refused outright ("database is
    /// locked", SQLITE_BUSY_SNAPSHOT, no wait) when another connection committed in between.
    #[allow(clippy::disallowed_methods)] // the one place that may (see clippy.toml)
    pub async fn begin(&self) -> Result<Transaction<'static, Any>, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
    }

    /// The connection URL (it may hold a password: never log it).
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// The file a `sqlite:` URL names; `None` for an in-memory database.
pub fn sqlite_path(url: &str) -> Option<PathBuf> {
    let path = url.strip_prefix("sqlite:")?.trim_start_matches("//");
    let path = path.split('?').next().unwrap_or_default();
    if path.is_empty() || path == ":memory:" {
        return None;
    }
    Some(PathBuf::from(path))
}

/// Applies SQLite's pending migrations on one connection with foreign keys off: SQLite changes a
/// table's constraints by rebuilding it, and dropping the old table must not cascade into the
/// tables that reference it. The keys are checked once the migrations are done.
async fn migrate_sqlite(pool: &AnyPool) -> Result<(), Error> {
    let mut conn = pool.acquire().await?;
    conn.execute("PRAGMA foreign_keys = OFF;").await?;
    let migrated = sqlx::migrate!("./migrations/sqlite").run(&mut *conn).await;
    let dangling = sqlx::query("PRAGMA foreign_key_check;")
        .fetch_all(&mut *conn)
        .await;
    conn.execute("PRAGMA foreign_keys = ON;").await?;
    migrated?;
    if !dangling?.is_empty() {
        return Err(Error::internal(
            "a migration left rows whose foreign keys point nowhere",
        ));
    }
    Ok(())
}

fn create_sqlite_folder(url: &str) -> Result<(), Error> {
    let Some(path) = sqlite_path(url) else {
        return Ok(());
    };
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(Error::internal)?;
    }
    Ok(())
}
