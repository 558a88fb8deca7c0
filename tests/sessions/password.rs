//! Changing one's own password: the current one and a strong new one needed, throttled
//! like logins, other sessions and (when asked) tokens ended, and the forced change after an
//! administrator's reset.

use super::*;
use roster::{domain::Refusal, server::db::query};

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
        query("SELECT password_hash FROM users")
            .scalar::<String>(&app.pool)
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
async fn the_password_hint_judges_like_the_server() {
    let app = &spawn_app().await;
    let hint = |password: &'static str| async move {
        let res = app
            .call("password_hint", &[("password", password)], None)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json::<Option<Refusal>>().await.unwrap()
    };

    // A refusal as data, which the page words in its language.
    assert_eq!(
        hint("short").await,
        Some(Refusal::TooShort { min: 12, now: 5 })
    );
    let guessable = hint("password123456").await.unwrap();
    assert!(
        matches!(guessable, Refusal::Guessable { .. }),
        "{guessable:?}"
    );
    assert!(guessable
        .to_string()
        .starts_with("Choose a harder password. "));
    assert_eq!(hint(NEW_PASSWORD).await, None);
}

/// The person's own password change offers to revoke their personal access tokens (the form
/// ticks it by default); unticked, they stay (issue 13).
#[tokio::test]
async fn a_password_change_revokes_the_persons_tokens_when_asked() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let kept = app.with_token(&cookie, &["profile_read"], "30").await;
    let status = |token: String| {
        let app = &app;
        async move { app.api(Method::GET, "/me", &token, None).await.status() }
    };

    let unticked = app
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(unticked.status(), StatusCode::OK);
    assert_eq!(
        status(kept.clone()).await,
        StatusCode::OK,
        "kept when not asked"
    );

    let ticked = app
        .call(
            "change_password",
            &[
                ("current_password", NEW_PASSWORD),
                ("new_password", PASSWORD),
                ("revoke_tokens", "on"),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(ticked.status(), StatusCode::OK);
    assert_eq!(status(kept).await, StatusCode::UNAUTHORIZED);
    let page = app
        .get("/settings/password", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(r#"name="revoke_tokens" value="on" checked"#),
        "offered, ticked by default: {page}"
    );
}

/// Until a person whose password an administrator reset chooses a new one, every server
/// function but `change_password` and `log_out` refuses them, and so does the API for their
/// tokens (issue 13).
#[tokio::test]
async fn a_person_who_must_choose_a_new_password_can_do_nothing_else() {
    let app = spawn_app().await;
    let admin = app.with_admin("root@example.org").await;
    let bob_cookie = app.sign_up("bob@example.org", "Bob").await;
    let token = app.with_token(&bob_cookie, &["profile_read"], "30").await;
    let bob = app.user_id("bob@example.org").await.to_string();
    app.call("admin_reset_password", &[("id", &bob)], Some(&admin))
        .await;
    let one_time: serde_json::Value = app
        .call("admin_user", &[("id", &bob)], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let one_time = one_time["one_time_password"].as_str().unwrap().to_string();
    let login = app.log_in("bob@example.org", &one_time, None).await;
    let cookie = session_cookie(&login).unwrap();

    for (endpoint, form) in [
        ("profile", vec![]),
        ("settings", vec![]),
        (
            "update_settings",
            vec![("theme", "dark"), ("time_zone", "UTC")],
        ),
        ("sessions", vec![]),
        ("end_other_sessions", vec![]),
        ("tokens", vec![]),
        (
            "create_token",
            vec![("name", "x"), ("profile_read", "on"), ("expires", "30")],
        ),
        ("delete_account", vec![("password", one_time.as_str())]),
    ] {
        let res = app.call(endpoint, &form, Some(&cookie)).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{endpoint}");
    }
    assert_eq!(app.count("personal_access_tokens").await, 0);
    let viewer = app.call("viewer", &[], Some(&cookie)).await;
    assert_eq!(
        viewer.status(),
        StatusCode::OK,
        "the header still shows who it is"
    );

    // A token the person still holds (as if made before the reset) is refused too.
    query("UPDATE users SET must_change_password = TRUE WHERE email = 'ann@example.org'")
        .execute(&app.pool)
        .await
        .unwrap();
    let ann = app.sign_up("ann@example.org", "Ann").await;
    let ann_token = app.with_token(&ann, &["profile_read"], "30").await;
    query("UPDATE users SET must_change_password = TRUE WHERE email = 'ann@example.org'")
        .execute(&app.pool)
        .await
        .unwrap();
    let api = app.api(Method::GET, "/me", &ann_token, None).await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
    let body: serde_json::Value = api.json().await.unwrap();
    assert_eq!(
        body["detail"],
        "The token's owner must choose a new password first."
    );
    drop(token);

    let change = app
        .call(
            "change_password",
            &[
                ("current_password", one_time.as_str()),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(change.status(), StatusCode::OK);
    let tokens = app.call("tokens", &[], Some(&cookie)).await;
    assert_eq!(
        tokens.status(),
        StatusCode::OK,
        "everything again after the change"
    );
}
