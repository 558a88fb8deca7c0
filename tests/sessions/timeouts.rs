//! Session lifetimes by the injectable clock (never sleep): idle and absolute timeouts,
//! remember-me, the cookie's Max-Age, last-use writes and the purge of expired sessions.

use super::*;
use roster::server::db::query;

#[tokio::test]
async fn an_idle_session_expires_after_30_minutes() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    app.clock.advance(29 * MINUTE);
    assert!(
        signed_in(&app, &cookie).await,
        "29 idle minutes are allowed"
    );
    app.clock.advance(29 * MINUTE);
    assert!(
        signed_in(&app, &cookie).await,
        "the last request restarted the count"
    );
    app.clock.advance(30 * MINUTE + 1);

    assert!(!signed_in(&app, &cookie).await, "30 idle minutes end it");
    assert_eq!(app.count("user_sessions").await, 0);
    assert_eq!(app.count("tower_sessions").await, 0);
    let viewer = app.call("viewer", &[], Some(&cookie)).await;
    assert_eq!(viewer.text().await.unwrap(), "null");
}

#[tokio::test]
async fn a_session_ends_12_hours_after_sign_in_however_busy() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    for _ in 0..24 {
        app.clock.advance(29 * MINUTE);
        assert!(signed_in(&app, &cookie).await);
    }
    // 11 h 36 min in, used every 29 minutes; 25 idle minutes later it is past 12 hours.
    app.clock.advance(25 * MINUTE);
    assert!(!signed_in(&app, &cookie).await);
}

#[tokio::test]
async fn remember_me_sessions_last_14_idle_days_and_30_days_in_all() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let cookie = second_session(&app, "ann@example.org", true).await;

    app.clock.advance(13 * DAY);
    assert!(signed_in(&app, &cookie).await, "13 idle days are allowed");
    app.clock.advance(13 * DAY);
    assert!(signed_in(&app, &cookie).await, "26 days in all");
    app.clock.advance(4 * DAY);
    assert!(!signed_in(&app, &cookie).await, "30 days end it");

    let idle = second_session(&app, "ann@example.org", true).await;
    app.clock.advance(14 * DAY + 1);
    assert!(!signed_in(&app, &idle).await, "14 idle days end it");
}

#[tokio::test]
async fn the_session_cookie_expires_at_the_absolute_deadline() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let plain = app.log_in("ann@example.org", PASSWORD, None).await;
    let remembered = app
        .call(
            "log_in",
            &[
                ("email", "ann@example.org"),
                ("password", PASSWORD),
                ("remember", "on"),
            ],
            None,
        )
        .await;

    let plain = max_age(&set_cookie_header(&plain).unwrap());
    let remembered = max_age(&set_cookie_header(&remembered).unwrap());
    assert!((12 * HOUR - 5..=12 * HOUR).contains(&plain), "{plain}");
    assert!(
        (30 * DAY - 5..=30 * DAY).contains(&remembered),
        "{remembered}"
    );
}

#[tokio::test]
async fn session_timeouts_are_configurable() {
    let app = spawn_app_with(|config| {
        config.session_idle_timeout = Duration::from_secs(5 * MINUTE as u64);
        config.session_absolute_timeout = Duration::from_secs(HOUR as u64);
        config.remember_me_idle_timeout = Duration::from_secs(2 * HOUR as u64);
        config.remember_me_absolute_timeout = Duration::from_secs(6 * HOUR as u64);
    })
    .await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;

    // Idle: 5 minutes.
    app.clock.advance(4 * MINUTE);
    assert!(signed_in(&app, &cookie).await);
    app.clock.advance(5 * MINUTE);
    assert!(!signed_in(&app, &cookie).await, "5 idle minutes end it");

    // Absolute: 1 hour, however busy.
    let busy = second_session(&app, "ann@example.org", false).await;
    for _ in 0..14 {
        app.clock.advance(4 * MINUTE);
        assert!(signed_in(&app, &busy).await);
    }
    app.clock.advance(4 * MINUTE);
    assert!(!signed_in(&app, &busy).await, "an hour ends it");

    // Remember me: 2 idle hours, 6 hours in all.
    let idle = second_session(&app, "ann@example.org", true).await;
    app.clock.advance(119 * MINUTE);
    assert!(signed_in(&app, &idle).await, "119 idle minutes are allowed");
    app.clock.advance(121 * MINUTE);
    assert!(!signed_in(&app, &idle).await, "2 idle hours end it");
    let remembered = second_session(&app, "ann@example.org", true).await;
    for _ in 0..3 {
        app.clock.advance(110 * MINUTE);
        assert!(signed_in(&app, &remembered).await);
    }
    app.clock.advance(31 * MINUTE);
    assert!(!signed_in(&app, &remembered).await, "6 hours end it");
}

#[tokio::test]
async fn a_busy_session_writes_its_last_use_at_most_once_a_minute() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    assert!(signed_in(&app, &cookie).await); // links the store entry (one write)
    let last_seen = || async {
        query("SELECT last_seen_at FROM user_sessions")
            .scalar::<i64>(&app.pool)
            .await
            .unwrap()
    };
    let start = last_seen().await;

    app.clock.advance(30);
    assert!(signed_in(&app, &cookie).await);
    let after_30s = last_seen().await;
    app.clock.advance(31);
    assert!(signed_in(&app, &cookie).await);

    assert_eq!(after_30s, start);
    assert_eq!(last_seen().await, start + 61);
}

#[tokio::test]
async fn expired_sessions_are_purged_with_their_store_entries() {
    let app = spawn_app().await;
    let ann = app.sign_up("ann@example.org", "Ann").await;
    assert!(signed_in(&app, &ann).await); // the store entry is linked on first use
    app.clock.advance(10 * DAY);
    let bob = app.sign_up("bob@example.org", "Bob").await;
    assert!(signed_in(&app, &bob).await);

    let purged = roster::auth::sessions::purge_expired(&app.pool, app.clock.now())
        .await
        .unwrap();

    assert_eq!(purged, Some(1), "only Ann's session was past its deadline");
    assert_eq!(app.count("user_sessions").await, 1);
    assert_eq!(app.count("tower_sessions").await, 1);
    assert!(signed_in(&app, &bob).await);
}

/// On PostgreSQL the purge runs on one node at a time: while another holds its lock, a node
/// skips its round and deletes nothing; once the lock is free it purges.
#[tokio::test]
async fn the_purge_runs_on_one_node_at_a_time() {
    let app = spawn_app().await;
    let Some(pg) = app.pool.postgres() else {
        return; // one SQLite file serves one node: nothing to share
    };
    let ann = app.sign_up("ann@example.org", "Ann").await;
    assert!(signed_in(&app, &ann).await);
    app.clock.advance(10 * DAY);

    // "Another node", mid-purge: its transaction holds the lock.
    let mut other = pg.begin().await.unwrap();
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(roster::auth::sessions::PURGE_LOCK)
        .execute(&mut *other)
        .await
        .unwrap();
    let skipped = roster::auth::sessions::purge_expired(&app.pool, app.clock.now())
        .await
        .unwrap();
    assert_eq!(skipped, None);
    assert_eq!(app.count("user_sessions").await, 1);

    other.rollback().await.unwrap();
    let purged = roster::auth::sessions::purge_expired(&app.pool, app.clock.now())
        .await
        .unwrap();
    assert_eq!(purged, Some(1));
    assert_eq!(app.count("user_sessions").await, 0);
}

/// `shared/SECURITY.md`, Sessions: expired sessions are purged by a background task, with no
/// request for them coming in.
#[tokio::test]
async fn the_background_task_purges_expired_sessions_on_its_own() {
    let app =
        spawn_app_with(|config| config.session_purge_period = Duration::from_millis(100)).await;
    let ann = app.sign_up("ann@example.org", "Ann").await;
    assert!(signed_in(&app, &ann).await); // the store entry is linked on first use
    assert_eq!(app.count("user_sessions").await, 1);
    assert_eq!(app.count("tower_sessions").await, 1);

    app.clock.advance(31 * MINUTE);
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.count("user_sessions").await > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the task never purged the session"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    assert_eq!(
        app.count("tower_sessions").await,
        0,
        "its store entry went too"
    );
}
