//! Mail (issue 15): confirmation and reset links and their bad uses, `required` verification
//! mode, changing the address, security notices, the outbox's delivery with retries against a
//! refusing SMTP server, `/admin/outbox`, and a node killed while sending.

mod delivery;
mod links;
mod notices;
mod outbox;

use std::time::Duration;

use reqwest::StatusCode;
use roster::server::db::query;

use crate::common::{location, session_cookie, spawn_app, spawn_app_with, TestApp, PASSWORD};

pub const NEW_PASSWORD: &str = "a completely different passphrase";
pub const HOUR: i64 = 3600;

/// The audit actions recorded so far, oldest first.
pub async fn actions(app: &TestApp) -> Vec<String> {
    query("SELECT action FROM audit_events ORDER BY id")
        .scalars(&app.pool)
        .await
        .unwrap()
}

/// The kinds of the mails written to `to`, oldest first.
pub async fn kinds(app: &TestApp, to: &str) -> Vec<String> {
    app.mails_to(to).await.into_iter().map(|m| m.kind).collect()
}

/// When user `email`'s address was confirmed.
pub async fn verified_at(app: &TestApp, email: &str) -> Option<i64> {
    query("SELECT email_verified_at FROM users WHERE email = $1")
        .bind(email)
        .scalar(&app.pool)
        .await
        .unwrap()
}

/// True when `cookie` is a live signed-in session.
pub async fn signed_in(app: &TestApp, cookie: &str) -> bool {
    app.get("/profile", Some(cookie)).await.status() == StatusCode::OK
}

/// The body of a refused link, as the wasm sees it.
pub const INVALID_LINK: &str = r#"{"Validation":[{"field":"token","message":"This link is invalid or has expired. Links work once and for a limited time: ask for a new one.","refusal":"LinkInvalid"}]}"#;

pub fn wait() -> Duration {
    Duration::from_secs(10)
}
