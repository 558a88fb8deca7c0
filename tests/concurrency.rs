//! Rules that read before they write hold when their requests arrive at once: on SQLite
//! because `BEGIN IMMEDIATE` lets one writer in at a time, on PostgreSQL because the rows the
//! rule reads are locked first (`store::users::lock`, `FOR UPDATE`). The suite runs on both.

use reqwest::StatusCode;
use roster::server::db::query;

use crate::{
    admin::{edit_form, update},
    common::{session_cookie, spawn_app, TestApp, PASSWORD},
};

async fn active_admins(app: &TestApp) -> i64 {
    query("SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'")
        .scalar(&app.pool)
        .await
        .unwrap()
}

async fn sign_in(app: &TestApp, email: &str) -> String {
    let res = app.log_in(email, PASSWORD, None).await;
    assert_eq!(res.status(), StatusCode::OK, "{email} signs in");
    session_cookie(&res).unwrap()
}

/// Two administrators demoting each other at the same moment: one change wins, the other is
/// refused, never both.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = spawn_app().await;
    app.with_admin("ada@example.org").await;
    app.with_admin("bea@example.org").await;
    let ada = app.user_id("ada@example.org").await.to_string();
    let bea = app.user_id("bea@example.org").await.to_string();
    for round in 0..8 {
        query("UPDATE users SET role = 'admin', status = 'active'")
            .execute(&app.pool)
            .await
            .unwrap();
        let (ada_cookie, bea_cookie) = tokio::join!(
            sign_in(&app, "ada@example.org"),
            sign_in(&app, "bea@example.org")
        );
        let demote_bea = edit_form(&bea, "user", "active");
        let demote_ada = edit_form(&ada, "user", "active");
        let (first, second) = tokio::join!(
            update(&app, &ada_cookie, &demote_bea),
            update(&app, &bea_cookie, &demote_ada),
        );
        let statuses = [first.status(), second.status()];
        assert_eq!(active_admins(&app).await, 1, "round {round}: {statuses:?}");
        // The loser is refused as the last administrator, or, when it came in after the
        // winner's commit, is no longer signed in (a role change ends the person's sessions).
        let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        let refused = statuses
            .iter()
            .filter(|s| [StatusCode::CONFLICT, StatusCode::UNAUTHORIZED].contains(s))
            .count();
        assert_eq!((ok, refused), (1, 1), "round {round}: {statuses:?}");
    }
}

/// Twenty new tokens asked for at once by a person holding 45: five are made, fifteen refused,
/// and the cap of 50 holds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_token_requests_at_once_stop_at_the_cap_of_fifty() {
    let app = spawn_app().await;
    let cookie = app.sign_up("pat@example.org", "Pat").await;
    let pat = app.user_id("pat@example.org").await;
    for i in 0..45u8 {
        query(
            "INSERT INTO personal_access_tokens (user_id, name, token_hash, scopes, created_at) \
             VALUES ($1, 'old', $2, 'profile:read', 0)",
        )
        .bind(pat)
        .bind(vec![i; 32])
        .execute(&app.pool)
        .await
        .unwrap();
    }
    let asks = (0..20).map(|_| app.try_make_token(&cookie, &["profile_read"], "7"));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(asks)
        .await
        .iter()
        .map(|res| res.status())
        .collect();

    let made = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::CONFLICT)
        .count();
    assert_eq!((made, refused), (5, 15), "{statuses:?}");
    assert_eq!(app.count("personal_access_tokens").await, 50);
}

/// A pooled connection left inside a transaction — what a request cancelled between the
/// database's answer to `BEGIN` and sqlx's making of the `Transaction` leaves behind (a client
/// that hangs up while its write waits for the lock; the bench's sign-in storms did it) — is
/// never handed out again: every later write begins, and what it commits is seen from a
/// connection of another pool. Without the pool's check, on SQLite the write on that connection
/// failed ("attempted to call begin_with at non-zero transaction depth") and on PostgreSQL it
/// became a savepoint inside the stale transaction, never committed.
#[tokio::test]
async fn a_connection_left_inside_a_transaction_is_not_used_again() {
    use roster::server::db::{begin_write, Db};
    let app = spawn_app().await;
    match &app.pool {
        Db::Sqlite(pool) => {
            let mut conn = pool.acquire().await.unwrap();
            std::mem::forget(sqlx::Connection::begin(&mut *conn).await.unwrap());
        }
        Db::Postgres(pool) => {
            let mut conn = pool.acquire().await.unwrap();
            std::mem::forget(sqlx::Connection::begin(&mut *conn).await.unwrap());
        }
    }
    // Every idle connection comes round within twice the pool's size.
    for n in 0..24 {
        let mut tx = begin_write(&app.pool)
            .await
            .unwrap_or_else(|e| panic!("write {n} could not begin: {e:?}"));
        query(
            "INSERT INTO audit_events (occurred_at, action, details) VALUES ($1, 'login.failed', '{}')",
        )
        .bind(n as i64)
        .execute(&mut tx)
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let elsewhere = roster::server::db::open(&app.database_url).await.unwrap();
    let seen: i64 = query("SELECT COUNT(*) FROM audit_events WHERE occurred_at < 24")
        .scalar(&elsewhere)
        .await
        .unwrap();
    elsewhere.close().await;
    assert_eq!(seen, 24, "every write committed");
}
