//! Changing the address, and the security notices a person gets by mail.

use super::*;

#[tokio::test]
async fn a_new_address_signs_in_once_confirmed_and_the_old_one_is_told() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    app.sign_up("bob@example.org", "Bob").await;
    let change = |new: &'static str, password: &'static str| {
        let cookie = cookie.clone();
        let app = &app;
        async move {
            app.call(
                "change_email",
                &[("new_email", new), ("current_password", password)],
                Some(&cookie),
            )
            .await
        }
    };

    let wrong = change("ann@new.example", "not my password").await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        wrong.text().await.unwrap(),
        r#"{"Validation":[{"field":"current_password","message":"This is not your current password.","refusal":"WrongPassword"}]}"#
    );
    let same = change("ANN@example.org", PASSWORD).await;
    assert_eq!(same.status(), StatusCode::BAD_REQUEST);
    let bad = change("not an address", PASSWORD).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert!(app.mails_to("ann@new.example").await.is_empty());

    // A taken address gets the same answer as a free one, and no link.
    let taken = change("bob@example.org", PASSWORD).await;
    let free = change("ann@new.example", PASSWORD).await;
    assert_eq!(taken.status(), StatusCode::OK);
    assert_eq!(location(&taken), location(&free));
    assert_eq!(
        location(&free).as_deref(),
        Some("/settings/account?email=1")
    );
    assert!(app
        .mails_to("bob@example.org")
        .await
        .iter()
        .all(|m| m.kind != "change_email"));
    let token = app.link_token("ann@new.example", "change_email").await;
    let notice = app
        .wait_mail("ann@example.org", "email_change_requested")
        .await;
    assert!(notice.body_text.contains("ann@new.example"));

    // The old address signs in until the link is used.
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::OK
    );
    let res = app.call("confirm_email", &[("token", &token)], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/verify-email?done=new"));
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.log_in("ann@new.example", PASSWORD, None).await.status(),
        StatusCode::OK
    );
    assert!(verified_at(&app, "ann@new.example").await.is_some());
    app.wait_mail("ann@example.org", "email_changed").await;
    assert!(actions(&app).await.contains(&"email.changed".to_string()));
}

#[tokio::test]
async fn a_new_address_taken_meanwhile_changes_nothing() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    app.call(
        "change_email",
        &[
            ("new_email", "late@example.org"),
            ("current_password", PASSWORD),
        ],
        Some(&cookie),
    )
    .await;
    let token = app.link_token("late@example.org", "change_email").await;
    app.sign_up("late@example.org", "Late").await;
    let res = app.call("confirm_email", &[("token", &token)], None).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn password_changes_new_tokens_and_new_devices_are_told_to_the_owner() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    // The browser that signed up is known: signing in from it again is no news.
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::OK
    );
    assert_eq!(kinds(&app, "ann@example.org").await, ["verify_email"]);

    app.with_token(&cookie, &["profile_read"], "30").await;
    let other_browser = app
        .client
        .post(app.url("/fn/log_in"))
        .header(
            reqwest::header::USER_AGENT,
            "Mozilla/5.0 (Windows NT 10.0) Firefox/133.0",
        )
        .form(&[("email", "ann@example.org"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(other_browser.status(), StatusCode::OK);
    app.call(
        "change_password",
        &[
            ("current_password", PASSWORD),
            ("new_password", NEW_PASSWORD),
        ],
        Some(&cookie),
    )
    .await;
    assert_eq!(
        kinds(&app, "ann@example.org").await,
        [
            "verify_email",
            "token_created",
            "new_device",
            "password_changed"
        ]
    );
    let device = app.wait_mail("ann@example.org", "new_device").await;
    assert!(
        device.body_text.contains("Firefox on Windows"),
        "{}",
        device.body_text
    );
    assert!(device.body_text.contains("127.0.0.1"));
    let token = app.wait_mail("ann@example.org", "token_created").await;
    assert!(
        token.body_text.contains("\"script\""),
        "{}",
        token.body_text
    );
}
