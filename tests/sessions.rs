//! Session promises of `shared/SECURITY.md` (Sessions, Passwords) and the account pages that
//! end sessions: timeouts by the injectable clock (never sleep), listing and ending sessions,
//! password change, account deletion and the data export.

use std::time::Duration;

use crate::common::{
    location, session_cookie, set_cookie_header, spawn_app, spawn_app_with, TestApp, PASSWORD,
};
use reqwest::{header, StatusCode};
use roster::server::clock::Clock;

const MINUTE: i64 = 60;
const HOUR: i64 = 3600;
const DAY: i64 = 24 * HOUR;
const NEW_PASSWORD: &str = "a completely different passphrase";

/// True when `cookie` is a live signed-in session: `/profile` renders instead of sending the
/// caller to sign in.
async fn signed_in(app: &TestApp, cookie: &str) -> bool {
    let res = app.get("/profile", Some(cookie)).await;
    match res.status() {
        StatusCode::OK => true,
        StatusCode::SEE_OTHER => {
            assert_eq!(location(&res).as_deref(), Some("/login?next=%2Fprofile"));
            false
        }
        other => panic!("unexpected status {other}"),
    }
}

/// Signs in again as `email` (a second browser) and returns its cookie.
async fn second_session(app: &TestApp, email: &str, remember: bool) -> String {
    let mut form = vec![("email", email), ("password", PASSWORD)];
    if remember {
        form.push(("remember", "on"));
    }
    let res = app.call("log_in", &form, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    session_cookie(&res).unwrap()
}

/// The ids of `user`'s session records, oldest first.
async fn session_ids(app: &TestApp, user: i64) -> Vec<i64> {
    sqlx::query_scalar("SELECT id FROM user_sessions WHERE user_id = ? ORDER BY id")
        .bind(user)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn actions(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT action FROM audit_events ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

fn max_age(set_cookie: &str) -> i64 {
    set_cookie
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Max-Age="))
        .expect("Max-Age")
        .parse()
        .unwrap()
}

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
        sqlx::query_scalar::<_, i64>("SELECT last_seen_at FROM user_sessions")
            .fetch_one(&app.pool)
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

    assert_eq!(purged, 1, "only Ann's session was past its deadline");
    assert_eq!(app.count("user_sessions").await, 1);
    assert_eq!(app.count("tower_sessions").await, 1);
    assert!(signed_in(&app, &bob).await);
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

/// Every server function of the account's own pages needs a signed-in caller: signed out, each
/// answers 401 and changes nothing.
#[tokio::test]
async fn account_functions_need_a_signed_in_caller() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let sessions_before = app.count("user_sessions").await;
    for (endpoint, form) in [
        ("sessions", vec![]),
        ("end_session", vec![("id", "1")]),
        ("end_other_sessions", vec![]),
        (
            "change_password",
            vec![
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        ),
        ("delete_account", vec![("password", PASSWORD)]),
        ("tokens", vec![]),
        (
            "create_token",
            vec![("name", "x"), ("profile_read", "on"), ("expires", "30")],
        ),
        ("revoke_token", vec![("id", "1")]),
    ] {
        let res = app.call(endpoint, &form, None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{endpoint}");
        assert_eq!(res.text().await.unwrap(), r#""Unauthorized""#, "{endpoint}");
    }
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("user_sessions").await, sessions_before);
    assert_eq!(app.count("personal_access_tokens").await, 0);
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::OK,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn the_sessions_page_lists_each_session_and_marks_this_device() {
    let app = spawn_app().await;
    let first = app.sign_up("ann@example.org", "Ann").await;
    let second = second_session(&app, "ann@example.org", false).await;
    app.sign_up("bob@example.org", "Bob").await;

    let html = app
        .get("/settings/sessions", Some(&second))
        .await
        .text()
        .await
        .unwrap();

    assert_eq!(
        html.matches("class=\"session\"").count(),
        2,
        "Ann's two, not Bob's"
    );
    assert_eq!(html.matches("This device").count(), 1);
    assert_eq!(
        html.matches("name=\"id\"").count(),
        1,
        "a Sign out button for the other"
    );
    assert!(html.contains("Sign out all other sessions"));
    assert!(html.contains("roster-tests/1.0"), "the user agent is shown");
    assert!(signed_in(&app, &first).await);
}

#[tokio::test]
async fn sign_out_all_other_sessions_kills_the_other_cookies_on_their_next_request() {
    let app = spawn_app().await;
    let mine = app.sign_up("ann@example.org", "Ann").await;
    let other = second_session(&app, "ann@example.org", false).await;
    let third = second_session(&app, "ann@example.org", true).await;
    let bob = app.sign_up("bob@example.org", "Bob").await;

    let res = app.call("end_other_sessions", &[], Some(&mine)).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert!(!signed_in(&app, &other).await);
    assert!(!signed_in(&app, &third).await);
    assert!(signed_in(&app, &mine).await);
    assert!(signed_in(&app, &bob).await, "other people's sessions stay");
    assert!(actions(&app).await.contains(&"session.ended".to_string()));
}

#[tokio::test]
async fn signing_out_one_other_session_ends_only_that_one() {
    let app = spawn_app().await;
    let mine = app.sign_up("ann@example.org", "Ann").await;
    let other = second_session(&app, "ann@example.org", false).await;
    let third = second_session(&app, "ann@example.org", false).await;
    let ann = app.user_id("ann@example.org").await;
    let other_id = session_ids(&app, ann).await[1].to_string();

    let res = app
        .call("end_session", &[("id", other_id.as_str())], Some(&mine))
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert!(!signed_in(&app, &other).await);
    assert!(signed_in(&app, &third).await);
    assert!(signed_in(&app, &mine).await);
}

#[tokio::test]
async fn nobody_can_end_another_persons_session_or_their_own_by_id() {
    let app = spawn_app().await;
    let ann = app.sign_up("ann@example.org", "Ann").await;
    let bob = app.sign_up("bob@example.org", "Bob").await;
    let ann_id = app.user_id("ann@example.org").await;
    let anns_session = session_ids(&app, ann_id).await[0].to_string();

    let by_bob = app
        .call("end_session", &[("id", anns_session.as_str())], Some(&bob))
        .await;
    let own = app
        .call("end_session", &[("id", anns_session.as_str())], Some(&ann))
        .await;
    let anonymous = app
        .call("end_session", &[("id", anns_session.as_str())], None)
        .await;

    assert_eq!(by_bob.status(), StatusCode::NOT_FOUND);
    assert_eq!(own.status(), StatusCode::BAD_REQUEST);
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(signed_in(&app, &ann).await);
}

#[tokio::test]
async fn password_change_ends_every_other_session_and_is_audited() {
    let app = spawn_app().await;
    let mine = app.sign_up("ann@example.org", "Ann").await;
    let other = second_session(&app, "ann@example.org", true).await;

    let res = app
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&mine),
        )
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert!(!signed_in(&app, &other).await, "the other session ended");
    assert!(signed_in(&app, &mine).await, "this one goes on");
    let old = app.log_in("ann@example.org", PASSWORD, None).await;
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    let new = app.log_in("ann@example.org", NEW_PASSWORD, None).await;
    assert_eq!(new.status(), StatusCode::OK);
    assert!(actions(&app)
        .await
        .contains(&"password.changed".to_string()));
}

#[tokio::test]
async fn password_change_needs_the_current_password_and_a_strong_new_one() {
    let app = spawn_app().await;
    let mine = app.sign_up("ann@example.org", "Ann").await;
    let other = second_session(&app, "ann@example.org", false).await;
    let hash = || async {
        sqlx::query_scalar::<_, String>("SELECT password_hash FROM users")
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let before = hash().await;

    let wrong = app
        .call(
            "change_password",
            &[
                ("current_password", "not my password"),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&mine),
        )
        .await;
    let weak = app
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "password123456"),
            ],
            Some(&mine),
        )
        .await;
    let anonymous = app
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
            None,
        )
        .await;

    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(wrong
        .text()
        .await
        .unwrap()
        .contains("not your current password"));
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    assert!(weak.text().await.unwrap().contains("new_password"));
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(hash().await, before);
    assert!(signed_in(&app, &other).await, "nothing ended");
}

#[tokio::test]
async fn wrong_current_passwords_are_throttled_like_logins() {
    let app = spawn_app().await;
    let mine = app.sign_up("ann@example.org", "Ann").await;
    let attempt = || {
        app.call(
            "change_password",
            &[
                ("current_password", "not my password"),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&mine),
        )
    };
    for _ in 0..5 {
        assert_eq!(attempt().await.status(), StatusCode::BAD_REQUEST);
    }
    let sixth = attempt().await;
    assert_eq!(sixth.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(sixth.headers().contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn account_deletion_needs_the_password_then_removes_everything_and_ends_every_session() {
    let app = spawn_app().await;
    let mine = app.sign_up("ann@example.org", "Ann").await;
    let other = second_session(&app, "ann@example.org", true).await;
    let bob = app.sign_up("bob@example.org", "Bob").await;

    let wrong = app
        .call(
            "delete_account",
            &[("password", "not my password")],
            Some(&mine),
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.count("users").await,
        2,
        "a wrong password deletes nothing"
    );

    let res = app
        .call("delete_account", &[("password", PASSWORD)], Some(&mine))
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert!(!signed_in(&app, &mine).await);
    assert!(!signed_in(&app, &other).await);
    assert!(signed_in(&app, &bob).await);
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("profiles").await, 1);
    assert_eq!(app.count("user_sessions").await, 1, "Bob's");
    let login = app.log_in("ann@example.org", PASSWORD, None).await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
    assert!(actions(&app).await.contains(&"account.deleted".to_string()));
}

#[tokio::test]
async fn the_data_export_holds_what_is_stored_about_the_person_and_no_secret() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    app.sign_up("bob@example.org", "Bob").await;

    let res = app.get("/settings/account/export", Some(&cookie)).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(res.headers()[header::CACHE_CONTROL], "no-store");
    let text = res.text().await.unwrap();
    assert!(!text.contains("$argon2"), "no password hash");
    assert!(!text.contains("bob@example.org"), "nobody else's data");
    let data: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["account"]["email"], "ann@example.org");
    assert_eq!(data["profile"]["display_name"], "Ann");
    assert_eq!(data["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(data["audit_events"][0]["action"], "account.created");

    let anonymous = app.get("/settings/account/export", None).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_password_hint_judges_like_the_server() {
    let app = &spawn_app().await;
    let hint = |password: &'static str| async move {
        let res = app
            .call("password_hint", &[("password", password)], None)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Option<String>>().await.unwrap()
    };

    assert!(hint("short").await.unwrap().contains("at least 12"));
    assert!(hint("password123456").await.is_some());
    assert_eq!(hint(NEW_PASSWORD).await, None);
}
