//! Personal access tokens: made and shown once, stored as SHA-256, refused in every wrong
//! form, never able to manage tokens, rate limited.

use super::{invalid_token, no_such_route, person, ALL_SCOPES};
use crate::common::{problem, spawn_app, spawn_app_with};
use reqwest::{header, Method, StatusCode};
use roster::server::db::query;
use serde_json::{json, Value};

#[tokio::test]
async fn a_token_is_shown_once_and_only_its_sha256_is_stored() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;

    let token = app.with_token(&cookie, &["profile_read"], "30").await;

    assert!(
        token.starts_with("roster_pat_") && token.len() == 11 + 32,
        "{token}"
    );
    let again: Value = app
        .call("tokens", &[], Some(&cookie))
        .await
        .json()
        .await
        .unwrap();
    assert!(again["new_token"].is_null(), "shown a second time");
    assert_eq!(again["tokens"][0]["name"], "script");
    assert_eq!(again["tokens"][0]["scopes"], json!(["profile:read"]));
    let row: (Vec<u8>, String, String, Option<i64>) =
        query("SELECT token_hash, name, scopes, expires_at FROM personal_access_tokens")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    use sha2::Digest;
    assert_eq!(row.0, sha2::Sha256::digest(token.as_bytes()).to_vec());
    assert!(!format!("{row:?}").contains(&token[11..]));
    assert!(row.3.is_some(), "30 days given, so it expires");
    let dump: Vec<(String,)> = query("SELECT details FROM audit_events")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(
        !format!("{dump:?}").contains(&token[11..]),
        "token in the audit trail"
    );
    let created: i64 = query("SELECT COUNT(*) FROM audit_events WHERE action = 'token.created'")
        .scalar(&app.pool)
        .await
        .unwrap();
    assert_eq!(created, 1);

    // The person's data export lists the token, without its text or hash.
    let export = app
        .get("/settings/account/export", Some(&cookie))
        .await
        .text()
        .await
        .unwrap();
    let data: Value = serde_json::from_str(&export).unwrap();
    assert_eq!(data["personal_access_tokens"][0]["name"], "script");
    assert!(!export.contains(&token[11..]) && !export.contains("token_hash"));
}

#[tokio::test]
async fn the_token_form_refuses_bad_fields_admin_scopes_for_users_and_a_51st_token() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;

    let res = app.try_make_token(&cookie, &[], "forever").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = res.text().await.unwrap();
    assert!(
        body.contains("Choose at least one scope") && body.contains("expires"),
        "{body}"
    );

    let res = app.try_make_token(&cookie, &["users_read"], "30").await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(res.text().await.unwrap().contains("Only administrators"));
    assert_eq!(app.count("personal_access_tokens").await, 0);

    for _ in 0..50 {
        app.with_token(&cookie, &["profile_read"], "7").await;
    }
    let res = app.try_make_token(&cookie, &["profile_read"], "7").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(app.count("personal_access_tokens").await, 50);
}

#[tokio::test]
async fn missing_invalid_revoked_expired_and_misplaced_tokens_are_refused() {
    let app = spawn_app().await;
    let cookie = person(&app, "pat@example.org", false).await;
    let token = app.with_token(&cookie, &["profile_read"], "7").await;
    let authentication_required = json!({
        "type": "/api/docs#problem-authentication-required",
        "title": "Authentication required",
        "status": 401,
        "detail": "Send a personal access token as `Authorization: Bearer roster_pat_...`.",
        "request_id": "<request-id>",
    });

    // No header; another scheme; a session cookie alone.
    let res = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(
        res.headers()[header::WWW_AUTHENTICATE],
        "Bearer realm=\"roster\""
    );
    assert_eq!(
        problem(res, StatusCode::UNAUTHORIZED).await,
        authentication_required
    );
    let res = app
        .client
        .get(app.url("/api/v1/me"))
        .header(header::AUTHORIZATION, "Basic cGF0OnB3")
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(res, StatusCode::UNAUTHORIZED).await,
        authentication_required
    );
    let res = app.get("/api/v1/me", Some(&cookie)).await;
    assert_eq!(
        problem(res, StatusCode::UNAUTHORIZED).await,
        authentication_required
    );

    // Not a token, or a token-shaped guess.
    for bad in ["nonsense", &format!("roster_pat_{}", "A".repeat(32))] {
        let res = app.api(Method::GET, "/me", bad, None).await;
        assert_eq!(
            res.headers()[header::WWW_AUTHENTICATE],
            "Bearer realm=\"roster\", error=\"invalid_token\", \
             error_description=\"The token is not valid: unknown or revoked.\""
        );
        assert_eq!(
            problem(res, StatusCode::UNAUTHORIZED).await,
            invalid_token("The token is not valid: unknown or revoked.")
        );
    }

    // In the query string, even with a good header.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/me?access_token={token}")))
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        problem(res, StatusCode::BAD_REQUEST).await,
        json!({
            "type": "/api/docs#problem-token-in-query",
            "title": "Token in the query string",
            "status": 400,
            "detail": "Tokens are accepted only in the Authorization header, never in the URL.",
            "request_id": "<request-id>",
        })
    );

    // Someone else cannot revoke a live token of Pat's (nor learn it exists), and it goes on
    // working.
    let token_id = |expires: &'static str| {
        let app = &app;
        async move {
            query(format!(
                "SELECT id FROM personal_access_tokens WHERE expires_at {expires}"
            ))
            .scalar::<i64>(&app.pool)
            .await
            .unwrap()
        }
    };
    let live = token_id("IS NOT NULL").await;
    let stranger = person(&app, "sam@example.org", false).await;
    let res = app
        .call(
            "revoke_token",
            &[("id", &live.to_string())],
            Some(&stranger),
        )
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        app.api(Method::GET, "/me", &token, None).await.status(),
        StatusCode::OK,
        "the stranger's attempt changed nothing"
    );

    // Revoked by its owner: refused at once.
    let other = app.with_token(&cookie, &["profile_read"], "never").await;
    assert_eq!(
        app.api(Method::GET, "/me", &other, None).await.status(),
        StatusCode::OK
    );
    let id = token_id("IS NULL").await;
    let res = app
        .call("revoke_token", &[("id", &id.to_string())], Some(&cookie))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        problem(
            app.api(Method::GET, "/me", &other, None).await,
            StatusCode::UNAUTHORIZED
        )
        .await,
        invalid_token("The token is not valid: unknown or revoked.")
    );

    // Good now; expired after its 7 days.
    assert_eq!(
        app.api(Method::GET, "/me", &token, None).await.status(),
        StatusCode::OK
    );
    app.clock.advance(7 * 86_400 + 1);
    assert_eq!(
        problem(
            app.api(Method::GET, "/me", &token, None).await,
            StatusCode::UNAUTHORIZED
        )
        .await,
        invalid_token("The token has expired.")
    );
}

#[tokio::test]
async fn a_token_cannot_make_list_or_revoke_tokens() {
    let app = spawn_app().await;
    let cookie = person(&app, "ada@example.org", true).await;
    let token = app.with_token(&cookie, &ALL_SCOPES, "30").await;
    let bearer = format!("Bearer {token}");

    for (endpoint, form) in [
        (
            "create_token",
            vec![("name", "x"), ("profile_read", "on"), ("expires", "30")],
        ),
        ("tokens", vec![]),
        ("revoke_token", vec![("id", "1")]),
    ] {
        let res = app
            .client
            .post(app.url(&format!("/fn/{endpoint}")))
            .header(header::AUTHORIZATION, &bearer)
            .form(&form)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{endpoint}");
    }
    assert_eq!(app.count("personal_access_tokens").await, 1);
    let res = app
        .api(Method::POST, "/tokens", &token, Some(json!({})))
        .await;
    assert_eq!(problem(res, StatusCode::NOT_FOUND).await, no_such_route());
}

#[tokio::test]
async fn each_token_is_rate_limited_with_retry_after() {
    let app = spawn_app_with(|config| config.throttle.api_calls_per_minute = 2).await;
    let cookie = person(&app, "pat@example.org", false).await;
    let token = app.with_token(&cookie, &["profile_read"], "30").await;
    let other = app.with_token(&cookie, &["profile_read"], "30").await;

    for _ in 0..2 {
        assert_eq!(
            app.api(Method::GET, "/me", &token, None).await.status(),
            StatusCode::OK
        );
    }
    let res = app.api(Method::GET, "/me", &token, None).await;
    let wait: u64 = res.headers()[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&wait), "{wait}");
    assert_eq!(
        problem(res, StatusCode::TOO_MANY_REQUESTS).await,
        json!({
            "type": "/api/docs#problem-rate-limited",
            "title": "Too many requests",
            "status": 429,
            "detail": format!("Too many calls with this token. Try again in {wait} s."),
            "request_id": "<request-id>",
            "retry_after": wait,
        })
    );
    assert_eq!(
        app.api(Method::GET, "/me", &other, None).await.status(),
        StatusCode::OK
    );
}
