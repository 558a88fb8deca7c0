//! Imports from CSV: a preview that reports every bad row by line and writes nothing, then a
//! clean import, all rows or none.

use super::audit_rows;
use crate::common::spawn_app;
use reqwest::StatusCode;
use roster::server::db::query;

#[tokio::test]
async fn an_import_preview_reports_bad_rows_by_line_and_writes_nothing() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let csv = "email,display_name,role\n\
               ann@example.org,Ann,user\n\
               not-an-email,Bad,user\n\
               ROOT@example.org,Root Again,admin\n\
               \"lee@example.org\",\"Lee, Jr.\",admin\n\
               ann@example.org,Ann Twice,user\n\
               kim@example.org,Kim,root\n";
    let users_before = app.count("users").await;
    let events_before = app.count("audit_events").await;

    // Even "commit" imports nothing while any row is bad.
    let res = app
        .call(
            "admin_import_users",
            &[("csv", csv), ("commit", "yes")],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("users").await, users_before);
    assert_eq!(app.count("audit_events").await, events_before);

    let state: serde_json::Value = app
        .call("admin_import_report", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    let report = &state["report"];
    assert!(report["imported"].is_null());
    let lines: Vec<u64> = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![3, 4, 6, 7], "{report}");
    assert_eq!(report["ready"].as_array().unwrap().len(), 2);
    let page = app.get("/admin/users/import?report=1", Some(&cookie)).await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Line 6: ann@example.org repeats line 2."),
        "{html}"
    );
    assert!(
        !html.contains(">Import<"),
        "no Import button while rows are bad"
    );
}

#[tokio::test]
async fn a_clean_import_creates_every_user_after_the_preview() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let csv = "ann@example.org,Ann\n\"lee@example.org\",\"Lee, Jr.\",admin\n";

    let preview = app
        .call("admin_import_users", &[("csv", csv)], Some(&cookie))
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    assert_eq!(app.count("users").await, 1, "a preview writes nothing");
    let html = app
        .get("/admin/users/import?report=1", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Preview: 2 users ready"), "{html}");

    let import = app
        .call(
            "admin_import_users",
            &[("csv", csv), ("commit", "yes")],
            Some(&cookie),
        )
        .await;
    assert_eq!(import.status(), StatusCode::OK);
    let rows: Vec<(String, String, String)> = query(
        "SELECT u.email, p.display_name, u.role FROM users u JOIN profiles p ON p.user_id = u.id \
         WHERE u.email <> 'root@example.org' ORDER BY u.email",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        vec![
            ("ann@example.org".into(), "Ann".into(), "user".into()),
            ("lee@example.org".into(), "Lee, Jr.".into(), "admin".into()),
        ]
    );
    assert_eq!(audit_rows(&app, "user.created").await.len(), 3);
    // No password yet: nothing signs in, and the answer is the usual one.
    let login = app.log_in("ann@example.org", "", None).await;
    assert_eq!(login.status(), StatusCode::BAD_REQUEST);
    let login = app.log_in("ann@example.org", "!", None).await;
    assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
}
