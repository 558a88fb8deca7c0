//! Opening the database: created on first start, pragmas set, migrations applied or refused.

use roster::server::db;
use sqlx::SqlitePool;

/// A fresh database file in a temporary folder (kept alive by the returned guard).
async fn fresh_db() -> (SqlitePool, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let pool = db::open(&format!("sqlite://{}", dir.path().join("r.db").display()))
        .await
        .unwrap();
    (pool, dir)
}

#[tokio::test]
async fn first_start_creates_the_folder_and_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("nested/data/roster.db");

    let pool = db::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();

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
