//! The authentication cache (issue 18): signed-in pages and API calls are answered from memory,
//! and every change to what they read acts on the very next request — made through the app, by
//! hand in SQL (as an operator or another program would), or, on PostgreSQL, on another node.
//! The app's own changes are covered by the session and token tests throughout the suite,
//! which now run with the cache filled.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use roster::server::db::query;

use super::signed_in;
use crate::common::{spawn_app, TestApp};

/// Runs `sql` (binding `user` when given) straight on the database, as an operator would, and
/// returns when the next request would see it: on SQLite the connections' hooks see to that;
/// on PostgreSQL its notification is waited for as the app waits after each of its own writes.
async fn by_hand(app: &TestApp, sql: &str, user: Option<i64>) {
    let mut statement = query(sql.to_string());
    if let Some(user) = user {
        statement = statement.bind(user);
    }
    statement.execute(&app.pool).await.unwrap();
    app.state.auth_cache().settle(&app.pool).await;
}

/// The text of `/profile` as `cookie` sees it.
async fn profile_page(app: &TestApp, cookie: &str) -> String {
    app.get("/profile", Some(cookie))
        .await
        .text()
        .await
        .unwrap()
}

/// Lookups the cache answered so far.
fn hits(app: &TestApp) -> u64 {
    app.state.auth_cache().hits_and_misses().0
}

#[tokio::test]
async fn a_signed_in_page_comes_from_the_cache_and_any_change_acts_on_the_next_request() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann Original").await;
    let ann = app.user_id("ann@example.org").await;
    assert!(signed_in(&app, &cookie).await);
    let before = hits(&app);
    let page = profile_page(&app, &cookie).await;
    assert!(page.contains("Ann Original"));
    assert!(
        hits(&app) > before,
        "the second page view was not a cache hit"
    );

    // A profile edited by hand shows at once.
    by_hand(
        &app,
        "UPDATE profiles SET display_name = 'Ann Edited' WHERE user_id = $1",
        Some(ann),
    )
    .await;
    let page = profile_page(&app, &cookie).await;
    assert!(page.contains("Ann Edited"), "stale profile served");

    // An account disabled by hand is signed out at the next request.
    assert!(signed_in(&app, &cookie).await);
    by_hand(
        &app,
        "UPDATE users SET status = 'disabled' WHERE id = $1",
        Some(ann),
    )
    .await;
    assert!(!signed_in(&app, &cookie).await, "disabled, still signed in");
}

#[tokio::test]
async fn a_session_record_deleted_by_hand_ends_the_session_at_the_next_request() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    assert!(signed_in(&app, &cookie).await);
    assert!(signed_in(&app, &cookie).await);
    by_hand(&app, "DELETE FROM user_sessions", None).await;
    assert!(!signed_in(&app, &cookie).await);
}

#[tokio::test]
async fn an_api_call_comes_from_the_cache_and_a_demotion_or_revocation_acts_on_the_next_call() {
    let app = spawn_app().await;
    let admin = app.with_admin("root@example.org").await;
    let token = app
        .with_token(&admin, &["profile_read", "users_read"], "30")
        .await;
    let list = || app.api(Method::GET, "/users", &token, None);
    assert_eq!(list().await.status(), StatusCode::OK);
    let before = hits(&app);
    assert_eq!(list().await.status(), StatusCode::OK);
    assert!(hits(&app) > before, "the second call was not a cache hit");

    // Demoted by hand: the users scope goes at once.
    by_hand(
        &app,
        "UPDATE users SET role = 'user' WHERE email = 'root@example.org'",
        None,
    )
    .await;
    assert_eq!(list().await.status(), StatusCode::FORBIDDEN);

    // Revoked by hand: refused at once.
    let me = app.api(Method::GET, "/me", &token, None).await;
    assert_eq!(me.status(), StatusCode::OK);
    by_hand(&app, "DELETE FROM personal_access_tokens", None).await;
    let me = app.api(Method::GET, "/me", &token, None).await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

/// Another process writing the same SQLite file (the `sqlite3` shell here, the `roster` CLI in
/// practice) is read within the cache's poll.
#[tokio::test]
async fn on_sqlite_another_processs_change_reaches_the_cache_within_its_poll() {
    let app = spawn_app().await;
    let Some(path) = app.database_url.strip_prefix("sqlite://") else {
        return;
    };
    if std::process::Command::new("sqlite3")
        .arg("-version")
        .output()
        .is_err()
    {
        eprintln!("no sqlite3 shell; skipped");
        return;
    }
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    assert!(signed_in(&app, &cookie).await);
    assert!(signed_in(&app, &cookie).await);
    let out = std::process::Command::new("sqlite3")
        .arg(path)
        .arg(".timeout 5000")
        .arg("UPDATE users SET status = 'disabled' WHERE email = 'ann@example.org';")
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let deadline =
        std::time::Instant::now() + roster::server::auth_cache::POLL + Duration::from_millis(1500);
    while signed_in(&app, &cookie).await {
        assert!(
            std::time::Instant::now() < deadline,
            "another process's disable never reached the cache"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
