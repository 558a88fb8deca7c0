//! The database: SQLite (embedded, the default) or PostgreSQL (14 or newer, for several
//! nodes), chosen by the scheme of `ROSTER_DATABASE_URL`. Both are compiled in; [`Db`] is the
//! pool of either, [`Tx`] a write transaction on either, and [`Ex`] anything a statement runs
//! on. Statements are written once as [`Query`] text with `$n` placeholders; the few fragments
//! that differ are chosen by [`Backend`].
//!
//! Migrations live in `migrations/sqlite/` and `migrations/postgres/`, one file per version in
//! each with the same version numbers (`tests/database.rs` checks). Nodes started together
//! migrate once: PostgreSQL through sqlx's advisory lock, SQLite by migrating inside one
//! `BEGIN IMMEDIATE` transaction, so a second process waits for the first and then finds
//! nothing left to do.

/// Runs `$body` with `$e` bound to the executor inside `$ex` (an [`Ex`]) and `$db` naming its
/// `sqlx::Database`, once per backend: the same text compiles against each.
macro_rules! on {
    ($ex:expr, $e:ident: $db:ident => $body:expr) => {
        match $ex {
            $crate::server::db::Ex::SqlitePool($e) => {
                type $db = ::sqlx::Sqlite;
                $body
            }
            $crate::server::db::Ex::Sqlite($e) => {
                type $db = ::sqlx::Sqlite;
                $body
            }
            $crate::server::db::Ex::PgPool($e) => {
                type $db = ::sqlx::Postgres;
                $body
            }
            $crate::server::db::Ex::Postgres($e) => {
                type $db = ::sqlx::Postgres;
                $body
            }
        }
    };
}

mod postgres;
mod query;
mod sqlite;

use std::time::Duration;

use sqlx::{PgConnection, PgPool, Postgres, Sqlite, SqliteConnection, SqlitePool};

pub use query::{query, Arg, Query, Row, Scalar};
pub use sqlite::{BUSY_TIMEOUT, MMAP_SIZE};

/// Why the database could not be opened or migrated; each message says what to do.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(
        "ROSTER_DATABASE_URL must start with sqlite: (a file, e.g. sqlite://data/roster.db) or \
         postgres:// (PostgreSQL 14 or newer, e.g. postgres://roster@127.0.0.1:5432/roster); \
         got {url:?}"
    )]
    Scheme { url: String },
    #[error("invalid database URL {url:?}: {source}")]
    Url { url: String, source: sqlx::Error },
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database {url}: {source}")]
    Open { url: String, source: sqlx::Error },
    #[error("database migration failed, nothing was served: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database check failed: {0}")]
    Check(String),
    /// The data key file does not fit the database (`store::data_keys::open`).
    #[error("{0}")]
    Keys(String),
}

/// Which database a URL names, by its scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `url`: `sqlite:` or `postgres:`/`postgresql:` (case-insensitive, as URL
    /// schemes are, RFC 3986 §3.1).
    ///
    /// Errors: `Scheme` for anything else, so a mistyped URL never becomes a file named after
    /// it.
    pub fn of_url(url: &str) -> Result<Self, DbError> {
        let scheme = url
            .split_once(':')
            .map(|(scheme, _)| scheme.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("sqlite") => Ok(Self::Sqlite),
            Some("postgres" | "postgresql") => Ok(Self::Postgres),
            _ => Err(DbError::Scheme { url: redact(url) }),
        }
    }
}

/// `url` without a password (`user:secret@` becomes `user:***@`), for messages and logs.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, tail) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}{tail}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

/// Connections in a SQLite pool, each a thread of its own in sqlx. On the 2-core bench machine
/// 4 served the admin search best (540 requests/s, p99 47 ms; 8: 508, 50 ms; 2: 334, 72 ms):
/// more threads than cores only add switches between them.
pub const POOL_CONNECTIONS: u32 = 4;

/// Connections in a PostgreSQL pool: a connection waits on the network and the server for
/// most of a statement, so more than the cores are kept busy.
pub const PG_POOL_CONNECTIONS: u32 = 10;

/// How long a process waits for another one's migration of a SQLite file at start-up.
pub const MIGRATE_WAIT: Duration = Duration::from_secs(60);

/// A pool of connections to either backend. Cloning shares the pool.
#[derive(Debug, Clone)]
pub enum Db {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// A write transaction on either backend; dropped without [`Tx::commit`], it rolls back.
#[derive(Debug)]
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// What a statement runs on: a pool (each statement on any free connection) or one connection
/// (a transaction's).
#[derive(Debug)]
pub enum Ex<'c> {
    SqlitePool(&'c SqlitePool),
    Sqlite(&'c mut SqliteConnection),
    PgPool(&'c PgPool),
    Postgres(&'c mut PgConnection),
}

impl<'c> From<&'c Db> for Ex<'c> {
    fn from(db: &'c Db) -> Self {
        match db {
            Db::Sqlite(pool) => Ex::SqlitePool(pool),
            Db::Postgres(pool) => Ex::PgPool(pool),
        }
    }
}

impl<'c> From<&'c mut Tx> for Ex<'c> {
    fn from(tx: &'c mut Tx) -> Self {
        match tx {
            Tx::Sqlite(tx) => Ex::Sqlite(tx),
            Tx::Postgres(tx) => Ex::Postgres(tx),
        }
    }
}

impl<'a, 'b> From<&'a mut Ex<'b>> for Ex<'a> {
    fn from(ex: &'a mut Ex<'b>) -> Self {
        match ex {
            Ex::SqlitePool(pool) => Ex::SqlitePool(pool),
            Ex::Sqlite(conn) => Ex::Sqlite(conn),
            Ex::PgPool(pool) => Ex::PgPool(pool),
            Ex::Postgres(conn) => Ex::Postgres(conn),
        }
    }
}

impl<'c> From<&'c SqlitePool> for Ex<'c> {
    fn from(pool: &'c SqlitePool) -> Self {
        Ex::SqlitePool(pool)
    }
}

impl<'c> From<&'c PgPool> for Ex<'c> {
    fn from(pool: &'c PgPool) -> Self {
        Ex::PgPool(pool)
    }
}

impl Db {
    /// The backend of this pool.
    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Postgres(_) => Backend::Postgres,
        }
    }

    /// The SQLite pool, when this is one (for what only SQLite has: pragmas, `VACUUM INTO`).
    pub fn sqlite(&self) -> Option<&SqlitePool> {
        match self {
            Db::Sqlite(pool) => Some(pool),
            Db::Postgres(_) => None,
        }
    }

    /// The PostgreSQL pool, when this is one (for what only PostgreSQL has: advisory locks).
    pub fn postgres(&self) -> Option<&PgPool> {
        match self {
            Db::Postgres(pool) => Some(pool),
            Db::Sqlite(_) => None,
        }
    }

    /// Connections open now and idle among them, for the `/metrics` pool gauges.
    pub fn connections(&self) -> (u32, usize) {
        match self {
            Db::Sqlite(pool) => (pool.size(), pool.num_idle()),
            Db::Postgres(pool) => (pool.size(), pool.num_idle()),
        }
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    /// Makes the transaction's writes durable and visible.
    ///
    /// Errors: the database's, e.g. a serialization failure on PostgreSQL.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(tx) => tx.commit().await,
            Tx::Postgres(tx) => tx.commit().await,
        }
    }

    /// The backend of this transaction.
    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Opens (creating if missing, on SQLite) the database at `url`, applies its backend's
/// migrations and checks the connection settings (`shared/SECURITY.md`, Data).
///
/// Errors: `Scheme` for a URL of neither backend, then whatever opening, migrating or checking
/// met; each message names the URL without its password.
pub async fn open(url: &str) -> Result<Db, DbError> {
    match Backend::of_url(url)? {
        Backend::Sqlite => sqlite::open(url).await.map(Db::Sqlite),
        Backend::Postgres => postgres::open(url).await.map(Db::Postgres),
    }
}

/// Whether an idle connection may be handed out: not when it is still inside a transaction.
///
/// A request cancelled while it waits for `BEGIN` (its client hung up, or a writer's lock kept
/// it waiting) can drop the answer after the database began the transaction and before sqlx
/// made the `Transaction` that would roll it back: the connection went back to the pool with
/// the transaction open. Handed out again, on SQLite every `BEGIN IMMEDIATE` on it failed
/// ("attempted to call begin_with at non-zero transaction depth"), a quarter of all writes
/// after one bench run; on PostgreSQL a new transaction would have become a savepoint inside
/// the stale one, its "commit" never reaching the database. Such a connection is closed
/// instead (the pool opens another). The check reads sqlx's own count, no round trip; a
/// transaction that was simply dropped was rolled back before its connection came back idle.
pub(super) fn reusable<C: sqlx::Connection>(
    conn: &mut C,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_util::future::BoxFuture<'_, Result<bool, sqlx::Error>> {
    let clean = !conn.is_in_transaction();
    if !clean {
        tracing::warn!("a pooled connection was left inside a transaction; closing it");
    }
    Box::pin(std::future::ready(Ok(clean)))
}

/// A write transaction (`shared/SECURITY.md`, Data). On SQLite it takes the write lock at its
/// start (`BEGIN IMMEDIATE`), so a write that reads first never fails on a lock upgrade; it
/// waits up to [`BUSY_TIMEOUT`] for another writer instead. On PostgreSQL it is `READ
/// COMMITTED`; a rule that reads before it writes locks what it read (`FOR UPDATE`).
///
/// Errors: `Internal` when no connection or lock could be had.
pub async fn begin_write(db: &Db) -> Result<Tx, crate::error::AppError> {
    use crate::error::OrInternal;
    match db {
        Db::Sqlite(pool) => pool
            .begin_with("BEGIN IMMEDIATE")
            .await
            .map(Tx::Sqlite)
            .or_internal(),
        Db::Postgres(pool) => pool.begin().await.map(Tx::Postgres).or_internal(),
    }
}

/// Writes a consistent copy of the live database to `path` (SQLite: `VACUUM INTO`, then
/// checked). Returns the copy's size in bytes.
///
/// Errors (as a message): `path` exists, the copy or its check fails, or the database is
/// PostgreSQL, whose copies `pg_dump` makes (the message says how).
pub async fn backup(db: &Db, path: &std::path::Path) -> Result<u64, String> {
    match db {
        Db::Sqlite(pool) => sqlite::backup(pool, path).await,
        Db::Postgres(_) => Err(postgres::BACKUP_ADVICE.to_string()),
    }
}

/// Before the pool closes at shutdown (SQLite: `PRAGMA optimize` and a WAL checkpoint, so the
/// file alone is complete; PostgreSQL: nothing). Failures are logged only.
pub async fn checkpoint_and_optimize(db: &Db) {
    if let Db::Sqlite(pool) = db {
        sqlite::checkpoint_and_optimize(pool).await;
    }
}

/// True when `err` is a violation of a UNIQUE constraint.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scheme_chooses_the_backend_and_nothing_else_passes() {
        assert_eq!(
            Backend::of_url("sqlite://data/r.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(Backend::of_url("sqlite::memory:").unwrap(), Backend::Sqlite);
        assert_eq!(Backend::of_url("SQLite:r.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::of_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db").unwrap(),
            Backend::Postgres
        );
        for bad in [
            "data/roster.db",
            "mysql://u@h/db",
            "postgre://h/db",
            "",
            "sqlit:r.db",
        ] {
            let err = Backend::of_url(bad).unwrap_err().to_string();
            assert!(err.contains("must start with sqlite:"), "{bad}: {err}");
        }
        let err = Backend::of_url("mysql://me:hunter2@h/db")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("hunter2") && err.contains("me:***@h"),
            "{err}"
        );
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact("postgres://u:pw@h:5432/db"),
            "postgres://u:***@h:5432/db"
        );
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(redact("sqlite://data/r.db"), "sqlite://data/r.db");
    }
}
