//! Deleting one's own account and taking one's data: the password needed, everything
//! removed, every session ended, the last administrator kept; the export holds no secret.

use super::*;

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
    assert_eq!(
        data["account"]["email_verified_at"],
        serde_json::Value::Null
    );
    assert_eq!(data["mails"][0]["kind"], "verify_email");
    assert_eq!(data["mails"][0]["state"], "pending");
    assert!(data["mails"][0].get("body_text").is_none());

    let anonymous = app.get("/settings/account/export", None).await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
}

/// As in the console, one active administrator always remains: the last one cannot delete
/// their own account on `/settings/account` (issue 13).
#[tokio::test]
async fn the_last_active_administrator_cannot_delete_their_own_account() {
    let app = spawn_app().await;
    let cookie = app.with_admin("root@example.org").await;

    let res = app
        .call("delete_account", &[("password", PASSWORD)], Some(&cookie))
        .await;

    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(body.contains("last active administrator"), "{body}");
    assert_eq!(app.count("users").await, 1);
    assert!(signed_in(&app, &cookie).await);
    // With a second administrator, the first may go.
    app.with_admin("second@example.org").await;
    let res = app
        .call("delete_account", &[("password", PASSWORD)], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(app.count("users").await, 1);
}
