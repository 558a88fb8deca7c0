//! Exports of the user list: CSV and JSON, every page of the filtered list, cells that a
//! spreadsheet will not run, administrators only.

use crate::common::spawn_app;
use reqwest::StatusCode;
use roster::{server::clock::Clock, store::seed::seed_users};

#[tokio::test]
async fn exports_stream_the_filtered_list_as_csv_and_json_to_admins_only() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;
    let bob = app
        .sign_up("bob@example.org", "=HYPERLINK(\"x\"), \"Bob\"")
        .await;
    seed_users(&app.pool, 120, app.clock.now()).await.unwrap();

    let csv = app
        .get("/admin/users/export.csv?q=bob", Some(&cookie))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(csv.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("users.csv"));
    let text = csv.text().await.unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(
        lines[0],
        "id,email,display_name,role,status,created_at,last_login_at"
    );
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[1].contains(r#","'=HYPERLINK(""x""), ""Bob""","#),
        "quoted and neutralised: {}",
        lines[1]
    );

    let json = app
        .get("/admin/users/export.json?q=example.test", Some(&cookie))
        .await;
    let rows: Vec<serde_json::Value> = json.json().await.unwrap();
    assert_eq!(rows.len(), 120, "every page, not just the first 50");
    assert!(rows.iter().all(|r| r.get("password_hash").is_none()));

    let as_user = app.get("/admin/users/export.csv", Some(&bob)).await;
    assert_eq!(as_user.status(), StatusCode::FORBIDDEN);
    let anonymous = app.get("/admin/users/export.json", None).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}
