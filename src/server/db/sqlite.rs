//! The SQLite backend: connection options, migrations, and a start-up check of the pragmas
//! that durability and concurrency depend on (`shared/SECURITY.md`, Data).

use std::{str::FromStr, time::Duration};

use sqlx::{
    sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous},
    Connection, SqlitePool,
};

use super::{DbError, MIGRATE_WAIT, POOL_CONNECTIONS};

/// How long a connection waits for another writer's lock before failing, in the
/// `busy_timeout` pragma.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// How much of the database file each connection reads through a memory map
/// (`PRAGMA mmap_size`), in bytes: pages are read in place from the OS page cache instead of
/// being copied into every connection's own page cache. The map is shared by all connections;
/// writes still go through the WAL.
pub const MMAP_SIZE: u64 = 256 * 1024 * 1024;

/// Opens (creating if missing) the database at `url`, sets WAL, `busy_timeout`,
/// `foreign_keys=ON` and `synchronous=NORMAL` on every connection, applies the migrations in
/// `migrations/sqlite/` ([`migrate`]), and checks the pragmas took.
pub(super) async fn open(url: &str) -> Result<SqlitePool, DbError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|source| DbError::Url {
            url: url.to_string(),
            source,
        })?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .foreign_keys(true)
        .busy_timeout(BUSY_TIMEOUT)
        .pragma("mmap_size", MMAP_SIZE.to_string());

    let filename = options.get_filename();
    if let Some(parent) = filename.parent() {
        if !parent.as_os_str().is_empty() && filename.to_str() != Some(":memory:") {
            std::fs::create_dir_all(parent).map_err(|source| DbError::Folder {
                path: parent.display().to_string(),
                source,
            })?;
        }
    }

    // Every connection reports the auth changes it commits to the authentication cache.
    let committed = crate::server::auth_cache::committed_for(filename);
    let deadline = std::time::Instant::now() + MIGRATE_WAIT;
    loop {
        let committed = committed.clone();
        let pool = SqlitePoolOptions::new()
            .max_connections(POOL_CONNECTIONS)
            .before_acquire(super::reusable)
            .after_connect(move |conn, _| {
                let committed = committed.clone();
                Box::pin(async move {
                    let mut handle = conn.lock_handle().await?;
                    crate::server::auth_cache::watch_connection(&mut handle, committed);
                    Ok(())
                })
            })
            .connect_with(options.clone())
            .await
            .map_err(|source| DbError::Open {
                url: url.to_string(),
                source,
            });
        let migrated = match pool {
            Ok(pool) => migrate(&pool, url).await.map(|()| pool),
            Err(e) => Err(e),
        };
        match migrated {
            Ok(pool) => {
                check_pragmas(&pool).await?;
                return Ok(pool);
            }
            // Another process is making or migrating the same new file: wait for it.
            Err(DbError::Open { source, .. }) if is_busy(&source) => {
                if std::time::Instant::now() >= deadline {
                    return Err(DbError::Open {
                        url: url.to_string(),
                        source,
                    });
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// True for `SQLITE_BUSY` and its extended codes (`BUSY_RECOVERY`, `BUSY_SNAPSHOT`, ...),
/// which SQLite returns without calling the busy handler in some cases: switching a new file
/// to WAL while another process holds a lock on it is one (seen with four `roster migrate`
/// processes started at once on one new file).
fn is_busy(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => db
            .code()
            .and_then(|code| code.parse::<i32>().ok())
            .is_some_and(|code| code & 0xff == 5),
        _ => false,
    }
}

/// Applies the migrations embedded from `migrations/sqlite/`, all inside one `BEGIN IMMEDIATE`
/// transaction whose connection waits up to [`MIGRATE_WAIT`] for the write lock: of processes
/// started together on one file, the first migrates and the others wait, then find every
/// version applied (sqlx's migrator takes no lock on SQLite, so two processes would both
/// create the first version's tables). Each version is a savepoint of that transaction, so a
/// failed one leaves the database as it was before any of them.
async fn migrate(pool: &SqlitePool, url: &str) -> Result<(), DbError> {
    let open_error = |source| DbError::Open {
        url: url.to_string(),
        source,
    };
    let mut conn = pool.acquire().await.map_err(open_error)?;
    let wait = format!("PRAGMA busy_timeout = {}", MIGRATE_WAIT.as_millis());
    sqlx::query(&wait)
        .execute(&mut *conn)
        .await
        .map_err(open_error)?;
    let mut tx = conn
        .begin_with("BEGIN IMMEDIATE")
        .await
        .map_err(open_error)?;
    sqlx::migrate!("./migrations/sqlite").run(&mut *tx).await?;
    tx.commit().await.map_err(open_error)?;
    let usual = format!("PRAGMA busy_timeout = {}", BUSY_TIMEOUT.as_millis());
    sqlx::query(&usual)
        .execute(&mut *conn)
        .await
        .map_err(open_error)?;
    Ok(())
}

/// Reads back the pragmas and fails if any is not what [`open`] set.
pub(super) async fn check_pragmas(pool: &SqlitePool) -> Result<(), DbError> {
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| DbError::Check(e.to_string()))?;
    let mut read = async |pragma: &str| -> Result<String, DbError> {
        use sqlx::Row;
        let row = sqlx::query(&format!("PRAGMA {pragma}"))
            .fetch_one(&mut *conn)
            .await
            .map_err(|e| DbError::Check(format!("{pragma}: {e}")))?;
        row.try_get::<String, _>(0)
            .or_else(|_| row.try_get::<i64, _>(0).map(|n| n.to_string()))
            .map_err(|e| DbError::Check(format!("{pragma}: {e}")))
    };
    let expect = [
        ("journal_mode", "wal"),
        ("foreign_keys", "1"),
        ("synchronous", "1"),
        ("busy_timeout", "5000"),
    ];
    for (pragma, wanted) in expect {
        let got = read(pragma).await?;
        if !got.eq_ignore_ascii_case(wanted) {
            return Err(DbError::Check(format!(
                "PRAGMA {pragma} is {got}, expected {wanted}"
            )));
        }
    }
    Ok(())
}

/// Writes a consistent copy of the live database to `path` with `VACUUM INTO` (a snapshot
/// read inside one transaction, so writers carry on meanwhile), then checks the copy with
/// `PRAGMA integrity_check`. Returns the copy's size in bytes. To restore: stop the server,
/// replace the database file with the copy (removing its `-wal` and `-shm` files), start it.
///
/// Errors (as a message): `path` exists already, the copy fails, or the check does not say `ok`.
pub(super) async fn backup(pool: &SqlitePool, path: &std::path::Path) -> Result<u64, String> {
    if path.exists() {
        return Err(format!("{} exists; choose a new file", path.display()));
    }
    let target = path
        .to_str()
        .ok_or_else(|| format!("{} is not valid UTF-8", path.display()))?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(pool)
        .await
        .map_err(|e| format!("backup to {target} failed: {e}"))?;
    let copy = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(path).read_only(true))
        .await
        .map_err(|e| format!("cannot open the copy {target}: {e}"))?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy)
        .await
        .map_err(|e| format!("cannot check the copy {target}: {e}"))?;
    copy.close().await;
    if verdict != "ok" {
        return Err(format!(
            "the copy {target} failed its integrity check: {verdict}"
        ));
    }
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("cannot read the copy {target}: {e}"))
}

/// Before the pool closes at shutdown: lets SQLite refresh its query planner statistics
/// (`PRAGMA optimize`) and folds the write-ahead log back into the database file
/// (`wal_checkpoint(TRUNCATE)`), so the file alone is complete. Failures are logged only.
pub(super) async fn checkpoint_and_optimize(pool: &SqlitePool) {
    for pragma in ["PRAGMA optimize", "PRAGMA wal_checkpoint(TRUNCATE)"] {
        if let Err(e) = sqlx::query(pragma).execute(pool).await {
            tracing::warn!(error = %e, pragma, "shutdown housekeeping failed");
        }
    }
}
