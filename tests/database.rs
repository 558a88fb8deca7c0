//! Opening the database: created on first start, pragmas set, migrations applied or refused.

use roster::server::db::{self, Db};
use sqlx::SqlitePool;

/// The SQLite pool `db::open` made of a `sqlite:` URL.
fn sqlite(db: Db) -> SqlitePool {
    db.sqlite().expect("a sqlite: URL opens SQLite").clone()
}

/// A fresh database file in a temporary folder (kept alive by the returned guard).
async fn fresh_db() -> (SqlitePool, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let pool = db::open(&format!("sqlite://{}", dir.path().join("r.db").display()))
        .await
        .unwrap();
    (sqlite(pool), dir)
}

#[tokio::test]
async fn first_start_creates_the_folder_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/data/roster.db");

    let pool = sqlite(
        db::open(&format!("sqlite://{}", file.display()))
            .await
            .unwrap(),
    );

    assert!(file.exists());
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(&pool)
            .await
            .unwrap();
    for table in ["profiles", "tower_sessions", "users"] {
        assert!(
            tables.iter().any(|t| t == table),
            "{table} missing: {tables:?}"
        );
    }
}

#[tokio::test]
async fn pragmas_are_set_on_every_connection() {
    let (pool, _dir) = fresh_db().await;

    // Several connections at once, so more than one is opened and each is checked.
    let mut conns = Vec::new();
    for _ in 0..3 {
        conns.push(pool.acquire().await.unwrap());
    }
    for conn in conns.iter_mut() {
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        let busy: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), fk, sync, busy), ("wal", 1, 1, 5000));
    }
}

#[tokio::test]
async fn a_failed_migration_stops_start_up_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("r.db").display());
    {
        // A database someone else made, with a clashing `users` table and no migration record.
        let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc"))
            .await
            .unwrap();
        sqlx::query("CREATE TABLE users (name TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }

    let err = db::open(&url).await.unwrap_err();

    let message = err.to_string();
    assert!(
        message.starts_with("database migration failed, nothing was served"),
        "{message}"
    );
}

#[tokio::test]
async fn email_is_unique_in_the_schema_too() {
    let (pool, _dir) = fresh_db().await;
    let insert = "INSERT INTO users (email, password_hash, created_at, updated_at) \
                  VALUES ('ann@example.org', 'x', 0, 0)";

    sqlx::query(insert).execute(&pool).await.unwrap();
    let err = sqlx::query(insert).execute(&pool).await.unwrap_err();

    assert!(db::is_unique_violation(&err));
}

/// The admin search index is rebuilt into one b-tree by bounded steps; what it finds is the
/// same before and after, and a second merge finds nothing to do.
#[tokio::test]
async fn the_search_index_merges_into_one_b_tree_and_finds_the_same_users() {
    let (pool, _dir) = fresh_db().await;
    // One transaction per user, as sign-ups write: one index segment each, partly merged.
    for i in 0..40 {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO users (email, password_hash, created_at, updated_at) \
             VALUES ($1, 'x', 0, 0) RETURNING id",
        )
        .bind(format!("person-{i}@example.org"))
        .fetch_one(&pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO profiles (user_id, display_name, updated_at) VALUES ($1, $2, 0)")
            .bind(id)
            .bind(format!("Person {i}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    let find = |q: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT rowid FROM user_search WHERE user_search MATCH $1 ORDER BY rowid",
            )
            .bind(q)
            .fetch_all(&pool)
            .await
            .unwrap()
        }
    };
    let before = (find("\"person-1\"").await, find("\"son 3\"").await);
    assert_eq!(before.0.len(), 11, "person-1 and person-10..19");

    let steps = roster::store::user_list::merge_search_index(&Db::Sqlite(pool.clone()))
        .await
        .unwrap();
    assert!(steps > 0, "40 segments were left to merge");
    assert_eq!(
        (find("\"person-1\"").await, find("\"son 3\"").await),
        before
    );
    assert_eq!(
        roster::store::user_list::merge_search_index(&Db::Sqlite(pool.clone()))
            .await
            .unwrap(),
        0
    );
}

/// Both backends' migrations have the same versions, one file each, so a schema change is
/// never made on one and forgotten on the other.
#[test]
fn both_backends_have_the_same_migration_versions() {
    let versions = |backend: &str| -> Vec<String> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("migrations")
            .join(backend);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        names.sort();
        names
    };
    let (sqlite, postgres) = (versions("sqlite"), versions("postgres"));
    assert!(!sqlite.is_empty());
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres differ"
    );
}

/// `roster migrate` on `url` in the folder `cwd`: (exit code, stderr).
fn migrate(url: &str, cwd: &std::path::Path) -> std::process::Child {
    std::process::Command::new(crate::common::BIN)
        .arg("migrate")
        .env("ROSTER_DATABASE_URL", url)
        .env("ROSTER_LOG", "warn")
        .current_dir(cwd)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("roster runs")
}

/// A URL of neither backend stops start-up with a message naming both schemes, and leaves no
/// file or folder named after it (it once made a SQLite file under `postgres:/`).
#[test]
fn a_url_of_neither_backend_is_refused_and_makes_no_file() {
    for url in [
        "mysql://root@127.0.0.1/roster",
        "data/roster.db",
        "postgre://127.0.0.1/roster",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let out = migrate(url, dir.path()).wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{url}");
        assert!(
            stderr.contains("must start with sqlite:") && stderr.contains("postgres://"),
            "{url}: {stderr}"
        );
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0, "{url}");
    }
    // A PostgreSQL URL is PostgreSQL's: nothing listens on port 1, so it fails to connect, and
    // makes no file either.
    let dir = tempfile::tempdir().unwrap();
    let out = migrate("postgres://postgres:secret@127.0.0.1:1/roster", dir.path())
        .wait_with_output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("cannot open the database postgres://postgres:***@127.0.0.1:1/roster"),
        "{stderr}"
    );
    assert!(!stderr.contains("secret"), "{stderr}");
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
}

/// Processes started together on one new database migrate it once: on SQLite the others wait
/// for the first's `BEGIN IMMEDIATE`; on PostgreSQL for sqlx's advisory lock. Without that,
/// one of two failed with "table audit_events already exists".
#[tokio::test]
async fn processes_started_together_on_one_new_database_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let mut urls: Vec<String> = (0..5)
        .map(|i| format!("sqlite://{}", dir.path().join(format!("r{i}.db")).display()))
        .collect();
    let mut _pg = Vec::new();
    if crate::common::postgres::server_url().is_some() {
        for _ in 0..3 {
            let db = crate::common::postgres::TestDatabase::empty().await;
            urls.push(db.url.clone());
            _pg.push(db);
        }
    }
    for url in &urls {
        let children: Vec<_> = (0..4).map(|_| migrate(url, dir.path())).collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{url}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let db = db::open(url).await.unwrap();
        let applied: i64 = db::query("SELECT COUNT(*) FROM _sqlx_migrations")
            .scalar(&db)
            .await
            .unwrap();
        let versions = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
            .unwrap()
            .count() as i64;
        assert_eq!(applied, versions, "{url}: each version once");
        db.close().await;
    }
}
