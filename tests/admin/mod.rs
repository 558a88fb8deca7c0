//! The admin console over HTTP, by noun: who may call what (access), one user's changes and
//! their audit events (users), the user list and its search (list), the audit page (audit),
//! exports and imports.

mod access;
mod audit;
mod export;
mod import;
mod list;
mod users;

use crate::common::TestApp;
use roster::server::db::query;

/// `(actor, target, details)` of each audit event `action`, oldest first.
pub async fn audit_rows(app: &TestApp, action: &str) -> Vec<(Option<i64>, Option<i64>, String)> {
    query(
        "SELECT actor_user_id, target_user_id, details FROM audit_events WHERE action = $1 \
         ORDER BY id",
    )
    .bind(action)
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

/// The edit form of user `id` renaming them "Bob Edited", with `role` and `status`.
pub fn edit_form(id: &str, role: &str, status: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id", id.to_string()),
        ("display_name", "Bob Edited".into()),
        ("bio", "".into()),
        ("location", "".into()),
        ("website", "".into()),
        ("role", role.into()),
        ("status", status.into()),
    ]
}

/// Sends the edit form as the administrator of `cookie`.
pub async fn update(
    app: &TestApp,
    cookie: &str,
    form: &[(&'static str, String)],
) -> reqwest::Response {
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app.call("admin_update_user", &form, Some(cookie)).await
}

/// The user list's server function arguments for the first page, newest first.
pub const LIST_QUERY: [(&str, &str); 4] = [
    ("query[q]", ""),
    ("query[sort]", "Created"),
    ("query[desc]", "true"),
    ("query[page]", "1"),
];
