//! The PostgreSQL backend (14 or newer): a pool, the migrations in `migrations/postgres/`
//! (sqlx holds an advisory lock while it applies them, so nodes started together migrate
//! once), and a start-up check of what Roster relies on.

use std::str::FromStr;

use sqlx::{
    postgres::{PgConnectOptions, PgPoolOptions},
    PgPool,
};

use std::time::Duration;

use super::{redact, DbError, PG_POOL_CONNECTIONS};

/// What `roster backup` says on PostgreSQL: the server's own tool makes consistent copies.
pub(super) const BACKUP_ADVICE: &str = "on PostgreSQL, back up with the server's own tool: \
     pg_dump --format=custom --file=roster.dump \"$ROSTER_DATABASE_URL\" (restore with \
     pg_restore --clean --dbname=\"$ROSTER_DATABASE_URL\" roster.dump); roster backup copies \
     SQLite databases only";

/// How long a connection is waited for (at start-up, while the server may still be starting,
/// and by every request after): sqlx retries a refused connection until then.
const CONNECT_WAIT: Duration = Duration::from_secs(10);

/// The oldest server version Roster is tested on (`server_version_num`).
const MIN_VERSION: i64 = 140_000;

/// Connects a pool to `url`, applies the migrations and checks the server's version and
/// encoding (UTF8, which the admin search's case folding of non-ASCII names needs).
pub(super) async fn open(url: &str) -> Result<PgPool, DbError> {
    let shown = redact(url);
    let options = PgConnectOptions::from_str(url)
        .map_err(|source| DbError::Url {
            url: shown.clone(),
            source,
        })?
        // The server's NOTICEs ("relation ... already exists, skipping" from the migrations'
        // bookkeeping) would reach the log, and the command line's output with it.
        .options([("client_min_messages", "warning")]);
    let pool = PgPoolOptions::new()
        .max_connections(PG_POOL_CONNECTIONS)
        .before_acquire(super::reusable)
        .acquire_timeout(CONNECT_WAIT)
        .connect_with(options)
        .await
        .map_err(|source| match source {
            sqlx::Error::Configuration(_) => DbError::Url {
                url: shown.clone(),
                source,
            },
            source => DbError::Open {
                url: shown.clone(),
                source,
            },
        })?;
    check(&pool).await?;
    sqlx::migrate!("./migrations/postgres").run(&pool).await?;
    Ok(pool)
}

async fn check(pool: &PgPool) -> Result<(), DbError> {
    let (version, encoding): (String, String) = sqlx::query_as(
        "SELECT current_setting('server_version_num'), pg_encoding_to_char(encoding) \
         FROM pg_database WHERE datname = current_database()",
    )
    .fetch_one(pool)
    .await
    .map_err(|e| DbError::Check(e.to_string()))?;
    let version: i64 = version.parse().unwrap_or(0);
    if version < MIN_VERSION {
        return Err(DbError::Check(format!(
            "PostgreSQL {version} is older than 14 (server_version_num {MIN_VERSION})"
        )));
    }
    if encoding != "UTF8" {
        return Err(DbError::Check(format!(
            "the database's encoding is {encoding}; Roster needs UTF8 \
             (CREATE DATABASE ... ENCODING 'UTF8')"
        )));
    }
    Ok(())
}
