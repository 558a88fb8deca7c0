//! Confirmation and reset links: each works once, for its time, for its purpose, and any bad
//! use gets one clear answer and changes nothing; "Forgot password?" answers alike for known
//! and unknown addresses and is throttled; `required` mode tells nobody which addresses exist.

use super::*;

#[tokio::test]
async fn sign_up_mails_a_link_that_confirms_the_address_once() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    assert_eq!(verified_at(&app, "ann@example.org").await, None);
    let mail = app.wait_mail("ann@example.org", "verify_email").await;
    assert!(
        mail.body_text
            .contains(&format!("http://{}/verify-email?token=", "127.0.0.1:3000")),
        "{}",
        mail.body_text
    );
    let token = app.link_token("ann@example.org", "verify_email").await;

    // Opening the link changes nothing (mail scanners open links too): a button does.
    let page = app.get(&format!("/verify-email?token={token}"), None).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Confirm email address"));
    assert_eq!(verified_at(&app, "ann@example.org").await, None);

    let res = app.call("confirm_email", &[("token", &token)], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        location(&res).as_deref(),
        Some("/verify-email?done=address")
    );
    assert_eq!(
        verified_at(&app, "ann@example.org").await,
        Some(app.state.now())
    );
    assert!(actions(&app).await.contains(&"email.verified".to_string()));
    let done = app.get("/verify-email?done=address", None).await;
    assert!(done.text().await.unwrap().contains("Email verified"));

    let again = app.call("confirm_email", &[("token", &token)], None).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert_eq!(again.text().await.unwrap(), INVALID_LINK);
}

#[tokio::test]
async fn forged_expired_and_wrong_purpose_links_change_nothing() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let verify = app.link_token("ann@example.org", "verify_email").await;
    app.call("forgot_password", &[("email", "ann@example.org")], None)
        .await;
    let reset = app.link_token("ann@example.org", "password_reset").await;
    let hash_before: String = query("SELECT password_hash FROM users")
        .scalar(&app.pool)
        .await
        .unwrap();

    let forged = "0".repeat(64);
    for token in [
        forged.as_str(),
        "not-a-token",
        "",
        &reset,
        &verify.to_uppercase(),
    ] {
        let res = app.call("confirm_email", &[("token", token)], None).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{token}");
        assert_eq!(res.text().await.unwrap(), INVALID_LINK, "{token}");
    }
    for token in [forged.as_str(), &verify] {
        let res = app
            .call(
                "reset_password",
                &[("token", token), ("new_password", NEW_PASSWORD)],
                None,
            )
            .await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{token}");
        assert_eq!(res.text().await.unwrap(), INVALID_LINK);
        let page = app
            .get(&format!("/password/reset?token={token}"), None)
            .await;
        let body = page.text().await.unwrap();
        assert!(
            body.contains("This link is invalid or has expired"),
            "{body}"
        );
        assert!(!body.contains("Set new password"));
    }

    // A link used for another purpose is left as it was.
    let page = app
        .get(&format!("/password/reset?token={reset}"), None)
        .await;
    assert!(page.text().await.unwrap().contains("Set new password"));

    // Past their lifetimes: the reset link after 1 h, the confirmation after 24 h.
    app.clock.advance(HOUR);
    let late = app
        .call(
            "reset_password",
            &[("token", &reset), ("new_password", NEW_PASSWORD)],
            None,
        )
        .await;
    assert_eq!(late.text().await.unwrap(), INVALID_LINK);
    app.clock.advance(23 * HOUR);
    let late = app.call("confirm_email", &[("token", &verify)], None).await;
    assert_eq!(late.text().await.unwrap(), INVALID_LINK);

    let hash_after: String = query("SELECT password_hash FROM users")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(hash_before, hash_after);
    assert_eq!(verified_at(&app, "ann@example.org").await, None);
}

#[tokio::test]
async fn a_reset_link_sets_the_password_ends_sessions_and_tokens_once() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let token = app.with_token(&cookie, &["profile_read"], "30").await;

    let res = app
        .call("forgot_password", &[("email", "Ann@Example.org")], None)
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/password/forgot?sent=1"));
    let link = app.link_token("ann@example.org", "password_reset").await;
    let page = app
        .get(&format!("/password/reset?token={link}"), None)
        .await;
    let body = page.text().await.unwrap();
    assert!(body.contains("Set new password") && body.contains("New password"));

    let weak = app
        .call(
            "reset_password",
            &[("token", &link), ("new_password", "ann@example.org1")],
            None,
        )
        .await;
    assert_eq!(weak.status(), StatusCode::BAD_REQUEST);
    let res = app
        .call(
            "reset_password",
            &[("token", &link), ("new_password", NEW_PASSWORD)],
            Some(&cookie),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(location(&res).as_deref(), Some("/login?reset=1"));

    assert!(!signed_in(&app, &cookie).await, "every session ended");
    let api = app.api(reqwest::Method::GET, "/me", &token, None).await;
    assert_eq!(api.status(), StatusCode::UNAUTHORIZED, "tokens revoked");
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.log_in("ann@example.org", NEW_PASSWORD, None)
            .await
            .status(),
        StatusCode::OK
    );
    let again = app
        .call(
            "reset_password",
            &[
                ("token", &link),
                ("new_password", "yet another long passphrase"),
            ],
            None,
        )
        .await;
    assert_eq!(again.text().await.unwrap(), INVALID_LINK);
    let actions = actions(&app).await;
    assert!(actions.contains(&"password.reset_requested".to_string()));
    assert!(actions.contains(&"password.reset".to_string()));
    app.wait_mail("ann@example.org", "password_changed").await;
    assert!(
        verified_at(&app, "ann@example.org").await.is_some(),
        "the link reached the address"
    );
}

#[tokio::test]
async fn a_newer_link_or_a_password_change_voids_open_links() {
    let app = spawn_app().await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    app.call("forgot_password", &[("email", "ann@example.org")], None)
        .await;
    let first = app.link_token("ann@example.org", "password_reset").await;
    app.clock.advance(1);
    app.call("forgot_password", &[("email", "ann@example.org")], None)
        .await;
    let start = std::time::Instant::now();
    let second = loop {
        let token = app.link_token("ann@example.org", "password_reset").await;
        if token != first || start.elapsed() > wait() {
            break token;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_ne!(first, second);
    let old = app
        .call(
            "reset_password",
            &[("token", &first), ("new_password", NEW_PASSWORD)],
            None,
        )
        .await;
    assert_eq!(
        old.text().await.unwrap(),
        INVALID_LINK,
        "the newer link voids the older"
    );

    let verify = app.link_token("ann@example.org", "verify_email").await;
    let changed = app
        .call(
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
            Some(&cookie),
        )
        .await;
    assert_eq!(changed.status(), StatusCode::OK);
    for (endpoint, token) in [("reset_password", &second), ("confirm_email", &verify)] {
        let res = app
            .call(
                endpoint,
                &[
                    ("token", token),
                    ("new_password", "yet another long passphrase"),
                ],
                None,
            )
            .await;
        assert_eq!(res.text().await.unwrap(), INVALID_LINK, "{endpoint}");
    }
}

#[tokio::test]
async fn forgot_password_answers_alike_for_every_address_and_is_throttled() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let known = app
        .call("forgot_password", &[("email", "ann@example.org")], None)
        .await;
    let unknown = app
        .call("forgot_password", &[("email", "nobody@example.org")], None)
        .await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(location(&known), location(&unknown));
    assert_eq!(known.text().await.unwrap(), unknown.text().await.unwrap());
    app.wait_mail("ann@example.org", "password_reset").await;
    assert!(app.mails_to("nobody@example.org").await.is_empty());

    // Per address: three reset mails an hour at most, whoever asks (the answer stays the same).
    for _ in 0..4 {
        let res = app
            .call("forgot_password", &[("email", "ann@example.org")], None)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let resets = app
        .mails_to("ann@example.org")
        .await
        .into_iter()
        .filter(|m| m.kind == "password_reset")
        .count();
    assert_eq!(resets, 3);

    // Per client: ten requests an hour (six made above), then 429 with Retry-After.
    for _ in 0..4 {
        let res = app
            .call("forgot_password", &[("email", "x@example.org")], None)
            .await;
        assert_eq!(res.status(), StatusCode::OK);
    }
    let limited = app
        .call("forgot_password", &[("email", "x@example.org")], None)
        .await;
    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);

    let bad = app
        .call("forgot_password", &[("email", "nope")], None)
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn required_mode_answers_alike_and_the_link_signs_the_person_in() {
    use roster::server::config::EmailVerification;
    let app = spawn_app_with(|c| c.mail.verification = EmailVerification::Required).await;
    let new = app.try_sign_up("ann@example.org", "Ann", PASSWORD).await;
    assert_eq!(new.status(), StatusCode::OK);
    assert_eq!(location(&new).as_deref(), Some("/signup?check=1"));
    let new_cookie = session_cookie(&new);
    let taken = app
        .try_sign_up("ann@example.org", "Someone", "another long passphrase here")
        .await;
    assert_eq!(taken.status(), StatusCode::OK);
    assert_eq!(location(&taken), location(&new));
    assert_eq!(session_cookie(&taken).is_some(), new_cookie.is_some());
    if let Some(cookie) = &new_cookie {
        assert!(!signed_in(&app, cookie).await, "nobody is signed in yet");
    }
    app.wait_mail("ann@example.org", "signup_attempt").await;

    let early = app.log_in("ann@example.org", PASSWORD, None).await;
    assert_eq!(early.status(), StatusCode::FORBIDDEN);
    assert_eq!(early.text().await.unwrap(), r#""EmailUnconfirmed""#,);
    let wrong = app
        .log_in("ann@example.org", "not the password", None)
        .await;
    assert_eq!(
        wrong.status(),
        StatusCode::UNAUTHORIZED,
        "a guesser learns nothing"
    );

    let token = app.link_token("ann@example.org", "verify_email").await;
    let res = app.call("confirm_email", &[("token", &token)], None).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = session_cookie(&res).expect("the link signs the new person in");
    assert!(signed_in(&app, &cookie).await);
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::OK
    );
}
