//! Security events land in `audit_events` with who, what, whom, where from, and no secrets.

use crate::common::{spawn_app, PASSWORD, USER_AGENT};
use roster::server::db::query;

type Row = (
    Option<i64>,
    String,
    Option<i64>,
    Option<String>,
    Option<String>,
    String,
);

async fn events(app: &crate::common::TestApp) -> Vec<Row> {
    query(
        "SELECT actor_user_id, action, target_user_id, ip, user_agent, details \
         FROM audit_events ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap()
}

fn event(actor: Option<i64>, action: &str, target: Option<i64>, details: &str) -> Row {
    (
        actor,
        action.to_string(),
        target,
        Some("127.0.0.1".to_string()),
        Some(USER_AGENT.to_string()),
        details.to_string(),
    )
}

#[tokio::test]
async fn sign_up_login_failures_and_logout_are_audit_events() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let ann = app.user_id("ann@example.org").await;

    app.log_in("ann@example.org", "not the password!", None)
        .await;
    app.log_in("nobody@example.org", "not the password!", None)
        .await;
    // Someone typed the password into the email field: it must not be kept.
    app.log_in(PASSWORD, PASSWORD, None).await;
    app.log_in("ann@example.org", PASSWORD, None).await;
    app.call("log_out", &[], Some(&cookie)).await;

    assert_eq!(
        events(&app).await,
        vec![
            event(Some(ann), "account.created", Some(ann), "{}"),
            event(
                None,
                "login.failed",
                Some(ann),
                r#"{"email":"ann@example.org"}"#
            ),
            event(
                None,
                "login.failed",
                None,
                r#"{"email":"nobody@example.org"}"#
            ),
            event(None, "login.failed", None, "{}"),
            event(
                Some(ann),
                "login.succeeded",
                Some(ann),
                r#"{"remember_me":false}"#
            ),
            event(Some(ann), "logout", Some(ann), "{}"),
        ]
    );
}

#[tokio::test]
async fn a_refused_sign_up_writes_no_audit_event() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;

    app.try_sign_up("ANN@example.org", "Ann 2", PASSWORD).await;

    let actions: Vec<String> = events(&app).await.into_iter().map(|e| e.1).collect();
    assert_eq!(actions, vec!["account.created"]);
}
