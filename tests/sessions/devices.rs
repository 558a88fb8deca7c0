//! The sessions page: who may call the account functions, each session listed, ending
//! one or all other sessions, and nobody ending someone else's.

use super::*;
use roster::server::db::query;

/// Every server function of the account's own pages needs a signed-in caller: signed out, each
/// answers 401 and changes nothing.
#[tokio::test]
async fn account_functions_need_a_signed_in_caller() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let sessions_before = app.count("user_sessions").await;
    for (endpoint, form) in [
        ("sessions", vec![]),
        ("end_session", vec![("id", "1")]),
        ("end_other_sessions", vec![]),
        (
            "change_password",
            vec![
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        ),
        ("delete_account", vec![("password", PASSWORD)]),
        ("tokens", vec![]),
        (
            "create_token",
            vec![("name", "x"), ("profile_read", "on"), ("expires", "30")],
        ),
        ("revoke_token", vec![("id", "1")]),
    ] {
        let res = app.call(endpoint, &form, None).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{endpoint}");
        assert_eq!(res.text().await.unwrap(), r#""Unauthorized""#, "{endpoint}");
    }
    assert_eq!(app.count("users").await, 1);
    assert_eq!(app.count("user_sessions").await, sessions_before);
    assert_eq!(app.count("personal_access_tokens").await, 0);
    assert_eq!(
        app.log_in("ann@example.org", PASSWORD, None).await.status(),
        StatusCode::OK,
        "the password is unchanged"
    );
}

#[tokio::test]
async fn the_sessions_page_lists_each_session_and_marks_this_device() {
    let app = spawn_app().await;
    let first = app.sign_up("ann@example.org", "Ann").await;
    let second = second_session(&app, "ann@example.org", false).await;
    app.sign_up("bob@example.org", "Bob").await;

    let html = app
        .get("/settings/sessions", Some(&second))
        .await
        .text()
        .await
        .unwrap();

    assert_eq!(
        html.matches("class=\"session\"").count(),
        2,
        "Ann's two, not Bob's"
    );
    assert_eq!(html.matches("This device").count(), 1);
    assert_eq!(
        html.matches("name=\"id\"").count(),
        1,
        "a Sign out button for the other"
    );
    assert!(html.contains("Sign out all other sessions"));
    assert!(html.contains("roster-tests/1.0"), "the user agent is shown");
    assert!(signed_in(&app, &first).await);
}

#[tokio::test]
async fn sign_out_all_other_sessions_kills_the_other_cookies_on_their_next_request() {
    let app = spawn_app().await;
    let mine = app.sign_up("ann@example.org", "Ann").await;
    let other = second_session(&app, "ann@example.org", false).await;
    let third = second_session(&app, "ann@example.org", true).await;
    let bob = app.sign_up("bob@example.org", "Bob").await;

    let res = app.call("end_other_sessions", &[], Some(&mine)).await;

    assert_eq!(res.status(), StatusCode::OK);
    assert!(!signed_in(&app, &other).await);
    assert!(!signed_in(&app, &third).await);
    assert!(signed_in(&app, &mine).await);
    assert!(signed_in(&app, &bob).await, "other people's sessions stay");
    assert!(actions(&app).await.contains(&"session.ended".to_string()));
}

#[tokio::test]
async fn signing_out_one_other_session_ends_only_that_one() {
    let app = spawn_app().await;
    let mine = app.sign_up("ann@example.org", "Ann").await;
    let other = second_session(&app, "ann@example.org", false).await;
    let third = second_session(&app, "ann@example.org", false).await;
    let ann = app.user_id("ann@example.org").await;
    let other_id = session_ids(&app, ann).await[1].to_string();

    let res = app
        .call("end_session", &[("id", other_id.as_str())], Some(&mine))
        .await;

    assert_eq!(res.status(), StatusCode::OK);
    assert!(!signed_in(&app, &other).await);
    assert!(signed_in(&app, &third).await);
    assert!(signed_in(&app, &mine).await);
}

#[tokio::test]
async fn nobody_can_end_another_persons_session_or_their_own_by_id() {
    let app = spawn_app().await;
    let ann = app.sign_up("ann@example.org", "Ann").await;
    let bob = app.sign_up("bob@example.org", "Bob").await;
    let ann_id = app.user_id("ann@example.org").await;
    let anns_session = session_ids(&app, ann_id).await[0].to_string();

    let by_bob = app
        .call("end_session", &[("id", anns_session.as_str())], Some(&bob))
        .await;
    let own = app
        .call("end_session", &[("id", anns_session.as_str())], Some(&ann))
        .await;
    let anonymous = app
        .call("end_session", &[("id", anns_session.as_str())], None)
        .await;

    assert_eq!(by_bob.status(), StatusCode::NOT_FOUND);
    assert_eq!(own.status(), StatusCode::BAD_REQUEST);
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert!(signed_in(&app, &ann).await);
}

/// A new token's text and an administrator's one-time password are kept for the page that
/// shows them in memory only, never in the session store, and for five minutes at most
/// (issue 13).
#[tokio::test]
async fn show_once_secrets_never_reach_the_session_store_and_expire() {
    let app = spawn_app().await;
    let admin = app.with_admin("root@example.org").await;
    let cookie = app.sign_up("ann@example.org", "Ann").await;
    let stored = || async {
        let blobs: Vec<Vec<u8>> = query("SELECT data FROM tower_sessions")
            .scalars(&app.pool)
            .await
            .unwrap();
        blobs.concat()
    };
    let contains = |haystack: &[u8], needle: &str| {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    };

    app.try_make_token(&cookie, &["profile_read"], "30").await;
    let token: String = query("SELECT name FROM personal_access_tokens")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(token, "script");
    let ann = app.user_id("ann@example.org").await.to_string();
    app.call("admin_reset_password", &[("id", &ann)], Some(&admin))
        .await;
    let blob = stored().await;
    assert!(
        !contains(&blob, "roster_pat_"),
        "a token in the session store"
    );
    // The one-time password is 4 groups of 5 letters joined by '-'.
    let text = String::from_utf8_lossy(&blob).to_string();
    let otp_like = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '#'))
        .any(|w| w.len() == 23 && w.matches('-').count() == 3);
    assert!(!otp_like, "a one-time password in the session store");

    // Five minutes later, the one-time password is gone without having been shown.
    app.clock.advance(5 * MINUTE + 1);
    let page: serde_json::Value = app
        .call("admin_user", &[("id", &ann)], Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert!(page["one_time_password"].is_null(), "{page}");
}

/// A sign-in whose password check is in flight while an administrator disables the account
/// gets no session: the account is read again in the transaction that records the session
/// (issue 13). The disable is made certain to land in between: it is written, uncommitted,
/// before the sign-in starts (so the sign-in's first read sees an active account), and
/// committed once the password check has begun; the sign-in's write then waits for it.
#[tokio::test]
async fn a_sign_in_in_flight_when_the_account_is_disabled_gets_no_session() {
    let app = spawn_app().await;
    app.sign_up("ann@example.org", "Ann").await;
    let checks = app.state.passwords().verified();
    let mut disable = roster::server::db::begin_write(&app.pool).await.unwrap();
    query("UPDATE users SET status = 'disabled' WHERE email = 'ann@example.org'")
        .execute(&mut disable)
        .await
        .unwrap();

    let login = tokio::spawn({
        let client = app.client.clone();
        let url = app.url("/fn/log_in");
        async move {
            client
                .post(url)
                .form(&[("email", "ann@example.org"), ("password", PASSWORD)])
                .send()
                .await
                .unwrap()
        }
    });
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while app.state.passwords().verified() == checks {
        assert!(
            std::time::Instant::now() < deadline,
            "the sign-in never checked"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    disable.commit().await.unwrap();
    let res = login.await.unwrap();

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(session_cookie(&res).is_none());
    assert_eq!(app.count("user_sessions").await, 1, "only the sign-up's");
}
