//! Session promises of `shared/SECURITY.md` (Sessions, Passwords) and the account pages that
//! end sessions: timeouts by the injectable clock (never sleep), listing and ending sessions,
//! password change, account deletion and the data export.

mod cache;
mod deletion;
mod devices;
mod password;
mod timeouts;

use roster::server::db::query;
use std::time::Duration;

use crate::common::{
    location, session_cookie, set_cookie_header, spawn_app, spawn_app_with, TestApp, PASSWORD,
};
use reqwest::{header, Method, StatusCode};
use roster::server::clock::Clock;

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 3600;
pub const DAY: i64 = 24 * HOUR;
pub const NEW_PASSWORD: &str = "a completely different passphrase";

/// True when `cookie` is a live signed-in session: `/profile` renders instead of sending the
/// caller to sign in.
pub async fn signed_in(app: &TestApp, cookie: &str) -> bool {
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
pub async fn second_session(app: &TestApp, email: &str, remember: bool) -> String {
    let mut form = vec![("email", email), ("password", PASSWORD)];
    if remember {
        form.push(("remember", "on"));
    }
    let res = app.call("log_in", &form, None).await;
    assert_eq!(res.status(), StatusCode::OK);
    session_cookie(&res).unwrap()
}

/// The ids of `user`'s session records, oldest first.
pub async fn session_ids(app: &TestApp, user: i64) -> Vec<i64> {
    query("SELECT id FROM user_sessions WHERE user_id = $1 ORDER BY id")
        .bind(user)
        .scalars(&app.pool)
        .await
        .unwrap()
}

pub async fn actions(app: &TestApp) -> Vec<String> {
    query("SELECT action FROM audit_events ORDER BY id")
        .scalars(&app.pool)
        .await
        .unwrap()
}

pub fn max_age(set_cookie: &str) -> i64 {
    set_cookie
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Max-Age="))
        .expect("Max-Age")
        .parse()
        .unwrap()
}
